"""The audit record, version 1, and the ``audit.recorded`` event that carries it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from reptidex.domain.events import DomainEvent

AUDIT_EVENT = "audit.recorded"
"""The event type of an audit record in the outbox and on the bus."""

AUDIT_RECORD_VERSION = 1

ACCESSED = "accessed"
"""The action of an access record: personal data was read, not changed (``after`` names the
fields read, ``read``, and why, ``purpose``)."""


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One data change: who, what, when and the changed fields.

    ``actor_id`` is the user (``None`` for the platform or an operator's command),
    ``request_id`` the HTTP request (``None`` outside one). ``before``/``after`` hold only the
    fields that changed (one side is empty for a creation or a deletion); ``withheld`` names
    the changed fields whose values are never recorded (passwords, hashes, tokens).
    """

    id: uuid.UUID
    occurred_at: dt.datetime
    service: str
    actor_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    request_id: str | None = None
    resource_kind: str
    resource_id: str
    action: str
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    withheld: list[str] = []


def audit_event(record: AuditRecord) -> DomainEvent:
    """The ``audit.recorded`` event of ``record`` (its id is the record's id)."""
    return DomainEvent(
        id=record.id,
        type=AUDIT_EVENT,
        version=AUDIT_RECORD_VERSION,
        occurred_at=record.occurred_at,
        producer=record.service,
        organisation_id=record.organisation_id,
        actor_id=record.actor_id,
        payload=msgspec.to_builtins(record),
    )


def record_of(event: DomainEvent) -> AuditRecord:
    """The record an ``audit.recorded`` event carries.

    Raises:
        msgspec.ValidationError: when its payload is not an audit record.
    """
    return msgspec.convert(event.payload, AuditRecord, strict=False)
