"""Rebuilding the index from the owning services (``reptidex search reindex``): every
public thing they hold now is stored, and what the index lists of those kinds but they no
longer hold (an event missed) is taken out (for the kinds a source lists completely), unless an event changed it after the rebuild
started."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.community.search.documents import ARTICLE, SearchDocument
from reptidex.domain.community.search.events import PRODUCER, REINDEXED, SearchReindexed
from reptidex.domain.community.search.genes import builtin_articles
from reptidex.domain.community.search.ports import SearchIndex
from reptidex.domain.events import DomainEvent, new_event


class DocumentSource(Protocol):
    """Where the public things of one kind come from (an owning service's API)."""

    kind: str
    complete: bool
    """Whether it holds every public thing of its kind (then what the index lists of that
    kind beyond it is taken out)."""

    def pages(self) -> AsyncIterator[Sequence[SearchDocument]]:
        """The documents, a page at a time."""
        ...


class ReindexTarget(SearchIndex, Protocol):
    """The index as a rebuild needs it: also the documents it lists of a kind, the taking
    out of many, and the outbox of the rebuild's event (each call commits)."""

    async def listed_ids(self, kind: str, changed_before: dt.datetime) -> set[str]:
        """The source ids of the listed documents of ``kind`` last changed before then."""
        ...

    async def remove_many(
        self, kind: str, source_ids: Sequence[str], at: dt.datetime, event: DomainEvent | None
    ) -> int:
        """Take those documents out (as :meth:`remove`) and stage ``event``, together."""
        ...


@dataclass(frozen=True, slots=True)
class ReindexReport:
    """What a rebuild did."""

    documents: dict[str, int]
    removed: int


Progress = Callable[[str, int], None]
"""Told ``(kind, documents read so far)`` after each page."""


async def reindex(
    index: ReindexTarget,
    sources: Sequence[DocumentSource],
    *,
    progress: Progress | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> ReindexReport:
    """Rebuild the index from ``sources`` and the catalogs' articles; stages
    ``search.reindexed`` with the last change."""
    started = clock()
    read: dict[str, int] = {}
    seen: dict[str, set[str]] = {}
    articles = builtin_articles()
    await index.upsert(articles)
    read[ARTICLE] = len(articles)
    seen[ARTICLE] = {a.source_id for a in articles}
    if progress:
        progress(ARTICLE, len(articles))
    partial = {s.kind for s in sources if not s.complete}
    for source in sources:
        kept = seen.setdefault(source.kind, set())
        async for page in source.pages():
            await index.upsert(page)
            kept.update(d.source_id for d in page)
            read[source.kind] = read.get(source.kind, 0) + len(page)
            if progress:
                progress(source.kind, read[source.kind])
        read.setdefault(source.kind, 0)
    gone = {
        kind: sorted((await index.listed_ids(kind, started)) - ids)
        for kind, ids in seen.items()
        if kind not in partial
    }
    removed = sum(len(ids) for ids in gone.values())
    event = new_event(
        REINDEXED,
        producer=PRODUCER,
        payload=SearchReindexed(read, removed, started, clock()),
    )
    kinds = sorted(gone)
    for position, kind in enumerate(kinds):
        last = position == len(kinds) - 1
        await index.remove_many(kind, gone[kind], started, event if last else None)
    return ReindexReport(read, removed)
