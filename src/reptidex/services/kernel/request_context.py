"""The outermost layer of every service: request id, one log line per request, metrics.

It wraps Litestar's whole ASGI handler (not a route's middleware stack), so requests to unknown
routes and wrong methods are logged and counted too.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from reptidex.domain.audit.correlation import current_request_id
from reptidex.domain.secret_names import is_secret_name
from reptidex.services.kernel.logging import get_logger
from reptidex.services.kernel.metrics import ServiceMetrics

REQUEST_ID_HEADER = "x-request-id"
UNMATCHED_ROUTE = "<unmatched>"
_REQUEST_ID_NAME = REQUEST_ID_HEADER.encode()
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


_log = get_logger("reptidex.access")

__all__ = [
    "REQUEST_ID_HEADER",
    "RequestContext",
    "adopt_request_id",
    "current_request_id",
    "incoming_request_id",
    "loggable_path",
]

HIDDEN_SEGMENT = "<hidden>"


_TOKEN_SHAPED = re.compile(r"[A-Za-z0-9_-]{40,}")
"""A path segment that may be a one-time token (they are 43 URL-safe characters)."""


def loggable_path(scope: Scope) -> str:
    """The request's path as the log may show it: the value of every path parameter named like
    a secret (an invitation's ``token``) replaced by ``<hidden>``; on a request no route
    matched (a wrong method, a typo), every segment shaped like a token."""
    path: str = scope["path"]
    if "path_template" not in scope:
        return "/".join(
            HIDDEN_SEGMENT if _TOKEN_SHAPED.fullmatch(part) else part for part in path.split("/")
        )
    params = scope.get("path_params") or {}
    hidden = {str(value) for name, value in params.items() if is_secret_name(name)}
    if not hidden:
        return path
    return "/".join(HIDDEN_SEGMENT if part in hidden else part for part in path.split("/"))


def scope_headers(scope: Scope, name: bytes) -> Iterator[str]:
    """The values of the header ``name`` (lowercase: ASGI lowercases names), read straight from
    the scope: cheaper than building the request's header map, which every request would pay."""
    for key, value in scope.get("headers", ()):
        if key == name:
            yield value.decode("latin-1")


def incoming_request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is well formed, else a new one."""
    for candidate in scope_headers(scope, b"x-request-id"):
        if _VALID_REQUEST_ID.fullmatch(candidate):
            return candidate
    return secrets.token_hex(16)  # 32 hex digits, as uuid4().hex, at a fifth of its cost


def adopt_request_id(scope: Scope, request_id: str) -> None:
    """Make ``request_id`` the id of the request in progress (a traced request takes its trace
    id): the log lines, the ``X-Request-ID`` response header, the calls to other services and
    the audit records from here on carry it. Called inside :class:`RequestContext`, which
    restores the previous values when the request ends."""
    scope.setdefault("state", {})["request_id"] = request_id
    current_request_id.set(request_id)
    structlog.contextvars.bind_contextvars(request_id=request_id)


class RequestContext:
    """ASGI wrapper that gives each HTTP request an id, logs it once and records its metrics."""

    def __init__(self, app: ASGIApp, service: str, metrics: ServiceMetrics) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        await self._handle(scope, receive, send)

    async def _handle(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        request_id = incoming_request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((_REQUEST_ID_NAME, state["request_id"].encode()))
                message["headers"] = headers
            await send(message)

        token = current_request_id.set(request_id)
        # bound and reset by hand: the context manager's generator costs every request more
        bound = structlog.contextvars.bind_contextvars(request_id=request_id, service=self.service)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            try:
                duration = time.perf_counter() - started
                route = scope.get("path_template") or UNMATCHED_ROUTE
                self.metrics.observe(scope["method"], route, status, duration)
                _log.info(
                    "request",
                    method=scope["method"],
                    path=loggable_path(scope),
                    route=route,
                    status=status,
                    duration_ms=round(duration * 1000, 2),
                )
            finally:
                structlog.contextvars.reset_contextvars(**bound)
                current_request_id.reset(token)
