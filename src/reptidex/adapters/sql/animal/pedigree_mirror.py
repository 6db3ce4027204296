"""The pedigree mirror on PostgreSQL: layers loaded under row-level security, kept exact by the
change notices, and lineages read from it when it may answer.

:class:`MirroredLineageRecords` is the :class:`~reptidex.domain.animals.ports.LineageRecords`
of repti-animal on PostgreSQL. It answers from the
:class:`~reptidex.domain.animals.pedigree_mirror.PedigreeMirror` when the mirror is *settled*
(the change listener connected, no change heard but not yet applied, the layers the caller
needs held) and otherwise from the one recursive statement, which stays the reference.

One background task does all the reading, one step at a time:

* **Loading a layer** the first time a caller needs it: the shared one (every lineage-only
  and public animal, read with no organisation set, as a service token reads) and the
  caller's organisation's (read with that organisation set). Both are read as the service's
  role, so row-level security decides what goes in, as it decides what a lineage query sees.
  A layer that would take the mirror past ``max_animals`` makes room by dropping the least
  recently used organisations' layers; one that cannot fit is not loaded (its callers are
  served by the statement), nor is any layer when the shared one cannot fit.
* **Applying changes.** Every change notice (and this process's own commits, at once) marks
  its ids *unsettled*: until they are read again, under the shared layer's and the named
  organisations' settings, no lineage is answered from memory. A change heard while one is
  being read is read again afterwards; a read that fails drops everything.

Losing the listener, or a table emptied, drops every layer: notices may have been missed.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
import structlog
from sqlalchemy import any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from reptidex.adapters.sql.animal.animal_changes import AnimalChange
from reptidex.adapters.sql.animal.lineage import lineage_columns, lineage_records_of
from reptidex.adapters.sql.animal.models import AnimalRow, ClutchRow
from reptidex.domain.animals.lineage import LineageRecord
from reptidex.domain.animals.pedigree_mirror import ClutchFacts, Layer, PedigreeMirror
from reptidex.domain.animals.ports import LineageRecords

DEFAULT_MAX_ANIMALS = 250_000
"""Animals held per process by default (about 1.7 KiB each: 100,000 take 170 MB)."""

_log = structlog.get_logger("reptidex.animal.mirror")
_ANIMAL = AnimalRow.__table__
_CLUTCH = ClutchRow.__table__
_IDS = ARRAY(PG_UUID(as_uuid=True))


@functools.cache
def _statements(dialect: Dialect) -> dict[str, str]:
    """The mirror's statements, compiled once for asyncpg (``$n`` parameters)."""
    rows = select(*lineage_columns(True)).select_from(
        _ANIMAL.outerjoin(_CLUTCH, _CLUTCH.c.id == _ANIMAL.c.clutch_id)
    )
    statements = {
        "count_own": select(func.count())
        .select_from(_ANIMAL)
        .where(_ANIMAL.c.organisation_id == bindparam("organisation", type_=PG_UUID)),
        "count_shared": select(func.count()).select_from(_ANIMAL),
        "own": rows.where(_ANIMAL.c.organisation_id == bindparam("organisation", type_=PG_UUID)),
        "shared": rows,
        "animals": rows.where(_ANIMAL.c.id == any_(bindparam("ids", type_=_IDS))),
        "clutches": select(_CLUTCH.c.id, _CLUTCH.c.laid_on, _CLUTCH.c.organisation_id).where(
            _CLUTCH.c.id == any_(bindparam("ids", type_=_IDS))
        ),
    }
    return {name: str(statement.compile(dialect=dialect)) for name, statement in statements.items()}


def _split(rows: Sequence[Any]) -> tuple[list[LineageRecord], dict[uuid.UUID, ClutchFacts]]:
    """Records and the clutches of origin they name (those the reader could see)."""
    records = lineage_records_of(rows)
    clutches = {
        r.clutch_id: (r.clutch_laid_on, r.clutch_organisation_id)
        for r in records
        if r.clutch_id is not None and r.clutch_organisation_id is not None
    }
    return records, clutches


class SqlPedigreeMirror:
    """The mirror, its loader and its keeper (see the module). Call :meth:`run` in a
    background task for as long as the service runs; :meth:`changed` and :meth:`listening`
    are the change listener's callbacks."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        max_animals: int = DEFAULT_MAX_ANIMALS,
        retry: float = 2.0,
        on_load: Callable[[], None] | None = None,
    ) -> None:
        """``on_load`` is called after each layer is loaded (the service settles its heap
        there: a layer is long-lived, and the cyclic garbage collector need not walk it)."""
        if max_animals < 0:
            raise ValueError("max_animals must not be negative")
        self._engine = engine
        self.max_animals = max_animals
        self._retry = retry
        self._on_load = on_load
        self.mirror = PedigreeMirror()
        self._trusted = False
        self._epoch = 0
        self._unsettled: set[uuid.UUID] = set()
        self._organisations: set[uuid.UUID] = set()
        self._unnamed = False
        """A change that named no organisation: read it again under every layer held."""
        self._reading = False
        self._wanted: OrderedDict[Layer, None] = OrderedDict()
        self._too_large: set[Layer] = set()
        self._used: OrderedDict[uuid.UUID, None] = OrderedDict()
        self._wake = asyncio.Event()
        self.answered = 0
        self.deferred = 0
        self.loads = 0

    # --- the listener's callbacks ---------------------------------------------------------

    def listening(self, connected: bool) -> None:
        """The listener's state: either way, everything held is dropped (notices may have
        been missed); layers are loaded again as callers need them, once connected."""
        self._trusted = connected
        self._epoch += 1
        self.mirror.clear()
        self._unsettled.clear()
        self._organisations.clear()
        self._unnamed = False
        self._wanted.clear()
        self._too_large.clear()
        self._used.clear()

    def changed(self, change: AnimalChange) -> None:
        """A change heard (a notice, or this process's own commit): its ids are unsettled
        until read again."""
        if not self._trusted:
            return  # nothing is held
        self._unsettled.update(change.ids)
        if change.organisations:
            self._organisations.update(change.organisations)
        else:
            self._unnamed = True
        self._wake.set()

    # --- answering ------------------------------------------------------------------------

    @property
    def settled(self) -> bool:
        """Whether the mirror may answer: listening, and every change heard applied."""
        return self._trusted and not self._unsettled and not self._reading

    def lineage_records(
        self,
        organisation_id: uuid.UUID | None,
        animal_id: uuid.UUID,
        ancestors: int,
        descendants: int,
    ) -> list[LineageRecord] | None:
        """The records from memory, or ``None`` when the mirror may not answer (then the
        layers the caller needs are asked for)."""
        if self.settled:
            records = self.mirror.lineage_records(
                organisation_id, animal_id, ancestors, descendants
            )
            if records is not None:
                if organisation_id is not None:
                    self._used.move_to_end(organisation_id)
                self.answered += 1
                return records
            self._want(organisation_id)
        self.deferred += 1
        return None

    def _want(self, organisation_id: uuid.UUID | None) -> None:
        """Ask for the layers a caller needs (none when the shared one cannot fit)."""
        if None in self._too_large:
            return
        for layer in (None,) if organisation_id is None else (None, organisation_id):
            if not (layer in self._too_large or self.mirror.holds(layer) or layer in self._wanted):
                self._wanted[layer] = None
                self._wake.set()

    # --- the background work --------------------------------------------------------------

    async def run(self) -> None:
        """Load wanted layers and apply changes until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                while self._trusted and (self._unsettled or self._wanted):
                    if self._unsettled:
                        await self._apply_changes()
                    else:
                        await self._load(next(iter(self._wanted)))
            except (OSError, asyncpg.PostgresError, SQLAlchemyError, TimeoutError) as exc:
                _log.warning("the pedigree mirror could not read; dropping it", error=str(exc))
                self.listening(self._trusted)
                await asyncio.sleep(self._retry)

    async def _read(self, layer: Layer, statement: str, *arguments: Any) -> list[Any]:
        """Rows of one statement, read with ``layer``'s organisation set (none for the shared
        layer) in a transaction of its own."""
        sql = _statements(self._engine.dialect)[statement]
        async with self._engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            async with driver.transaction(readonly=True):
                await driver.execute(
                    "SELECT set_config('reptidex.organisation_id', $1, true)",
                    "" if layer is None else str(layer),
                )
                rows: list[Any] = await driver.fetch(sql, *arguments)
        return rows

    async def _load(self, layer: Layer) -> None:
        epoch = self._epoch
        own = () if layer is None else (layer,)
        count = (await self._read(layer, "count_shared" if layer is None else "count_own", *own))[
            0
        ][0]
        if epoch != self._epoch:
            return
        if not self._make_room(count):
            self._wanted.pop(layer, None)
            self._too_large.add(layer)
            _log.warning(
                "a pedigree layer is larger than the mirror may hold; its lineages are read "
                "from the database",
                layer="shared" if layer is None else str(layer),
                animals=count,
                max_animals=self.max_animals,
            )
            return
        rows = await self._read(layer, "shared" if layer is None else "own", *own)
        if epoch != self._epoch:
            return
        records, clutches = _split(rows)
        self.mirror.replace_layer(layer, records, clutches)
        self._wanted.pop(layer, None)
        if layer is not None:
            self._used[layer] = None
        self.loads += 1
        if self._on_load is not None:
            self._on_load()
        _log.info(
            "pedigree layer loaded",
            layer="shared" if layer is None else str(layer),
            animals=len(records),
        )

    def _make_room(self, count: int) -> bool:
        """Drop least recently used organisations' layers until ``count`` more animals fit;
        drop none when even dropping them all would not make room."""
        mirror = self.mirror
        evictable = sum(mirror.size(organisation) for organisation in self._used)
        if mirror.total - evictable + count > self.max_animals:
            return False
        while mirror.total + count > self.max_animals:
            oldest = next(iter(self._used))
            del self._used[oldest]
            mirror.drop_layer(oldest)
        return True

    async def _apply_changes(self) -> None:
        epoch = self._epoch
        ids = list(self._unsettled)
        named, unnamed = set(self._organisations), self._unnamed
        self._unsettled.clear()
        self._organisations.clear()
        self._unnamed = False
        self._reading = True
        try:
            layers = [
                layer for layer in self.mirror.layers if layer is None or unnamed or layer in named
            ]
            read: dict[Layer, list[LineageRecord]] = {}
            clutches: dict[uuid.UUID, ClutchFacts] = {}
            for layer in layers:
                records, seen = _split(await self._read(layer, "animals", ids))
                read[layer] = records
                clutches.update(seen)
            held = {ident: facts for ident in ids if (facts := self.mirror.clutch(ident))}
            clutch_ids = list(held)
            for organisation in {recorder for _, recorder in held.values()}:
                # a clutch is always readable by the organisation that recorded it
                for ident, laid_on, recorder in await self._read(
                    organisation, "clutches", clutch_ids
                ):
                    clutches[ident] = (laid_on, recorder)
            if epoch != self._epoch:
                return
            for layer, records in read.items():
                if layer is not None:
                    records = [r for r in records if r.organisation_id == layer]
                self.mirror.update(layer, set(ids), records)
            self.mirror.update_clutches(clutch_ids, clutches)
        finally:
            self._reading = False


class MirroredLineageRecords:
    """:class:`~reptidex.domain.animals.ports.LineageRecords` from the mirror when it may
    answer, else from ``statement`` (the one recursive query)."""

    def __init__(self, mirror: SqlPedigreeMirror, statement: LineageRecords) -> None:
        self._mirror = mirror
        self._statement = statement

    async def lineage_records(
        self,
        organisation_id: uuid.UUID | None,
        animal_id: uuid.UUID,
        *,
        ancestors: int,
        descendants: int,
    ) -> Sequence[LineageRecord]:
        """The records, from memory or from the statement."""
        records = self._mirror.lineage_records(organisation_id, animal_id, ancestors, descendants)
        if records is not None:
            return records
        return await self._statement.lineage_records(
            organisation_id, animal_id, ancestors=ancestors, descendants=descendants
        )
