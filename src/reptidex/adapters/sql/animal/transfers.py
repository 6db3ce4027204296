""":class:`~reptidex.domain.animals.ports.Transfers` in SQL: an animal and its logs moved to
another organisation, and the transfer records."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.het_odds_store import SqlHetOddsStore
from reptidex.adapters.sql.animal.mapping import fill_row, to_animal
from reptidex.adapters.sql.animal.models import AnimalRow, HusbandryLogRow, TransferRow
from reptidex.domain.animals.model import Animal
from reptidex.domain.animals.transfer import Transfer
from reptidex.domain.errors import Conflict


class SqlTransfers:
    """:class:`~reptidex.domain.animals.ports.Transfers` in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def move(self, animal: Animal, to_organisation_id: uuid.UUID, code: str) -> Animal:
        """Give the animal and its logs to another organisation, under ``code`` or, when the
        buyer already uses it (which row-level security may hide), ``code-T2``, ``code-T3`` …"""
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(
                text("SELECT set_config('reptidex.transfer_to', :organisation, true)"),
                {"organisation": str(to_organisation_id)},
            )
        row = await self._session.get(AnimalRow, animal.id)
        assert row is not None
        for attempt in range(1, 50):
            candidate = code if attempt == 1 else f"{code}-T{attempt}"
            try:
                async with self._session.begin_nested():
                    fill_row(row, animal)
                    row.organisation_id = to_organisation_id
                    row.code = candidate
                    row.updated_at = dt.datetime.now(dt.UTC)
                    await self._session.flush()
                break
            except IntegrityError:
                row = await self._session.get(AnimalRow, animal.id, populate_existing=True)
                assert row is not None
        else:
            raise Conflict(f"The buyer already uses the code {code} and its variants.")
        await self._session.execute(
            update(HusbandryLogRow)
            .where(HusbandryLogRow.animal_id == animal.id)
            .values(organisation_id=to_organisation_id)
        )
        # its het odds were the seller's view of its family: the buyer's are computed anew
        await SqlHetOddsStore(self._session).forget(animal.organisation_id, [animal.id])
        return to_animal(row)

    async def record(self, transfer: Transfer) -> None:
        """Keep a transfer record."""
        self._session.add(
            TransferRow(
                id=transfer.id,
                animal_id=transfer.animal_id,
                from_organisation_id=transfer.from_organisation_id,
                to_organisation_id=transfer.to_organisation_id,
                transferred_at=transfer.transferred_at,
                snapshot=transfer.snapshot,
                reference=transfer.reference,
            )
        )
        await self._session.flush()

    async def involving(self, organisation_id: uuid.UUID) -> list[Transfer]:
        """Transfers from or to the organisation, newest first."""
        rows = await self._session.scalars(
            select(TransferRow)
            .where(
                or_(
                    TransferRow.from_organisation_id == organisation_id,
                    TransferRow.to_organisation_id == organisation_id,
                )
            )
            .order_by(TransferRow.transferred_at.desc(), TransferRow.id)
        )
        return [_transfer(r) for r in rows]

    async def by_reference(self, reference: str) -> Transfer | None:
        """The transfer made under ``reference``, if row-level security lets it be seen."""
        row = await self._session.scalar(
            select(TransferRow).where(TransferRow.reference == reference)
        )
        return None if row is None else _transfer(row)


def _transfer(row: TransferRow) -> Transfer:
    return Transfer(
        row.id,
        row.animal_id,
        row.from_organisation_id,
        row.to_organisation_id,
        row.transferred_at,
        row.snapshot,
        row.reference,
    )
