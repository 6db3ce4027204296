"""The search area's adapters and subscriptions (the composition root calls
:func:`build_search` through :func:`~reptidex.services.community.wiring.build_community`):
the index on the kernel's sessions, the consumers that keep it from the owning services'
events, and the knowledge articles stored at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from litestar import Litestar
from litestar.di import Provide
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.search_index import SqlSearchIndex, SqlSearchStore
from reptidex.domain.community.search.feed import INDEXED_EVENTS, apply_event
from reptidex.domain.community.search.genes import builtin_gene_names
from reptidex.domain.community.search.ports import SearchIndex
from reptidex.domain.community.search.sponsored import Sponsors
from reptidex.domain.community.search.use_cases import index_articles
from reptidex.domain.events import DomainEvent
from reptidex.services.community.access import SearchDesk
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.logging import get_logger

_log = get_logger("reptidex.community.search")


async def index_event(event: DomainEvent, session: AsyncSession) -> None:
    """Follow one of the owning services' events in the index, in the consumer's transaction
    (with its idempotency mark)."""
    await apply_event(
        SqlSearchStore(session),
        event.type,
        event.payload,
        event.organisation_id,
        event.occurred_at,
    )


@dataclass(frozen=True, slots=True)
class SearchComponents:
    """What the search area builds."""

    desk: SearchDesk

    def dependencies(self) -> Mapping[str, Provide]:
        """``search``."""
        return {"search": provide_value(self.desk)}

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
    """The search area on ``kernel``: the index (``index`` replaces it), advertising's
    ``sponsors`` and idempotent consumers of
    :data:`~reptidex.domain.community.search.feed.INDEXED_EVENTS`."""
    events = kernel.events
    consumer = events.idempotent(index_event, purpose="search")
    for event_type in INDEXED_EVENTS:
        events.subscribe(event_type, consumer)
    return SearchComponents(
        SearchDesk(index or SqlSearchIndex(kernel.sessions), builtin_gene_names(), sponsors)
    )
