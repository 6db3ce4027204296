"""Where repti-animal reads lineages, and how its in-memory copies hear of changes.

On PostgreSQL a lineage comes from the lineage cache (a response computed before, unchanged
since), else from the pedigree mirror (the animals held in memory), else from the one
recursive statement. Both copies in memory follow PostgreSQL's change notices and this
process's own commits (:class:`~reptidex.services.animal.lineage_cache.CommittedChanges`). On
SQLite (the embedded, single-process default) there are no notices: nothing is kept and every
lineage is the statement's.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

from litestar import Litestar
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reptidex.adapters.sql.animal.animal_changes import AnimalChange, AnimalChangeListener
from reptidex.adapters.sql.animal.lineage import SqlLineageRecords
from reptidex.adapters.sql.animal.pedigree_mirror import MirroredLineageRecords, SqlPedigreeMirror
from reptidex.domain.animals.ports import LineageRecords
from reptidex.services.animal.lineage_cache import (
    CommittedChanges,
    lineage_cache_of,
    metric_families,
)
from reptidex.services.kernel.app import resources_of
from reptidex.services.kernel.background import in_background
from reptidex.services.kernel.heap import settle_heap


@contextlib.asynccontextmanager
async def listen_for_changes(app: Litestar) -> AsyncIterator[None]:
    """Lifespan: on PostgreSQL, keep the app's lineage cache and pedigree mirror in step with
    the change notices of every process and with this process's own commits, and run the
    mirror's loader (unless ``REPTIDEX_LINEAGE_MIRROR_ANIMALS`` is 0)."""
    resources = resources_of(app)
    if resources.engine.dialect.name != "postgresql":
        yield
        return
    cache = lineage_cache_of(app)
    max_animals = resources.settings.lineage_mirror_animals
    mirror = None
    if max_animals:
        mirror = SqlPedigreeMirror(resources.engine, max_animals=max_animals, on_load=settle_heap)

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
    listener = AnimalChangeListener(resources.database_url, changed, listening)
    try:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(in_background(listener.run(), "lineage-listener"))
            if mirror is not None:
                await stack.enter_async_context(in_background(mirror.run(), "pedigree-mirror"))
                app.state["pedigree_mirror"] = mirror
            yield
    finally:
        app.state.pop("pedigree_mirror", None)
        app.state.pop("lineage_views", None)  # views of the mirror's records go with it
        own.remove()
        listening(False)
        if mirror is not None and mirror.loads:
            gc.unfreeze()  # what was settled may be collected again now the app stops


def lineage_records_of(app: Litestar) -> LineageRecords:
    """Where the app reads lineages: the pedigree mirror when it runs (it falls back on the
    one recursive statement itself), else the statement."""
    statement = SqlLineageRecords(resources_of(app).engine)
    mirror = pedigree_mirror_of(app)
    return statement if mirror is None else MirroredLineageRecords(mirror, statement)


def pedigree_mirror_of(app: Litestar) -> SqlPedigreeMirror | None:
    """The app's pedigree mirror while it runs (PostgreSQL, not turned off)."""
    mirror: SqlPedigreeMirror | None = app.state.get("pedigree_mirror")
    return mirror


class PedigreeMirrorMetrics(Collector):
    """The mirror's figures on ``/metrics``: lineages it answered and left to the statement,
    layers loaded, animals and layers held, and 1 while it may answer."""

    def __init__(self, app: Litestar, service: str) -> None:
        self._app = app
        self._service = service

    def collect(self) -> Iterator[Metric]:
        """Read the figures at scrape time (nothing while no mirror runs)."""
        mirror = pedigree_mirror_of(self._app)
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
