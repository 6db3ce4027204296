""":class:`~reptidex.domain.animals.ports.AnimalRepository` in SQL.

The pedigree of animals (ancestors and descendants to a depth) is read with ONE statement
of two recursive CTEs, which SQLite and PostgreSQL both run; nothing walks the tree one query
per ancestor.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.mapping import (
    bar_index,
    fill_row,
    json_as_text,
    to_animal,
    to_animal_from_text,
)
from reptidex.adapters.sql.animal.models import (
    AnimalRow,
    BreedingPairRow,
    ClutchRow,
    TransferOfferRow,
)
from reptidex.domain.animals.model import Animal
from reptidex.domain.animals.ports import AnimalQuery, BreedingReference
from reptidex.domain.errors import Conflict


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column).like(f"%{_like_escape(text.lower())}%", escape="\\")


_SORT_COLUMNS = {
    "code": AnimalRow.code,
    "name": AnimalRow.name,
    "species": AnimalRow.species,
    "phenotype": AnimalRow.phenotype,
    "hatch_date": AnimalRow.hatch_date,
    "created_at": AnimalRow.created_at,
    "updated_at": AnimalRow.updated_at,
}


class SqlAnimalRepository:
    """:class:`~reptidex.domain.animals.ports.AnimalRepository` on a SQLAlchemy session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, organisation_id: uuid.UUID, animal_id: uuid.UUID) -> AnimalRow | None:
        row = await self._session.get(AnimalRow, animal_id)
        if row is None or row.organisation_id != organisation_id:
            return None
        return row

    async def get(self, organisation_id: uuid.UUID, animal_id: uuid.UUID) -> Animal | None:
        """The organisation's animal with this id, if any."""
        row = await self._row(organisation_id, animal_id)
        return None if row is None else to_animal(row)

    async def get_public(self, animal_id: uuid.UUID) -> Animal | None:
        """The animal with this id if its visibility is public, of any organisation."""
        row = await self._session.scalar(
            select(AnimalRow).where(AnimalRow.id == animal_id, AnimalRow.visibility == "public")
        )
        return None if row is None else to_animal(row)

    async def breeding_references(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID
    ) -> list[BreedingReference]:
        """The organisation's pairs and clutches with this animal as sire or dam."""
        pairs = await self._session.execute(
            select(BreedingPairRow.id, BreedingPairRow.season)
            .where(
                BreedingPairRow.organisation_id == organisation_id,
                or_(BreedingPairRow.sire_id == animal_id, BreedingPairRow.dam_id == animal_id),
            )
            .order_by(BreedingPairRow.season, BreedingPairRow.id)
        )
        clutches = await self._session.execute(
            select(ClutchRow.id, ClutchRow.season)
            .where(
                ClutchRow.organisation_id == organisation_id,
                or_(
                    ClutchRow.dam_id == animal_id,
                    # the possible sires are a JSON list of id strings
                    cast(ClutchRow.sire_ids, Text).contains(str(animal_id)),
                ),
            )
            .order_by(ClutchRow.season, ClutchRow.id)
        )
        return [BreedingReference("pair", i, season) for i, season in pairs] + [
            BreedingReference("clutch", i, season) for i, season in clutches
        ]

    async def _flush(self, code: str) -> None:
        try:
            await self._session.flush()
        except IntegrityError as error:
            raise Conflict(
                f"The id code {code} is taken.", field_errors={"code": "already used"}
            ) from error

    async def add(self, animal: Animal) -> Animal:
        """Store a new animal."""
        row = AnimalRow(id=animal.id)
        fill_row(row, animal)
        self._session.add(row)
        await self._flush(animal.code)
        return to_animal(row)

    async def update(self, animal: Animal) -> Animal:
        """Store a changed animal."""
        row = await self._row(animal.organisation_id, animal.id)
        if row is None:
            raise Conflict(f"The animal {animal.code} was removed meanwhile.")
        fill_row(row, animal)
        row.updated_at = dt.datetime.now(dt.UTC)
        await self._flush(animal.code)
        return to_animal(row)

    async def remove(self, animal: Animal) -> None:
        """Delete an animal."""
        row = await self._row(animal.organisation_id, animal.id)
        if row is not None:
            await self._session.delete(row)
            await self._session.flush()

    async def search(
        self, organisation_id: uuid.UUID, query: AnimalQuery
    ) -> tuple[list[Animal], int]:
        """A page of the organisation's animals matching ``query`` and the total count."""
        where: list[ColumnElement[bool]] = [AnimalRow.organisation_id == organisation_id]
        if query.species:
            where.append(AnimalRow.species == query.species)
        if query.sex:
            where.append(AnimalRow.sex == query.sex.value)
        if query.status:
            where.append(AnimalRow.status == query.status.value)
        for alternatives in query.genes:
            where.append(
                or_(*(_contains(AnimalRow.gene_index, bar_index([g])) for g in alternatives))
            )
        where.extend(_contains(AnimalRow.trait_index, bar_index([t])) for t in query.traits)
        if query.tag:
            where.append(_contains(AnimalRow.tag_index, bar_index([query.tag])))
        if query.clutch_id:
            where.append(AnimalRow.clutch_id == query.clutch_id)
        if query.text:
            where.append(
                or_(
                    *(
                        _contains(column, query.text)
                        for column in (
                            AnimalRow.code,
                            AnimalRow.name,
                            AnimalRow.morph,
                            AnimalRow.phenotype,
                            AnimalRow.notes,
                        )
                    )
                )
            )
        condition = and_(*where)
        total = await self._session.scalar(
            select(func.count()).select_from(AnimalRow).where(condition)
        )
        column = _SORT_COLUMNS[query.sort]
        order = column.desc() if query.descending else column.asc()
        rows = await self._session.scalars(
            select(AnimalRow)
            .where(condition)
            .order_by(order, AnimalRow.id)
            .limit(query.limit)
            .offset(query.offset)
        )
        return [to_animal(r) for r in rows], int(total or 0)

    async def get_by_codes(
        self, organisation_id: uuid.UUID, codes: Sequence[str]
    ) -> dict[str, Animal]:
        """The organisation's animals with these codes, by code."""
        found: dict[str, Animal] = {}
        wanted = sorted(set(codes))
        for start in range(0, len(wanted), 500):
            rows = await self._session.scalars(
                select(AnimalRow).where(
                    AnimalRow.organisation_id == organisation_id,
                    AnimalRow.code.in_(wanted[start : start + 500]),
                )
            )
            found.update({r.code: to_animal(r) for r in rows})
        return found

    async def in_clutches(
        self, organisation_id: uuid.UUID, clutch_ids: Sequence[uuid.UUID]
    ) -> list[Animal]:
        """The organisation's animals hatched from these clutches."""
        if not clutch_ids:
            return []
        rows = await self._session.scalars(
            select(AnimalRow).where(
                AnimalRow.organisation_id == organisation_id,
                AnimalRow.clutch_id.in_(list(clutch_ids)),
            )
        )
        return [to_animal(r) for r in rows]

    async def code_taken(
        self, organisation_id: uuid.UUID, code: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        """Whether another animal of the organisation has ``code``."""
        statement = select(AnimalRow.id).where(
            AnimalRow.organisation_id == organisation_id, AnimalRow.code == code
        )
        if other_than is not None:
            statement = statement.where(AnimalRow.id != other_than)
        return (await self._session.scalar(statement.limit(1))) is not None

    async def has_offspring(self, animal_id: uuid.UUID) -> bool:
        """Whether any animal has this one as a parent."""
        statement = (
            select(AnimalRow.id)
            .where(or_(AnimalRow.sire_id == animal_id, AnimalRow.dam_id == animal_id))
            .limit(1)
        )
        return (await self._session.scalar(statement)) is not None

    async def offered_to(self, animal_id: uuid.UUID) -> uuid.UUID | None:
        """The organisation the animal's pending transfer offer is made to, if any."""
        statement = select(TransferOfferRow.to_organisation_id).where(
            TransferOfferRow.animal_id == animal_id, TransferOfferRow.status == "pending"
        )
        found: uuid.UUID | None = await self._session.scalar(statement)
        return found

    async def pedigree(
        self, roots: Sequence[uuid.UUID], *, ancestors: int, descendants: int
    ) -> list[Animal]:
        """The roots with their ancestors and descendants to the given depths, in one query."""
        if not roots:
            return []
        statement = pedigree_statement(self._session.bind.dialect.name == "postgresql")
        result = await self._session.execute(
            statement,
            {"roots": list(roots), "ancestors": ancestors, "descendants": descendants},
        )
        return [to_animal_from_text(r) for r in result]


@functools.cache
def pedigree_statement(postgres: bool) -> Select[Any]:
    """The one statement that reads a pedigree: two recursive CTEs (ancestors through the
    parent links, descendants through the indexed ``sire_id``/``dam_id``), then the rows.

    Built once (bound parameters ``roots``, ``ancestors``, ``descendants``) so that SQLAlchemy
    compiles it once. On PostgreSQL the rows are fetched by ``id = ANY(CAST((SELECT array_agg …)))``,
    an index scan whatever the planner guesses the CTEs' sizes to be; elsewhere by ``IN``.
    """
    animal = AnimalRow.__table__
    child = animal.alias("child")
    parent = animal.alias("parent")
    kid = animal.alias("kid")
    roots: BindParameter[uuid.UUID] = bindparam("roots", expanding=True)
    up = (
        select(animal.c.id.label("id"), literal(0).label("depth"))
        .where(animal.c.id.in_(roots))
        .cte("ancestry", recursive=True)
    )
    up = up.union(
        select(parent.c.id, up.c.depth + 1)
        .select_from(
            up.join(child, child.c.id == up.c.id).join(
                parent, or_(parent.c.id == child.c.sire_id, parent.c.id == child.c.dam_id)
            )
        )
        .where(up.c.depth < bindparam("ancestors"))
    )
    down = (
        select(animal.c.id.label("id"), literal(0).label("depth"))
        .where(animal.c.id.in_(roots))
        .cte("progeny", recursive=True)
    )
    down = down.union(
        select(kid.c.id, down.c.depth + 1)
        .select_from(down.join(kid, or_(kid.c.sire_id == down.c.id, kid.c.dam_id == down.c.id)))
        .where(down.c.depth < bindparam("descendants"))
    )
    wanted = select(up.c.id).union(select(down.c.id)).subquery("wanted")
    json_columns = {"genotype", "external_sire", "external_dam", "tags", "photo_ids"}
    columns = [json_as_text(c) if c.name in json_columns else c for c in animal.columns]
    if postgres:
        ids = select(func.array_agg(wanted.c.id)).scalar_subquery()
        # the cast makes ANY take an array expression (with a bare subquery it would compare
        # each id to the whole array)
        return select(*columns).where(animal.c.id == any_(cast(ids, ARRAY(PG_UUID(as_uuid=True)))))
    return select(*columns).where(animal.c.id.in_(select(wanted.c.id)))
