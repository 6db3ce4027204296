"""Errors a use case raises, in the business's terms; the services map each to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a use case raises on purpose (never for a bug)."""

    def __init__(self, detail: str, *, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field_errors = field_errors or {}


class InvalidInput(DomainError):
    """The request is well formed but breaks a business rule (HTTP 422)."""


class NotFound(DomainError):
    """The thing asked for does not exist, or the caller may not know it exists (HTTP 404)."""


class Conflict(DomainError):
    """The change clashes with the current state, e.g. a duplicate (HTTP 409)."""


class NotAuthenticated(DomainError):
    """No valid credentials were presented (HTTP 401)."""


class PermissionDenied(DomainError):
    """The caller is known but may not do this (HTTP 403)."""


class RateLimited(DomainError):
    """Too many attempts; try again after ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """Something this action depends on cannot answer now, and the action is not done without
    it; try again after ``retry_after`` seconds (HTTP 503)."""

    def __init__(self, detail: str, *, retry_after: int = 30) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PlanUnknown(Unavailable):
    """The organisation's plan cannot be told now (billing does not answer), and the action is
    one its plan limits: it is refused rather than allowed (HTTP 503)."""


class FeatureUnavailable(DomainError):
    """The feature is switched off on this installation or plan (HTTP 503 or 402 by context)."""
