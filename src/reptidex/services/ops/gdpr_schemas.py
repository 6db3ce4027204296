"""repti-ops' GDPR API shapes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from reptidex.domain.privacy.model import PrivacyRequest, RequestKind


class GdprSubject(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Whose data: a user's own id, or (platform administrators) anyone's; the caller's own
    when left out."""

    user_id: uuid.UUID | None = None


class GdprTaskView(msgspec.Struct, frozen=True):
    """One service's part of the request."""

    service: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    completed_at: dt.datetime | None
    erased: dict[str, Any] | None
    """For an erasure: how many items of each kind the service removed or anonymised."""


class GdprRequestView(msgspec.Struct, frozen=True):
    """A GDPR request and its progress in each service."""

    id: uuid.UUID
    kind: str
    user_id: uuid.UUID
    requested_by: uuid.UUID
    status: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    tasks: list[GdprTaskView]
    archive_url: str | None
    """Where the requester downloads an export's zip once it is ``completed``."""


def request_view(request: PrivacyRequest) -> GdprRequestView:
    """The API view of a request."""
    export = request.kind is RequestKind.EXPORT
    return GdprRequestView(
        id=request.id,
        kind=request.kind.value,
        user_id=request.subject_id,
        requested_by=request.requested_by,
        status=request.status,
        created_at=request.created_at,
        completed_at=request.completed_at,
        tasks=[
            GdprTaskView(
                service=t.service,
                state=t.status.value,
                attempts=t.attempts,
                next_attempt_at=t.next_attempt_at,
                last_error=t.last_error,
                completed_at=t.completed_at,
                erased=None if export else t.result,
            )
            for t in request.tasks
        ],
        archive_url=f"/admin/gdpr/requests/{request.id}/archive"
        if export and request.status == "completed"
        else None,
    )
