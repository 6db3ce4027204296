"""repti-animal's adapters, chosen in one place and handed to the controllers by dependency
injection (the composition root, :func:`~reptidex.services.animal.app.create_app`, calls
:func:`build_animal`).

- Units of work: the SQL adapter on a session of the kernel's, scoped to the caller's
  organisation for PostgreSQL's row-level security; the use case commits it, and whatever it
  did not commit is rolled back when the request ends.
- Lineages: on PostgreSQL a lineage comes from the lineage cache (a response computed before,
  unchanged since), else from the pedigree mirror (the animals held in memory), else from the
  one recursive statement. Both copies in memory follow PostgreSQL's change notices and this
  process's own commits. On SQLite (the embedded, single-process default) there are no
  notices: nothing is kept and every lineage is the statement's.
- Predictions: computed on threads of their own, bounded, their answers cached; and the public
  genetics endpoints' rate limit, on the kernel's limiter.
- Transfer offers: the directory of organisations is repti-core's (asked with repti-animal's
  own service token), and a worker expires the offers past their end.
- Het odds: repti-animal consumes its own events (an idempotent consumer, purpose
  ``het_odds``) to ask for the changed families' odds to be computed again, and a worker
  computes them on the prediction threads and keeps them
  (:mod:`reptidex.domain.animals.het_odds_upkeep`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.di import NamedDependency, Provide
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.animal.core_organisations import HttpOrganisationDirectory
from reptidex.adapters.sql.animal.animal_changes import AnimalChange, AnimalChangeListener
from reptidex.adapters.sql.animal.committed_changes import CommittedChanges
from reptidex.adapters.sql.animal.lineage import SqlLineageRecords
from reptidex.adapters.sql.animal.pedigree_mirror import MirroredLineageRecords, SqlPedigreeMirror
from reptidex.adapters.sql.animal.shared import SqlSharedAnimals
from reptidex.adapters.sql.animal.unit_of_work import SqlAnimalUnitOfWork
from reptidex.adapters.sql.animal.workers import HetOddsUpkeepWorker, TransferOfferExpiryWorker
from reptidex.domain.animals.het_odds_upkeep import (
    UPKEEP_EVENTS,
    animals_to_upkeep,
    request_upkeep_after_change,
)
from reptidex.domain.animals.ports import LineageRecords, OrganisationDirectory
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.events import DomainEvent
from reptidex.domain.privacy.ports import HoldsNothing
from reptidex.services.animal.access import Genetics, provide_actor, viewer_of
from reptidex.services.animal.lineage import AnimalViewCache
from reptidex.services.animal.lineage_cache import LineageCache, LineageCacheMetrics
from reptidex.services.animal.predictions import Predictions
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.auth import Principal, ServiceTokenClient
from reptidex.services.kernel.background import in_background
from reptidex.services.kernel.heap import settle_heap
from reptidex.services.kernel.metrics import metric_families
from reptidex.services.kernel.rate_limits import AddressLimit


class AnimalUnitsOfWork:
    """The animal use cases' units of work, each on a session of its own."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @contextlib.asynccontextmanager
    async def open(self, organisation_id: uuid.UUID | None) -> AsyncIterator[SqlAnimalUnitOfWork]:
        """A unit of work scoped to ``organisation_id`` (``None``: only lineage-only and public
        animals); rolled back unless committed."""
        async with self._sessions() as session:
            uow = SqlAnimalUnitOfWork(session)
            if organisation_id is not None:
                await uow.bind_organisation(organisation_id)
            yield uow

    @contextlib.asynccontextmanager
    async def open_upkeep(
        self, organisation_id: uuid.UUID | None
    ) -> AsyncIterator[SqlAnimalUnitOfWork]:
        """A unit of work of the het odds upkeep worker: scoped to ``organisation_id`` to
        compute its families, or (``None``) reading every organisation's requests."""
        async with self._sessions() as session:
            uow = SqlAnimalUnitOfWork(session)
            if organisation_id is None:
                await uow.het_odds.bind_worker()
            else:
                await uow.bind_organisation(organisation_id)
            yield uow

    @contextlib.asynccontextmanager
    async def open_expiry(self) -> AsyncIterator[SqlAnimalUnitOfWork]:
        """A unit of work of the transfer offer expiry worker (every organisation's pending
        offers, which it may only expire)."""
        async with self._sessions() as session:
            uow = SqlAnimalUnitOfWork(session)
            await uow.transfer_offers.bind_worker()
            yield uow

    async def provide(
        self, optional_principal: NamedDependency[Principal | None]
    ) -> AsyncIterator[SqlAnimalUnitOfWork]:
        """Dependency ``uow``: the request's unit of work, in the caller's organisation."""
        organisation = None if optional_principal is None else optional_principal.organisation_id
        async with self.open(organisation) as uow:
            yield uow

    async def provide_shared(self) -> AsyncIterator[SqlSharedAnimals]:
        """Dependency ``shared_animals_source``: the listing of lineage-only and public animals, on a
        session bound to no organisation."""
        async with self._sessions() as session:
            yield SqlSharedAnimals(session)


_UNKEPT_VIEWS = AnimalViewCache()
"""Without a mirror no record is long-lived: views are encoded and not kept."""


class LineageSources:
    """Where the lineage controller reads: the lineage cache, the records (the pedigree mirror
    while it runs, else the one statement) and the kept views of the mirror's records."""

    def __init__(self, kernel: Kernel) -> None:
        self.cache = LineageCache()
        self._engine = kernel.engine
        self._database_url = kernel.resources.database_url
        self._max_mirror_animals = kernel.settings.lineage_mirror_animals
        self._statement = SqlLineageRecords(kernel.engine)
        self._records: LineageRecords = self._statement
        self._views = _UNKEPT_VIEWS
        self.mirror: SqlPedigreeMirror | None = None
        """The pedigree mirror while it runs (PostgreSQL, not turned off)."""

    def records(self) -> LineageRecords:
        """Where lineages are read now: the pedigree mirror when it runs (it falls back on the
        one recursive statement itself), else the statement."""
        return self._records

    def views(self) -> AnimalViewCache:
        """The kept views of the mirror's records (none kept without a mirror)."""
        return self._views

    def provide(self, principal: NamedDependency[Principal]) -> CallerLineage:
        """Dependency ``lineage_reader``: these sources, read as the request's caller."""
        return CallerLineage(viewer_of(principal), self)

    @contextlib.asynccontextmanager
    async def listen_for_changes(self, app: Litestar) -> AsyncIterator[None]:
        """Lifespan: on PostgreSQL, keep the lineage cache and the pedigree mirror in step with
        the change notices of every process and with this process's own commits, and run the
        mirror's loader (unless ``REPTIDEX_LINEAGE_MIRROR_ANIMALS`` is 0)."""
        if self._engine.dialect.name != "postgresql":
            yield
            return
        cache = self.cache
        mirror = None
        if self._max_mirror_animals:
            mirror = SqlPedigreeMirror(
                self._engine, max_animals=self._max_mirror_animals, on_load=settle_heap
            )

        def changed(change: AnimalChange) -> None:
            cache.changed(change.ids)
            if mirror is not None:
                mirror.changed(change)

        def listening(connected: bool) -> None:
            cache.listening(connected)
            if mirror is not None:
                mirror.listening(connected)

        own = CommittedChanges(changed)
        own.install()
        listener = AnimalChangeListener(self._database_url, changed, listening)
        try:
            async with contextlib.AsyncExitStack() as stack:
                await stack.enter_async_context(in_background(listener.run(), "lineage-listener"))
                if mirror is not None:
                    await stack.enter_async_context(in_background(mirror.run(), "pedigree-mirror"))
                    self.mirror = mirror
                    self._records = MirroredLineageRecords(mirror, self._statement)
                    self._views = AnimalViewCache(mirror.mirror.holds_record)
                yield
        finally:
            self.mirror = None
            self._records = self._statement
            self._views = _UNKEPT_VIEWS  # views of the mirror's records go with it
            own.remove()
            listening(False)
            if mirror is not None and mirror.loads:
                gc.unfreeze()  # what was settled may be collected again now the app stops


ANIMAL_PERSONAL_DATA = HoldsNothing(
    "repti-animal keeps no user's id or contact on its records: animals, pairs, clutches and "
    "logs belong to organisations. What the user changed there is in the audit trail "
    "(ops.json)."
)
"""repti-animal's answer to GDPR requests."""


@dataclass(frozen=True, slots=True)
class CallerLineage:
    """The lineage sources as one caller reads them (the lineage controller's
    :class:`~reptidex.services.animal.lineage.LineageReader`)."""

    viewer: Actor | None
    sources: LineageSources

    @property
    def cache(self) -> LineageCache:
        """The lineage cache."""
        return self.sources.cache

    def records(self) -> LineageRecords:
        """Where lineages are read now."""
        return self.sources.records()

    def views(self) -> AnimalViewCache:
        """The kept views of the mirror's records."""
        return self.sources.views()


class PedigreeMirrorMetrics(Collector):
    """The mirror's figures on ``/metrics``: lineages it answered and left to the statement,
    layers loaded, animals and layers held, and 1 while it may answer."""

    def __init__(self, sources: LineageSources, service: str) -> None:
        self._sources = sources
        self._service = service

    def collect(self) -> Iterator[Metric]:
        """Read the figures at scrape time (nothing while no mirror runs)."""
        mirror = self._sources.mirror
        if mirror is None:
            return
        figures: tuple[tuple[Any, str, str, float], ...] = (
            (CounterMetricFamily, "answered", "Lineages read from memory.", mirror.answered),
            (CounterMetricFamily, "deferred", "Lineages left to the statement.", mirror.deferred),
            (CounterMetricFamily, "loads", "Layers loaded.", mirror.loads),
            (GaugeMetricFamily, "animals", "Animals held.", mirror.mirror.total),
            (GaugeMetricFamily, "layers", "Layers held.", len(mirror.mirror.layers)),
            (GaugeMetricFamily, "settled", "1 while it may answer.", mirror.settled),
        )
        yield from metric_families("reptidex_pedigree_mirror_", self._service, figures)


@dataclass(frozen=True, slots=True)
class AnimalComponents:
    """What the animal controllers are given, built once per app."""

    units: AnimalUnitsOfWork
    lineage: LineageSources
    genetics: Genetics
    """Predictions (threads, limits, cache) and the public genetics endpoints' limit."""
    organisations: OrganisationDirectory
    """Which organisations exist (a transfer is offered only to one that does)."""
    offer_expiry: TransferOfferExpiryWorker
    """Expires the transfer offers past their end."""
    het_odds_upkeep: HetOddsUpkeepWorker
    """Computes again the het odds of the families changes asked for."""

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependencies: ``actor``, ``uow``, ``units``, ``shared_animals_source``,
        ``lineage_reader``, ``genetics``, ``organisations`` and ``personal_data`` (the GDPR
        port: animals belong to organisations and name no user)."""
        return {
            "actor": Provide(provide_actor),
            "uow": Provide(self.units.provide),
            "units": provide_value(self.units),
            "shared_animals_source": Provide(self.units.provide_shared),
            "lineage_reader": Provide(self.lineage.provide, sync_to_thread=False),
            "genetics": provide_value(self.genetics),
            "organisations": provide_value(self.organisations),
            "personal_data": provide_value(ANIMAL_PERSONAL_DATA),
        }

    def lifespans(self) -> list[Callable[[Litestar], AbstractAsyncContextManager[None]]]:
        """What runs while the app does: the lineage copies' listener, the prediction threads,
        the transfer offer expiry worker."""
        return [
            self.lineage.listen_for_changes,
            self._prediction_threads,
            self._offer_expiry,
            self._het_odds_upkeep,
        ]

    @contextlib.asynccontextmanager
    async def _offer_expiry(self, app: Litestar) -> AsyncIterator[None]:
        async with in_background(self.offer_expiry.run(), "reptidex-animal-offer-expiry"):
            yield

    @contextlib.asynccontextmanager
    async def _het_odds_upkeep(self, app: Litestar) -> AsyncIterator[None]:
        async with in_background(self.het_odds_upkeep.run(), "reptidex-animal-het-odds"):
            yield

    @contextlib.asynccontextmanager
    async def _prediction_threads(self, app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            self.genetics.predictions.close()

    def collectors(self, service: str) -> list[Collector]:
        """The lineage cache's and the pedigree mirror's figures on ``/metrics``."""
        return [
            LineageCacheMetrics(self.lineage.cache, service),
            PedigreeMirrorMetrics(self.lineage, service),
        ]


OFFER_EXPIRY_INTERVAL = 60.0
"""Seconds between two passes of the transfer offer expiry worker."""

HET_ODDS_DELAY = 2.0
"""Seconds a request for a family's het odds waits, so that a burst of changes to one family
(a clutch's hatchlings, a CSV import) is computed once."""


def subscribe_het_odds_upkeep(kernel: Kernel, worker: HetOddsUpkeepWorker) -> None:
    """Consume repti-animal's own events that change a family, asking for its het odds to be
    computed again (in one transaction with the event's mark), and wake the worker."""

    async def ask(event: DomainEvent, session: AsyncSession) -> None:
        wanted = animals_to_upkeep(event.type, event.payload, event.organisation_id)
        uow = SqlAnimalUnitOfWork(session)
        for organisation_id, animal_ids in wanted.items():
            await uow.bind_organisation(organisation_id)
            await request_upkeep_after_change(
                uow.het_odds, organisation_id, animal_ids, dt.datetime.now(dt.UTC), worker.limits
            )
        worker.wake()

    handler = kernel.events.idempotent(ask, purpose="het_odds")
    for event_type in UPKEEP_EVENTS:
        kernel.events.subscribe(event_type, handler)


def build_animal(
    kernel: Kernel,
    *,
    genetics_per_minute: int,
    organisations: OrganisationDirectory | None = None,
    offer_expiry_interval: float = OFFER_EXPIRY_INTERVAL,
    het_odds_delay: float = HET_ODDS_DELAY,
) -> AnimalComponents:
    """repti-animal's adapters on ``kernel``; ``genetics_per_minute`` limits the public
    genetics endpoints per client address (0: no limit); ``organisations`` replaces
    repti-core's directory over HTTP; ``offer_expiry_interval`` is the seconds between two
    passes of the transfer offer expiry worker; ``het_odds_delay`` the seconds a request for
    a family's het odds waits before it is computed."""
    units = AnimalUnitsOfWork(kernel.sessions)
    if organisations is None:
        peers = kernel.resources.peers
        tokens = ServiceTokenClient.from_settings(
            kernel.settings, "animal", transport=kernel.resources.http_transport()
        )
        organisations = HttpOrganisationDirectory(lambda: peers, tokens.headers)
    genetics = Genetics(
        Predictions(),
        AddressLimit("genetics", genetics_per_minute, kernel.rate_limiter, kernel.client_addresses),
        units,
    )
    upkeep = HetOddsUpkeepWorker(
        units.open_upkeep,
        genetics.predictions.compute,
        limits=genetics.het_odds,
        delay=het_odds_delay,
    )
    subscribe_het_odds_upkeep(kernel, upkeep)
    return AnimalComponents(
        units=units,
        lineage=LineageSources(kernel),
        genetics=genetics,
        organisations=organisations,
        offer_expiry=TransferOfferExpiryWorker(
            units.open_expiry, poll_interval=offer_expiry_interval
        ),
        het_odds_upkeep=upkeep,
    )
