"""Who may read the audit trail: an organisation's owners read their organisation's records,
platform administrators read every record, nobody else reads any."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from reptidex.domain.audit.chain import ChainedRecord
from reptidex.domain.audit.ports import AuditQuery, AuditTrail
from reptidex.domain.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class AuditReader:
    """The caller: their active organisation and whether they own it, and whether they
    administer the platform."""

    user_id: uuid.UUID | None
    organisation_id: uuid.UUID | None = None
    owner: bool = False
    platform_admin: bool = False


def reading_scope(reader: AuditReader, query: AuditQuery) -> uuid.UUID | None:
    """The organisation whose records ``reader`` may read for ``query`` (``None``: all).

    Raises:
        PermissionDenied: for anyone but an owner (of their own organisation) or a platform
            administrator.
    """
    if reader.platform_admin:
        return None
    if reader.owner and reader.organisation_id is not None:
        if query.organisation_id not in (None, reader.organisation_id):
            raise PermissionDenied("Owners read their own organisation's audit trail only.")
        return reader.organisation_id
    raise PermissionDenied(
        "Only the organisation's owners and platform administrators read the audit trail."
    )


async def search_trail(
    trail: AuditTrail, reader: AuditReader, query: AuditQuery
) -> tuple[list[ChainedRecord], int]:
    """A page of the records ``reader`` may read that match ``query``, and their total."""
    return await trail.search(query, reading_scope(reader, query))


def export_trail(
    trail: AuditTrail, reader: AuditReader, query: AuditQuery
) -> AsyncIterator[ChainedRecord]:
    """Every record ``reader`` may read that matches ``query``, newest first (the rights are
    checked here, before the first record is read)."""
    return trail.export(query, reading_scope(reader, query))
