"""Every failure as an RFC 9457 problem document (``application/problem+json``).

Domain errors raised by use cases map to HTTP here, in one place: not found → 404, conflict → 409,
permission → 403, validation → 422. A database that cannot be reached (down, restarting, the
connection lost) is a 503 with ``Retry-After``. Unexpected errors become a 500 without a stack
trace in the response; the trace goes to the log with the request id.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from reptidex.adapters.sql.engine import database_unreachable
from reptidex.domain.errors import (
    Conflict,
    DomainError,
    FeatureUnavailable,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
)
from reptidex.services.kernel.logging import get_logger
from reptidex.services.kernel.request_context import loggable_path

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://reptidex.dev/problems/"

_log = get_logger("reptidex.errors")


class FieldError(msgspec.Struct, frozen=True, omit_defaults=True):
    """One invalid field of a request: where it is, and what is wrong with it."""

    field: str
    message: str
    source: str | None = None


class ProblemDetails(msgspec.Struct, frozen=True, omit_defaults=True):
    """An RFC 9457 problem document (``ProblemDetails`` in the OpenAPI documents)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


Problem = ProblemDetails
"""The problem document's short name."""


def problem_type(status: int) -> str:
    """The ``type`` URI for a status, e.g. ``.../not-found`` for 404."""
    phrase = HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    return PROBLEM_TYPE_BASE + phrase


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    """Build a problem+json response for ``request``."""
    problem = ProblemDetails(
        type=problem_type(status),
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request.scope.get("state", {}).get("request_id"),
        errors=errors or None,
    )
    return Response(problem, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_errors(extra: Any) -> list[FieldError]:
    if not isinstance(extra, list):
        return []
    found = []
    for item in extra:
        if isinstance(item, dict):
            found.append(
                FieldError(
                    field=str(item.get("key") or item.get("field") or ""),
                    message=str(item.get("message", "")),
                    source=item.get("source"),
                )
            )
    return found


def _handle_validation(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Problem]:
    errors = _field_errors(exc.extra)
    status = 422 if errors else 400
    detail = exc.detail if exc.detail else "The request is not valid."
    return problem_response(request, status, detail, errors=errors)


def _handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    detail = exc.detail if exc.detail and exc.detail != HTTPStatus(exc.status_code).phrase else None
    if exc.status_code == 404 and detail is None:
        detail = f"Nothing is found at {request.url.path}."
    if exc.status_code == 413 and detail is None:
        detail = "The request body is larger than this endpoint takes."
    return problem_response(request, exc.status_code, detail, headers=exc.headers)


_DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (NotAuthenticated, 401),
    (PermissionDenied, 403),
    (RateLimited, 429),
    (FeatureUnavailable, 503),
    (Unavailable, 503),
)


def domain_status(exc: DomainError) -> int:
    """The HTTP status of a domain error."""
    for kind, status in _DOMAIN_STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def _handle_domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status = domain_status(exc)
    errors = [FieldError(field=name, message=text) for name, text in exc.field_errors.items()]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, RateLimited | Unavailable):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem_response(request, status, exc.detail, errors=errors, headers=headers)


DATABASE_RETRY_AFTER = 2
"""Seconds a caller is told to wait when the database cannot be reached: a restart, or a
connection lost (the pool is renewed at once)."""

DATABASE_UNREACHABLE = "The service's database cannot be reached now; try again shortly."

Unexpected = Callable[[Request[Any, Any, Any], Exception], None]
"""What else is done with an unexpected error, after it is logged (the service's recent
errors keep it)."""


def exception_handlers(on_unexpected: Unexpected | None = None) -> ExceptionHandlersMap:
    """The exception handlers every service installs; ``on_unexpected`` is told of each
    unexpected error (answered 500)."""

    def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
        if database_unreachable(exc):
            _log.warning(
                "database unreachable",
                path=loggable_path(request.scope),
                method=request.method,
                error=type(exc).__name__,
            )
            headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
            return problem_response(request, 503, DATABASE_UNREACHABLE, headers=headers)
        _log.exception("unhandled error", path=loggable_path(request.scope), method=request.method)
        if on_unexpected is not None:
            on_unexpected(request, exc)
        return problem_response(request, 500, "An unexpected error occurred; it has been logged.")

    return {
        DomainError: _handle_domain,
        ValidationException: _handle_validation,
        HTTPException: _handle_http,
        Exception: handle_unexpected,
    }


EXCEPTION_HANDLERS: ExceptionHandlersMap = exception_handlers()
"""The exception handlers of an app that keeps no recent errors (tests of the kernel)."""
