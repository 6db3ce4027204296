"""repti-ops' API shapes: audit records as ``GET /audit/logs`` returns them, and their export
formats."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from reptidex.domain.audit import ChainedRecord
from reptidex.services.kernel.csv_lines import csv_line


class AuditRecordView(msgspec.Struct, frozen=True):
    """One record of the trail: who, what, when, the changed fields (secrets withheld by
    name), and its place in the hash chain."""

    seq: int
    id: uuid.UUID
    occurred_at: dt.datetime
    service: str
    actor_id: uuid.UUID | None
    organisation_id: uuid.UUID | None
    request_id: str | None
    resource_kind: str
    resource_id: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    withheld: list[str]
    previous_hash: str
    hash: str


class AuditPage(msgspec.Struct, frozen=True):
    """A page of the trail, newest first."""

    items: list[AuditRecordView]
    total: int
    limit: int
    offset: int


def view_of(entry: ChainedRecord) -> AuditRecordView:
    """The API view of a stored record."""
    r = entry.record
    return AuditRecordView(
        seq=entry.seq,
        id=r.id,
        occurred_at=r.occurred_at,
        service=r.service,
        actor_id=r.actor_id,
        organisation_id=r.organisation_id,
        request_id=r.request_id,
        resource_kind=r.resource_kind,
        resource_id=r.resource_id,
        action=r.action,
        before=r.before,
        after=r.after,
        withheld=r.withheld,
        previous_hash=entry.previous_hash,
        hash=entry.hash,
    )


CSV_COLUMNS = tuple(AuditRecordView.__struct_fields__)
"""The CSV export's columns (``before``, ``after`` and ``withheld`` as JSON text)."""


def csv_header() -> bytes:
    """The CSV export's header line."""
    return csv_line(CSV_COLUMNS)


def csv_row(view: AuditRecordView) -> bytes:
    """A record as one CSV line."""
    return csv_line([getattr(view, name) for name in CSV_COLUMNS])


def jsonl_row(view: AuditRecordView) -> bytes:
    """A record as one JSON Lines line."""
    return msgspec.json.encode(view) + b"\n"
