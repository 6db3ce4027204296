""":class:`~reptidex.domain.animals.ports.SharedAnimals` on the animal table: keyset pages
by id of lineage-only and public animals (the filter is in the query as well as in the
row-level security policies, so SQLite lists the same)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.models import AnimalRow
from reptidex.domain.animals.model import Visibility
from reptidex.domain.animals.shared import SharedAnimal

_SHARED = (Visibility.LINEAGE_ONLY.value, Visibility.PUBLIC.value)


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
            a.visibility, a.sire_id, a.dam_id, a.updated_at,
        ).where(a.visibility.in_(_SHARED))  # fmt: skip
        if after is not None:
            statement = statement.where(a.id > after)
        if updated_since is not None:
            statement = statement.where(a.updated_at >= updated_since)
        if organisation_id is not None:
            statement = statement.where(a.organisation_id == organisation_id)
        rows = await self._session.execute(statement.order_by(a.id).limit(limit))
        return [SharedAnimal(*row) for row in rows]
