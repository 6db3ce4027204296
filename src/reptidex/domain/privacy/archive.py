"""The archive a completed export gives its requester: a zip of one JSON file per service."""

from __future__ import annotations

import io
import zipfile

import msgspec

from reptidex.domain.errors import Conflict
from reptidex.domain.privacy.model import PrivacyRequest, RequestKind

_encoder = msgspec.json.Encoder(order="sorted")


def export_archive(request: PrivacyRequest) -> bytes:
    """``request.json`` (who, when, which services) and ``<service>.json`` for each service.

    Raises:
        Conflict: the request is not a completed export (or its data was erased since).
    """
    if request.kind is not RequestKind.EXPORT or request.status != "completed":
        raise Conflict("The archive is ready once every service has answered the export.")
    if any(task.result is None for task in request.tasks):
        raise Conflict("This export's data was erased since.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        manifest = {
            "request_id": str(request.id),
            "user_id": str(request.subject_id),
            "requested_at": request.created_at.isoformat(),
            "completed_at": request.completed_at.isoformat() if request.completed_at else None,
            "services": [task.service for task in request.tasks],
        }
        archive.writestr("request.json", msgspec.json.format(_encoder.encode(manifest)))
        for task in request.tasks:
            body = _encoder.encode({"service": task.service, "data": task.result})
            archive.writestr(f"{task.service}.json", msgspec.json.format(body))
    return buffer.getvalue()
