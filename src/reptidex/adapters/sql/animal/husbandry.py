""":class:`~reptidex.domain.animals.ports.HusbandryLogs` in ``husbandry_log``."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.models import HusbandryLogRow
from reptidex.domain.animals.husbandry import LogDetails, LogEntry


def _entry(row: HusbandryLogRow) -> LogEntry:
    return LogEntry(
        id=row.id,
        organisation_id=row.organisation_id,
        animal_id=row.animal_id,
        occurred_on=row.occurred_on,
        details=msgspec.convert(row.details, LogDetails),
        notes=row.notes,
    )


class SqlHusbandry:
    """:class:`~reptidex.domain.animals.ports.HusbandryLogs` in ``husbandry_log``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: LogEntry) -> LogEntry:
        """Store an entry."""
        row = HusbandryLogRow(
            id=entry.id,
            organisation_id=entry.organisation_id,
            animal_id=entry.animal_id,
            kind=entry.kind,
            occurred_on=entry.occurred_on,
            details=msgspec.to_builtins(entry.details),
            notes=entry.notes,
        )
        self._session.add(row)
        await self._session.flush()
        return _entry(row)

    async def list(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID, kind: str | None
    ) -> list[LogEntry]:
        """An animal's entries, oldest first."""
        statement = select(HusbandryLogRow).where(
            HusbandryLogRow.organisation_id == organisation_id,
            HusbandryLogRow.animal_id == animal_id,
        )
        if kind:
            statement = statement.where(HusbandryLogRow.kind == kind)
        rows = await self._session.scalars(
            statement.order_by(HusbandryLogRow.occurred_on, HusbandryLogRow.created_at)
        )
        return [_entry(r) for r in rows]

    async def remove(self, organisation_id: uuid.UUID, entry_id: uuid.UUID) -> bool:
        """Delete an entry; whether it existed."""
        row = await self._session.get(HusbandryLogRow, entry_id)
        if row is None or row.organisation_id != organisation_id:
            return False
        await self._session.delete(row)
        await self._session.flush()
        return True
