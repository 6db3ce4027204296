""":class:`~reptidex.domain.animals.ports.BreedingRepository` in SQL: breeding pairs and
clutches."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.models import BreedingPairRow, ClutchRow
from reptidex.domain.animals.breeding_model import BreedingPair, Clutch, PairStatus
from reptidex.domain.errors import Conflict


def _pair(row: BreedingPairRow) -> BreedingPair:
    return BreedingPair(
        id=row.id,
        organisation_id=row.organisation_id,
        sire_id=row.sire_id,
        dam_id=row.dam_id,
        season=row.season,
        status=PairStatus(row.status),
        prospective_coi=row.prospective_coi,
        notes=row.notes,
        created_at=row.created_at,
    )


def _clutch(row: ClutchRow) -> Clutch:
    return Clutch(
        id=row.id,
        organisation_id=row.organisation_id,
        dam_id=row.dam_id,
        sire_ids=tuple(uuid.UUID(s) for s in row.sire_ids),
        pair_id=row.pair_id,
        laid_on=row.laid_on,
        eggs=row.eggs,
        fertile=row.fertile,
        slugs=row.slugs,
        incubation_temperature=row.incubation_temperature,
        expected_hatch=row.expected_hatch,
        hatched_on=row.hatched_on,
        hatched=row.hatched,
        notes=row.notes,
        season=row.season,
    )


def _fill_clutch(row: ClutchRow, clutch: Clutch) -> None:
    row.organisation_id = clutch.organisation_id
    row.pair_id = clutch.pair_id
    row.dam_id = clutch.dam_id
    row.sire_ids = [str(s) for s in clutch.sire_ids]
    row.season = clutch.season
    row.laid_on = clutch.laid_on
    row.eggs = clutch.eggs
    row.fertile = clutch.fertile
    row.slugs = clutch.slugs
    row.incubation_temperature = clutch.incubation_temperature
    row.expected_hatch = clutch.expected_hatch
    row.hatched_on = clutch.hatched_on
    row.hatched = clutch.hatched
    row.notes = clutch.notes


_OwnedRow = TypeVar("_OwnedRow", BreedingPairRow, ClutchRow)


class SqlBreeding:
    """:class:`~reptidex.domain.animals.ports.BreedingRepository` on a session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_pair(self, pair: BreedingPair) -> BreedingPair:
        """Store a new pair."""
        row = BreedingPairRow(
            id=pair.id,
            organisation_id=pair.organisation_id,
            sire_id=pair.sire_id,
            dam_id=pair.dam_id,
            season=pair.season,
            status=pair.status.value,
            prospective_coi=pair.prospective_coi,
            notes=pair.notes,
        )
        self._session.add(row)
        try:
            await self._session.flush()
        except IntegrityError as error:
            raise Conflict("These animals are already paired in this season.") from error
        return _pair(row)

    async def _owned(
        self, model: type[_OwnedRow], organisation_id: uuid.UUID, ident: uuid.UUID
    ) -> _OwnedRow | None:
        """The organisation's row of ``model`` with this id (another's is as none)."""
        row = await self._session.get(model, ident)
        return row if row is not None and row.organisation_id == organisation_id else None

    async def get_pair(self, organisation_id: uuid.UUID, pair_id: uuid.UUID) -> BreedingPair | None:
        """The organisation's pair, if any."""
        row = await self._owned(BreedingPairRow, organisation_id, pair_id)
        return None if row is None else _pair(row)

    async def update_pair(self, pair: BreedingPair) -> BreedingPair:
        """Store a changed pair (status and notes)."""
        row = await self._owned(BreedingPairRow, pair.organisation_id, pair.id)
        assert row is not None
        row.status = pair.status.value
        row.notes = pair.notes
        row.updated_at = dt.datetime.now(dt.UTC)
        await self._session.flush()
        return _pair(row)

    async def find_pair(
        self, organisation_id: uuid.UUID, sire_id: uuid.UUID, dam_id: uuid.UUID, season: str
    ) -> BreedingPair | None:
        """The pair of these animals in this season, if any."""
        row = await self._session.scalar(
            select(BreedingPairRow).where(
                BreedingPairRow.organisation_id == organisation_id,
                BreedingPairRow.sire_id == sire_id,
                BreedingPairRow.dam_id == dam_id,
                BreedingPairRow.season == season,
            )
        )
        return None if row is None else _pair(row)

    async def list_pairs(
        self, organisation_id: uuid.UUID, *, season: str | None, status: PairStatus | None
    ) -> list[BreedingPair]:
        """The organisation's pairs, newest first."""
        statement = select(BreedingPairRow).where(
            BreedingPairRow.organisation_id == organisation_id
        )
        if season:
            statement = statement.where(BreedingPairRow.season == season)
        if status:
            statement = statement.where(BreedingPairRow.status == status.value)
        rows = await self._session.scalars(
            statement.order_by(BreedingPairRow.created_at.desc(), BreedingPairRow.id)
        )
        return [_pair(r) for r in rows]

    async def add_clutch(self, clutch: Clutch) -> Clutch:
        """Store a new clutch."""
        row = ClutchRow(id=clutch.id)
        _fill_clutch(row, clutch)
        self._session.add(row)
        await self._session.flush()
        return _clutch(row)

    async def get_clutch(self, organisation_id: uuid.UUID, clutch_id: uuid.UUID) -> Clutch | None:
        """The organisation's clutch, if any."""
        row = await self._owned(ClutchRow, organisation_id, clutch_id)
        return None if row is None else _clutch(row)

    async def update_clutch(self, clutch: Clutch) -> Clutch:
        """Store a changed clutch."""
        row = await self._owned(ClutchRow, clutch.organisation_id, clutch.id)
        assert row is not None
        _fill_clutch(row, clutch)
        row.updated_at = dt.datetime.now(dt.UTC)
        await self._session.flush()
        return _clutch(row)

    async def list_clutches(
        self, organisation_id: uuid.UUID, *, pair_id: uuid.UUID | None = None
    ) -> list[Clutch]:
        """The organisation's clutches (of one pair), newest first."""
        statement = select(ClutchRow).where(ClutchRow.organisation_id == organisation_id)
        if pair_id is not None:
            statement = statement.where(ClutchRow.pair_id == pair_id)
        rows = await self._session.scalars(
            statement.order_by(ClutchRow.laid_on.desc(), ClutchRow.id)
        )
        return [_clutch(r) for r in rows]
