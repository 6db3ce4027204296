"""The collection in SQL: animals, id codes and the unit of work of one transaction.

The pedigree of an animal (ancestors and descendants to a depth) is read with ONE statement
of two recursive CTEs, which SQLite and PostgreSQL both run; nothing walks the tree one query
per ancestor.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any, TypeVar

import msgspec
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
    literal_column,
    or_,
    select,
    text,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.sql.animal.models import (
    AnimalRow,
    BreedingPairRow,
    ClutchRow,
    HusbandryLogRow,
    IdCodeRow,
    TransferRow,
)
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.animals.breeding_model import BreedingPair, Clutch, PairStatus
from reptidex.domain.animals.husbandry import LogDetails, LogEntry
from reptidex.domain.animals.lineage import LineageRecord
from reptidex.domain.animals.model import (
    Animal,
    AnimalSex,
    ExternalParent,
    GenotypeRecord,
    Origin,
    PossibleHetShare,
    Status,
    Visibility,
    blocks_from_data,
)
from reptidex.domain.animals.ports import AnimalQuery, BreedingReference
from reptidex.domain.animals.transfer import Transfer
from reptidex.domain.errors import Conflict


def bar_index(values: Sequence[str]) -> str:
    """``["Pastel", "Clown"]`` → ``"|pastel|clown|"`` (``"|"`` for none)."""
    return "|" + "".join(v.lower().replace("|", " ") + "|" for v in values)


def _external(parent: ExternalParent | None) -> dict[str, Any] | None:
    return None if parent is None else {"name": parent.name, "morph": parent.morph}


def _read_external(data: dict[str, Any] | None) -> ExternalParent | None:
    return None if data is None else ExternalParent(str(data["name"]), data.get("morph"))


def genotype_data(record: GenotypeRecord) -> dict[str, Any]:
    """The JSON stored in ``animal.genotype`` for a genotype record."""
    return {
        "blocks": record.to_data(),
        "traits": list(record.traits),
        "hets": list(record.hets),
        "possible_hets": [[h.gene, str(h.probability)] for h in record.possible_hets],
        "genes": list(record.genes),
        "certain": record.certain_phenotype,
    }


def _fill(row: AnimalRow, animal: Animal) -> None:
    row.organisation_id = animal.organisation_id
    row.code = animal.code
    row.name = animal.name
    row.species = animal.species
    row.sex = animal.sex.value
    row.hatch_date = animal.hatch_date
    row.origin = animal.origin.value
    row.morph = animal.genotype.morph
    row.phenotype = animal.genotype.phenotype
    row.genotype = genotype_data(animal.genotype)
    row.trait_index = bar_index(animal.genotype.traits)
    row.gene_index = bar_index(animal.genotype.genes)
    row.tag_index = bar_index(animal.tags)
    row.sire_id = animal.sire_id
    row.dam_id = animal.dam_id
    row.external_sire = _external(animal.external_sire)
    row.external_dam = _external(animal.external_dam)
    row.status = animal.status.value
    row.visibility = animal.visibility.value
    row.notes = animal.notes
    row.tags = list(animal.tags)
    row.photo_ids = [str(p) for p in animal.photo_ids]
    row.clutch_id = animal.clutch_id


def to_animal(row: Any) -> Animal:
    """The domain value of a row (an :class:`AnimalRow` or a Core row of its table)."""
    data = row.genotype
    return Animal(
        id=row.id,
        organisation_id=row.organisation_id,
        code=row.code,
        name=row.name,
        species=row.species,
        sex=AnimalSex(row.sex),
        genotype=GenotypeRecord(
            morph=row.morph,
            phenotype=row.phenotype,
            traits=tuple(data.get("traits", ())),
            hets=tuple(data.get("hets", ())),
            possible_hets=tuple(
                PossibleHetShare(g, Fraction(p)) for g, p in data.get("possible_hets", ())
            ),
            genes=tuple(data.get("genes", ())),
            blocks=blocks_from_data(data.get("blocks", ())),
            certain_phenotype=bool(data.get("certain", True)),
        ),
        hatch_date=row.hatch_date,
        origin=Origin(row.origin),
        sire_id=row.sire_id,
        dam_id=row.dam_id,
        external_sire=_read_external(row.external_sire),
        external_dam=_read_external(row.external_dam),
        status=Status(row.status),
        visibility=Visibility(row.visibility),
        notes=row.notes,
        tags=tuple(row.tags or ()),
        photo_ids=tuple(uuid.UUID(p) for p in row.photo_ids or ()),
        clutch_id=row.clutch_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class _GenotypeJson(msgspec.Struct):
    blocks: tuple[tuple[int, tuple[tuple[tuple[int, ...], tuple[int, ...], str], ...]], ...] = ()
    traits: tuple[str, ...] = ()
    hets: tuple[str, ...] = ()
    possible_hets: tuple[tuple[str, str], ...] = ()
    genes: tuple[str, ...] = ()
    certain: bool = True


class _ExternalJson(msgspec.Struct):
    name: str
    morph: str | None = None


_GENOTYPE = msgspec.json.Decoder(_GenotypeJson)
_EXTERNAL = msgspec.json.Decoder(_ExternalJson | None)
_STRINGS = msgspec.json.Decoder(tuple[str, ...] | None)
_UUIDS = msgspec.json.Decoder(tuple[uuid.UUID, ...] | None)


def _json_text(column: Any) -> Any:
    return cast(column, Text).label(column.name)


def to_animal_from_text(row: Any) -> Animal:
    """The domain value of a Core row whose JSON columns were read as text: msgspec decodes
    them straight into the tuples the domain keeps (several times faster than ``json`` and
    the ORM, which matters for pedigrees of hundreds of rows)."""
    data = _GENOTYPE.decode(row.genotype)
    sire = _EXTERNAL.decode(row.external_sire) if row.external_sire else None
    dam = _EXTERNAL.decode(row.external_dam) if row.external_dam else None
    return Animal(
        id=row.id,
        organisation_id=row.organisation_id,
        code=row.code,
        name=row.name,
        species=row.species,
        sex=AnimalSex(row.sex),
        genotype=GenotypeRecord(
            morph=row.morph,
            phenotype=row.phenotype,
            traits=data.traits,
            hets=data.hets,
            possible_hets=tuple(PossibleHetShare(g, Fraction(p)) for g, p in data.possible_hets),
            genes=data.genes,
            blocks=data.blocks,
            certain_phenotype=data.certain,
        ),
        hatch_date=row.hatch_date,
        origin=Origin(row.origin),
        sire_id=row.sire_id,
        dam_id=row.dam_id,
        external_sire=None if sire is None else ExternalParent(sire.name, sire.morph),
        external_dam=None if dam is None else ExternalParent(dam.name, dam.morph),
        status=Status(row.status),
        visibility=Visibility(row.visibility),
        notes=row.notes,
        tags=_STRINGS.decode(row.tags) or () if row.tags else (),
        photo_ids=_UUIDS.decode(row.photo_ids) or () if row.photo_ids else (),
        clutch_id=row.clutch_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


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
        _fill(row, animal)
        self._session.add(row)
        await self._flush(animal.code)
        return to_animal(row)

    async def update(self, animal: Animal) -> Animal:
        """Store a changed animal."""
        row = await self._row(animal.organisation_id, animal.id)
        if row is None:
            raise Conflict(f"The animal {animal.code} was removed meanwhile.")
        _fill(row, animal)
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
    columns = [_json_text(c) if c.name in json_columns else c for c in animal.columns]
    if postgres:
        ids = select(func.array_agg(wanted.c.id)).scalar_subquery()
        # the cast makes ANY take an array expression (with a bare subquery it would compare
        # each id to the whole array)
        return select(*columns).where(animal.c.id == any_(cast(ids, ARRAY(PG_UUID(as_uuid=True)))))
    return select(*columns).where(animal.c.id.in_(select(wanted.c.id)))


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
        _json_text(animal.c[name]) if name == "genotype" else animal.c[name]
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


class SqlIdCodes:
    """:class:`~reptidex.domain.animals.ports.IdCodes` in ``animal_id_code``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, organisation_id: uuid.UUID) -> IdCodeRow:
        statement = select(IdCodeRow).where(IdCodeRow.organisation_id == organisation_id)
        row = await self._session.scalar(statement.with_for_update())
        if row is not None:
            return row
        try:
            async with self._session.begin_nested():
                row = IdCodeRow(organisation_id=organisation_id, template=None, next_number=1)
                self._session.add(row)
        except IntegrityError:  # another request made it first
            row = await self._session.scalar(statement.with_for_update())
            assert row is not None
        return row

    async def template(self, organisation_id: uuid.UUID) -> str | None:
        """The organisation's template (``None``: the default)."""
        return await self._session.scalar(
            select(IdCodeRow.template).where(IdCodeRow.organisation_id == organisation_id)
        )

    async def set_template(self, organisation_id: uuid.UUID, template: str) -> None:
        """Change the template."""
        row = await self._row(organisation_id)
        row.template = template
        await self._session.flush()

    async def next_number(self, organisation_id: uuid.UUID) -> int:
        """Take the next running number."""
        row = await self._row(organisation_id)
        number = row.next_number
        row.next_number = number + 1
        await self._session.flush()
        return number


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
                    _fill(row, animal)
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
        return [
            Transfer(
                r.id,
                r.animal_id,
                r.from_organisation_id,
                r.to_organisation_id,
                r.transferred_at,
                r.snapshot,
            )
            for r in rows
        ]


class SqlAnimalUnitOfWork:
    """The animal use cases' unit of work on one session (its transaction is the request's)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.animals = SqlAnimalRepository(session)
        self.codes = SqlIdCodes(session)
        self.outbox = SqlOutbox(session, "animal")
        self.breeding = SqlBreeding(session)
        self.husbandry = SqlHusbandry(session)
        self.transfers = SqlTransfers(session)

    async def bind_organisation(self, organisation_id: uuid.UUID) -> None:
        """Scope this transaction to ``organisation_id`` for PostgreSQL's row-level security
        (a transaction-local setting, passed as a bound parameter); a no-op on SQLite."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT set_config('reptidex.organisation_id', :organisation, true)"),
                {"organisation": str(organisation_id)},
            )
