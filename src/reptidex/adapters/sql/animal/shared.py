""":class:`~reptidex.domain.animals.ports.SharedAnimals` on the animal table: keyset pages
by id of lineage-only and public animals (the filter is in the query as well as in the
row-level security policies, so SQLite lists the same); what a public animal carries is read
from its genotype, never a lineage-only one's."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.models import AnimalRow
from reptidex.domain.animals.model import PossibleHetShare, Visibility
from reptidex.domain.animals.shared import SharedAnimal

_SHARED = (Visibility.LINEAGE_ONLY.value, Visibility.PUBLIC.value)


def _shared(row: Any) -> SharedAnimal:
    *summary, data = row  # the genotype comes last
    animal = SharedAnimal(*summary)
    if row.visibility != Visibility.PUBLIC.value:
        return animal
    return replace(
        animal,
        hets=tuple(data.get("hets", ())),
        possible_hets=tuple(
            PossibleHetShare(g, Fraction(p)) for g, p in data.get("possible_hets", ())
        ),
    )


class SqlSharedAnimals:
    """The listing on a session (bound to no organisation)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def shared_page(
        self,
        *,
        after: uuid.UUID | None,
        limit: int,
        updated_since: dt.datetime | None,
        organisation_id: uuid.UUID | None,
    ) -> list[SharedAnimal]:
        """Lineage-only and public animals with an id above ``after``, by id."""
        a = AnimalRow
        statement = select(
            a.id, a.organisation_id, a.code, a.name, a.species, a.sex, a.phenotype, a.status,
            a.visibility, a.sire_id, a.dam_id, a.updated_at, a.genotype,
        ).where(a.visibility.in_(_SHARED))  # fmt: skip
        if after is not None:
            statement = statement.where(a.id > after)
        if updated_since is not None:
            statement = statement.where(a.updated_at >= updated_since)
        if organisation_id is not None:
            statement = statement.where(a.organisation_id == organisation_id)
        rows = await self._session.execute(statement.order_by(a.id).limit(limit))
        return [_shared(row) for row in rows]
