"""A service's recent unhandled errors (the 500s), kept in the process's memory for the admin
dashboard, and ``GET /health/errors`` that shows them to platform administrators and to
repti-ops' service token.

Each error is kept as its exception's type, its message with secrets masked by the log's own
redaction (:func:`~reptidex.services.kernel.redaction.redact_text`), the route's template
(never the requested path or query, which may carry a token), the request id and the time;
never a traceback, its frames' variables, or the request's headers or body. Repeats of one
error (same type, route and message) are one entry with a count. At most :data:`CAPACITY`
entries are kept: the one repeated least recently goes first.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from reptidex.services.kernel.auth import BEARER, requires_platform_admin
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem
from reptidex.services.kernel.redaction import redact_text

CAPACITY = 100
"""The most distinct errors a process keeps."""

MESSAGE_LENGTH = 500
"""The longest message kept (longer ones are cut)."""


@dataclass(slots=True)
class RecentError:
    """One unhandled error and its repeats."""

    exception: str
    message: str
    route: str
    method: str
    request_id: str | None
    first_at: dt.datetime
    last_at: dt.datetime
    count: int = 1


def describe(exc: BaseException) -> str:
    """An exception's message as the store keeps it: redacted, and cut at
    :data:`MESSAGE_LENGTH` characters.

    >>> describe(ValueError("no session for Bearer abcdefgh12345678"))
    'no session for Bearer <hidden>'
    """
    return redact_text(str(exc))[:MESSAGE_LENGTH]


class RecentErrors:
    """The process's recent unhandled errors, at most ``capacity`` distinct ones."""

    def __init__(
        self,
        capacity: int = CAPACITY,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.capacity = capacity
        self._clock = clock
        self._errors: OrderedDict[tuple[str, str, str, str], RecentError] = OrderedDict()

    def record(
        self, exc: BaseException, *, route: str, method: str, request_id: str | None
    ) -> RecentError:
        """Keep ``exc``, raised while handling ``method route``: a new entry, or one more
        repeat of the same error (then the newest request id and time)."""
        now = self._clock()
        exception = type(exc).__qualname__
        message = describe(exc)
        key = (exception, message, route, method)
        known = self._errors.pop(key, None)
        if known is None:
            known = RecentError(exception, message, route, method, request_id, now, now)
        else:
            known.count += 1
            known.last_at = now
            known.request_id = request_id
        self._errors[key] = known
        while len(self._errors) > self.capacity:
            self._errors.popitem(last=False)
        return known

    def remember(self, request: Request[Any, Any, Any], exc: Exception) -> None:
        """Keep an error raised while handling ``request`` (an exception handler's hook)."""
        scope: Any = request.scope
        self.record(
            exc,
            route=scope.get("path_template") or "<unmatched>",
            method=request.method,
            request_id=scope.get("state", {}).get("request_id"),
        )

    def recent(self) -> list[RecentError]:
        """Every kept error, the most recently seen first."""
        return list(reversed(self._errors.values()))


class RecentErrorView(msgspec.Struct, frozen=True):
    """One unhandled error: its exception's type and redacted message, the route, the last
    request it happened in, when it first and last happened, and how often."""

    exception: str
    message: str
    route: str
    method: str
    request_id: str | None
    first_at: dt.datetime
    last_at: dt.datetime
    count: int


class RecentErrorsView(msgspec.Struct, frozen=True):
    """A service's recent unhandled errors, the most recently seen first."""

    service: str
    capacity: int
    errors: list[RecentErrorView]


def errors_view(service: str, errors: RecentErrors) -> RecentErrorsView:
    """The answer of ``GET /health/errors``."""
    return RecentErrorsView(
        service,
        errors.capacity,
        [
            RecentErrorView(
                e.exception,
                e.message,
                e.route,
                e.method,
                e.request_id,
                e.first_at,
                e.last_at,
                e.count,
            )
            for e in errors.recent()
        ],
    )


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


def errors_route(service: str, errors: RecentErrors) -> HTTPRouteHandler:
    """``GET /health/errors`` of ``service``: platform administrators and repti-ops only."""

    @get(
        "/health/errors",
        tags=["operations"],
        summary="Recent unhandled errors of this process",
        description="The last unhandled errors (500s) of this process, the most recently seen "
        "first: exception type, message with secrets masked, route template, request id, "
        f"times and count of repeats (at most {CAPACITY} distinct errors). Platform "
        "administrators and repti-ops' service token only.",
        guards=[requires_platform_admin("ops")],
        security=BEARER,
        responses={
            401: _problem("No valid access token."),
            403: _problem("Neither a platform administrator nor repti-ops."),
        },
        sync_to_thread=False,
    )
    def recent_errors() -> RecentErrorsView:
        return errors_view(service, errors)

    return recent_errors
