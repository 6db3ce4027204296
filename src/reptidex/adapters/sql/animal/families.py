"""Whole recorded families (the read behind het odds) in SQL: one recursive statement."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.mapping import json_as_text, to_animal_from_text
from reptidex.adapters.sql.animal.models import AnimalRow
from reptidex.domain.animals.model import Animal


class SqlFamilies:
    """:class:`~reptidex.domain.animals.ports.Families` on a SQLAlchemy session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def family(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID, *, limit: int
    ) -> list[Animal]:
        """The animal and its connected relatives the organisation may see, at most
        ``limit``; one statement."""
        result = await self._session.execute(
            family_statement(),
            {"root": animal_id, "organisation": organisation_id, "limit": limit},
        )
        return [to_animal_from_text(row) for row in result]


@functools.cache
def family_statement() -> Select[Any]:
    """The family as one recursive CTE over the parent links, walked both ways (each step
    adds the parents and the offspring of the animals reached; ``UNION`` drops the animals
    already reached, so the walk ends). Only animals the organisation may see are walked
    through: its own, and other organisations' lineage-only and public ones (row-level
    security says the same on PostgreSQL; the condition makes SQLite agree). The ids are
    limited before the rows are read, so a family beyond the limit is not read whole."""
    animal = AnimalRow.__table__
    reached = animal.alias("reached")
    relative = animal.alias("relative")
    organisation = bindparam("organisation", type_=animal.c.organisation_id.type)
    family = (
        select(animal.c.id.label("id"))
        .where(animal.c.id == bindparam("root", type_=animal.c.id.type))
        .cte("family", recursive=True)
    )
    family = family.union(
        select(relative.c.id)
        .select_from(
            family.join(reached, reached.c.id == family.c.id).join(
                relative,
                or_(
                    relative.c.sire_id == family.c.id,
                    relative.c.dam_id == family.c.id,
                    relative.c.id == reached.c.sire_id,
                    relative.c.id == reached.c.dam_id,
                ),
            )
        )
        .where(or_(relative.c.organisation_id == organisation, relative.c.visibility != "private"))
    )
    wanted = select(family.c.id).limit(bindparam("limit"))
    json_columns = {"genotype", "external_sire", "external_dam", "tags", "photo_ids"}
    columns = [json_as_text(c) if c.name in json_columns else c for c in animal.columns]
    return select(*columns).where(animal.c.id.in_(wanted))
