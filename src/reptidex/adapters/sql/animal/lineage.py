"""The lineage in SQL: the one statement behind ``/lineage`` (two recursive CTEs, only the
columns a lineage shows) and :class:`SqlLineageRecords`, which runs it on the engine.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from sqlalchemy import (
    Select,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from reptidex.adapters.sql.animal.mapping import json_as_text
from reptidex.adapters.sql.animal.models import AnimalRow, ClutchRow
from reptidex.domain.animals.lineage import LineageRecord

_LINEAGE_COLUMNS = (
    "id",
    "organisation_id",
    "code",
    "name",
    "species",
    "sex",
    "phenotype",
    "hatch_date",
    "genotype",
    "status",
    "visibility",
    "sire_id",
    "dam_id",
    "origin",
    "clutch_id",
)


_UUID_COLUMNS = frozenset(
    {"id", "organisation_id", "sire_id", "dam_id", "clutch_id", "clutch_organisation_id"}
)


class _LineageGenotype(msgspec.Struct):
    hets: tuple[str, ...] = ()
    possible_hets: tuple[tuple[str, str], ...] = ()


_LINEAGE_GENOTYPE = msgspec.json.Decoder(_LineageGenotype)


def _is_a_parent(ident: Any, sire: Any, dam: Any, postgres: bool) -> Any:
    """``ident`` is the sire or the dam: on PostgreSQL one index scan for both
    (``= ANY(ARRAY[sire, dam])``, a tenth less work per lineage than an ``OR`` of two)."""
    if postgres:
        return ident == any_(array([sire, dam]))
    return or_(ident == sire, ident == dam)


@functools.cache
def lineage_statement(postgres: bool) -> Select[Any]:
    """The one statement behind ``/lineage``: the ancestors (carrying their parent links, so
    that each level is one join) and the descendants of ``:root`` to ``:ancestors`` and
    ``:descendants`` generations, then only the columns a lineage shows.

    On PostgreSQL the statement also sets the caller's organisation for row-level security
    (``set_config(..., true)`` with the bound ``:organisation``), so that a lineage is ONE
    round trip on a connection in autocommit mode, its own transaction: the setting is made
    in a one-row subquery ``cfg`` and the pedigree read in a ``LATERAL`` subquery that depends
    on it (fenced by ``OFFSET 0`` so the planner cannot flatten it), so the setting is in
    place before any row of ``animal`` is read. Were it not, the policies would show fewer
    rows, never more (an unset organisation sees only lineage-only and public animals).
    """
    animal = AnimalRow.__table__
    parent = animal.alias("parent")
    kid = animal.alias("kid")
    up = (
        select(
            animal.c.id.label("id"),
            animal.c.sire_id.label("sire_id"),
            animal.c.dam_id.label("dam_id"),
            literal(0).label("depth"),
        )
        .where(animal.c.id == bindparam("root"))
        .cte("ancestry", recursive=True)
    )
    up = up.union(
        select(parent.c.id, parent.c.sire_id, parent.c.dam_id, up.c.depth + 1)
        .select_from(
            up.join(parent, _is_a_parent(parent.c.id, up.c.sire_id, up.c.dam_id, postgres))
        )
        .where(up.c.depth < bindparam("ancestors"))
    )
    down = (
        select(animal.c.id.label("id"), literal(0).label("depth"))
        .where(animal.c.id == bindparam("root"))
        .cte("progeny", recursive=True)
    )
    down = down.union(
        select(kid.c.id, down.c.depth + 1)
        .select_from(down.join(kid, or_(kid.c.sire_id == down.c.id, kid.c.dam_id == down.c.id)))
        .where(down.c.depth < bindparam("descendants"))
    )
    wanted = select(up.c.id).union(select(down.c.id)).subquery("wanted")
    columns = lineage_columns(postgres)
    # the root's clutch of origin (laid date, breeder), where the caller may see the clutch
    clutch = ClutchRow.__table__
    with_clutch = animal.outerjoin(
        clutch, and_(clutch.c.id == animal.c.clutch_id, animal.c.id == bindparam("root"))
    )
    if not postgres:
        return select(*columns).select_from(with_clutch).where(animal.c.id.in_(select(wanted.c.id)))
    ids = select(func.array_agg(wanted.c.id)).scalar_subquery()
    cfg = select(
        func.set_config(
            "reptidex.organisation_id", bindparam("organisation", type_=Text), True
        ).label("organisation")
    ).subquery("cfg")
    rows = (
        select(*columns)
        .select_from(with_clutch)
        .where(
            animal.c.id == any_(cast(ids, ARRAY(PG_UUID(as_uuid=True)))),
            cfg.c.organisation.is_not(None),
        )
        .offset(literal_column("0"))
        .lateral("lineage")
    )
    return select(*rows.c).select_from(cfg.join(rows, true()))


def lineage_records_of(rows: Iterable[Sequence[Any]]) -> list[LineageRecord]:
    """Rows of the lineage columns (and the clutch's laid date and organisation) as records:
    the genotype column (the 9th) becomes the hets and the possible hets as breeders write
    them; every other column is a field as it is."""
    decode = _LINEAGE_GENOTYPE.decode
    out: list[LineageRecord] = []
    for row in rows:
        data = decode(row[8])
        possible = tuple(f"{p} {g}" for g, p in data.possible_hets)
        out.append(LineageRecord._make((*row[:8], data.hets, possible, *row[9:])))
    return out


def lineage_columns(postgres: bool) -> list[Any]:
    """The columns a lineage record is read from, the clutch of origin's last (the statement
    joins ``clutch``); on PostgreSQL ids come out as asyncpg's own UUIDs."""
    animal = AnimalRow.__table__
    clutch = ClutchRow.__table__
    columns: list[Any] = [
        json_as_text(animal.c[name]) if name == "genotype" else animal.c[name]
        for name in _LINEAGE_COLUMNS
    ]
    columns += [
        clutch.c.laid_on.label("clutch_laid_on"),
        clutch.c.organisation_id.label("clutch_organisation_id"),
    ]
    if not postgres:
        return columns
    # asyncpg already returns UUIDs (with a hash in C): no per-value conversion by the column
    # type on the way out
    return [
        type_coerce(c, PG_UUID(as_uuid=True)).label(c.name) if c.name in _UUID_COLUMNS else c
        for c in columns
    ]


class SqlLineageRecords:
    """:class:`~reptidex.domain.animals.ports.LineageRecords` on the engine: one statement on
    a pooled connection in autocommit mode (no BEGIN/COMMIT round trips; on PostgreSQL the
    statement sets the organisation itself), rows as plain tuples."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    async def lineage_records(
        self,
        organisation_id: uuid.UUID | None,
        animal_id: uuid.UUID,
        *,
        ancestors: int,
        descendants: int,
    ) -> list[LineageRecord]:
        """The animal with its ancestors and descendants, as the organisation may see them
        (``None``: no organisation, as row-level security reads an unset one)."""
        parameters: dict[str, Any] = {
            "root": animal_id,
            "ancestors": ancestors,
            "descendants": descendants,
        }
        rows: Sequence[Any]
        if self._postgres:
            parameters["organisation"] = "" if organisation_id is None else str(organisation_id)
            rows = await self._postgres_rows(parameters)
        else:
            async with self._engine.connect() as connection:
                result = await connection.execute(lineage_statement(False), parameters)
                rows = result.all()
        return lineage_records_of(rows)

    async def _postgres_rows(self, parameters: dict[str, Any]) -> Sequence[Any]:
        """The statement's rows on PostgreSQL, run by asyncpg itself on a pooled connection.

        A lineage is the hottest read of the service and this one statement needs none of
        SQLAlchemy's result machinery (which costs more CPU than the query): asyncpg prepares
        it once per connection (its statement cache) and runs it outside a transaction block,
        so that it is its own transaction, which the statement's ``set_config(..., true)``
        relies on. The pool still lends and takes back the connection."""
        sql, names, fixed = _postgres_lineage_sql(self._engine.dialect)
        arguments = [parameters[name] if name in parameters else fixed[name] for name in names]
        async with self._engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            rows: Sequence[Any] = await driver.fetch(sql, *arguments)
        return rows


@functools.cache
def _postgres_lineage_sql(dialect: Dialect) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The lineage statement compiled for asyncpg: its SQL, the names of its positional
    parameters in order, and the values the statement fixes itself."""
    compiled = lineage_statement(True).compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params)
