"""What repti-ops reads the trail through: a query, and the port its store implements."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.audit.chain import ChainedRecord

MAX_PAGE = 500
"""The largest page of ``GET /audit/logs``."""


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters (each narrows), and a page of the trail, newest first.

    ``since`` is inclusive, ``until`` exclusive (both on ``occurred_at``). ``kinds_or_access``,
    when given, keeps only records of one of its (service, resource kind) pairs and records of
    an access (action ``accessed``): the personal-data report's candidates.
    """

    organisation_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    resource_kind: str | None = None
    resource_id: str | None = None
    action: str | None = None
    service: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    kinds_or_access: tuple[tuple[str, str], ...] | None = None
    limit: int = 50
    offset: int = 0


class AuditTrail(Protocol):
    """The stored trail, read within a scope: one organisation's records, or (``None``) all."""

    async def search(
        self, query: AuditQuery, scope: uuid.UUID | None
    ) -> tuple[list[ChainedRecord], int]:
        """One page of the records matching ``query`` and their total count."""

    def export(self, query: AuditQuery, scope: uuid.UUID | None) -> AsyncIterator[ChainedRecord]:
        """Every record matching ``query`` (its page ignored), newest first, read in batches."""
