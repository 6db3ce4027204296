"""The request a change belongs to: its id, set by the service kernel for each HTTP request."""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("reptidex_request_id", default=None)
"""The id of the request being handled (``None`` outside a request: a CLI command, a consumer)."""
