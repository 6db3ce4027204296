"""The search area's adapters and subscriptions (the composition root calls
:func:`build_search` through :func:`~reptidex.services.community.wiring.build_community`):
the index on the kernel's sessions, the consumers that keep it from the owning services'
events, and the knowledge articles stored at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from litestar import Litestar
from litestar.di import Provide
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.search_index import SqlSearchIndex, SqlSearchStore
from reptidex.domain.community.search.documents import IndexChange
from reptidex.domain.community.search.feed import INDEXED_EVENTS, change_of
from reptidex.domain.community.search.genes import builtin_gene_names
from reptidex.domain.community.search.kept_pages import KeptPages
from reptidex.domain.community.search.ports import SearchIndex
from reptidex.domain.community.search.sponsored import Sponsors
from reptidex.domain.community.search.use_cases import index_articles
from reptidex.domain.events import DomainEvent
from reptidex.services.community.access import SearchDesk
from reptidex.services.community.search_metrics import KeptPagesMetrics
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.logging import get_logger

_log = get_logger("reptidex.community.search")


def indexed_change(event: DomainEvent) -> IndexChange | None:
    """What one of the owning services' events does to the index (a payload it cannot read
    raises: that delivery fails alone)."""
    return change_of(event.type, event.payload, event.organisation_id, event.occurred_at)


async def index_changes(changes: Sequence[IndexChange | None], session: AsyncSession) -> None:
    """Apply the changes of a batch of events in the consumer's transaction (with their
    idempotency marks): one upsert of the newest news of each document, and its words."""
    found = [change for change in changes if change is not None]
    if found:
        await SqlSearchStore(session).apply(found)


@dataclass(frozen=True, slots=True)
class SearchComponents:
    """What the search area builds."""

    desk: SearchDesk
    metrics: KeptPagesMetrics

    def dependencies(self) -> Mapping[str, Provide]:
        """``search``."""
        return {"search": provide_value(self.desk)}

    def collectors(self) -> list[Collector]:
        """The kept pages' figures on ``/metrics``."""
        return [self.metrics]

    def lifespans(self) -> list[Callable[[Litestar], AbstractAsyncContextManager[None]]]:
        """Store the catalogs' articles at start-up."""
        return [self.store_articles]

    @asynccontextmanager
    async def store_articles(self, app: Litestar) -> AsyncIterator[None]:
        """Store the knowledge articles; a database not ready (not migrated yet: ``/health/deep``
        says so) leaves them for the next start or ``reptidex search reindex``."""
        try:
            written = await index_articles(self.desk.index)
        except SQLAlchemyError as exc:
            _log.warning("knowledge articles not stored", error=type(exc).__name__)
        else:
            _log.info("knowledge articles stored", written=written)
        yield


def build_search(
    kernel: Kernel, *, sponsors: Sponsors, index: SearchIndex | None = None
) -> SearchComponents:
    """The search area on ``kernel``: the index (``index`` replaces it) with its pages kept
    between changes (the ``search_refresh`` and ``search_lookups`` settings), advertising's
    ``sponsors`` and a batching idempotent consumer of
    :data:`~reptidex.domain.community.search.feed.INDEXED_EVENTS`."""
    events = kernel.events
    consumer = events.batched(index_changes, indexed_change, purpose="search")
    for event_type in INDEXED_EVENTS:
        events.subscribe(event_type, consumer)
    index = index or SqlSearchIndex(kernel.sessions)
    settings = kernel.settings
    pages = KeptPages(
        index,
        builtin_gene_names(),
        refresh=settings.search_refresh,
        lookups=settings.search_lookups,
    )
    return SearchComponents(
        SearchDesk(index, sponsors, pages), KeptPagesMetrics(kernel.spec.name, pages)
    )
