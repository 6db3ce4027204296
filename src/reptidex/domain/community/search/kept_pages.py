"""Pages of results kept between changes of the index.

Finding the documents of a query and counting its facets reads every document it matches (at
a million documents, a common word's tens of thousands); the same query asked again while the
index has not changed finds the same page. :class:`KeptPages` keeps each query's page of
results (snippets marked) by its term groups, filters and page bounds, with the index's
generation it was found at, and serves it again while the generation is the same.

A page found before a document was taken out (made private, hidden by a moderator, deleted)
is never served again: the next request for it waits for a new lookup. Other changes (a new
or edited document) follow the refresh interval:
while the index changes, a kept page is served as it is for ``refresh`` seconds after it was
found; then the first request for it starts a new lookup, and until that lookup ends the kept
page is still served (the requests wait for the lookup only once the page is ``stale_limit``
seconds old). A change is thus searchable the refresh interval and one lookup after its
commit: when lookups keep up, within twice the interval; when a burst of changes and popular
queries asks more lookups than the database answers, later (never past the limit), while
every request is still answered at once. A popular query is looked up at most about once
per interval however often it is asked. ``refresh`` 0 serves no page found before the last
change.

A query is looked up once at a time: requests that find its lookup under way wait for it (or
take the kept page) instead of repeating it; with a refresh interval, requests that arrive
while the generation is being read share the read. At most ``lookups`` queries are looked up at
once (each keeps a database core busy for up to a few hundred milliseconds on a large index),
so that a burst of new queries or of changes leaves the database and its connections to the
searches a kept page answers and to the rest of the service.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reptidex.domain.community.search.genes import GeneNames
from reptidex.domain.community.search.ports import Generation, PageSource
from reptidex.domain.community.search.query import Filters, SearchRequest, TermGroup, term_groups
from reptidex.domain.community.search.use_cases import SearchResults, search_groups

LOOKUPS = 1
"""Queries looked up at once, at most."""
KEPT_PAGES = 1_024
"""Pages kept at most (the least recently served go first; a page is at most 50 results and
its facets, a few tens of kilobytes)."""
REFRESH_SECONDS = 0.5
"""How long a kept page is served as it is after the index changed."""
STALE_LIMIT_SECONDS = 10.0
"""How old a kept page may be while its query's new lookup is under way."""

_Key = tuple[tuple[TermGroup, ...], Filters, int, int]


@dataclass(frozen=True, slots=True)
class _Kept:
    results: SearchResults
    found_at: float


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Retrieve the outcome of a shared read no request waited for to its end (a failed
    lookup is tried again by the next request)."""
    if not task.cancelled():
        task.exception()


class KeptPages:
    """The searches of ``index`` (words read with ``genes``), each page served again while it
    is current (see the module)."""

    def __init__(
        self,
        index: PageSource,
        genes: GeneNames,
        *,
        refresh: float = REFRESH_SECONDS,
        capacity: int = KEPT_PAGES,
        lookups: int = LOOKUPS,
        stale_limit: float = STALE_LIMIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if refresh < 0 or capacity < 1 or lookups < 1:
            raise ValueError("refresh is at least 0, capacity and lookups at least 1")
        self.index = index
        self.genes = genes
        self.refresh = refresh
        self.stale_limit = stale_limit if refresh else 0.0
        self.capacity = capacity
        self._clock = clock
        self._kept: OrderedDict[_Key, _Kept] = OrderedDict()
        self._lookups: dict[_Key, asyncio.Task[SearchResults]] = {}
        self._lookup_slots = asyncio.Semaphore(lookups)
        self._generation_read: asyncio.Task[Generation] | None = None
        self.served = 0
        """Searches a kept page answered."""
        self.found = 0
        """Searches looked up in the index."""

    def __len__(self) -> int:
        return len(self._kept)

    async def search(self, request: SearchRequest) -> SearchResults:
        """The results of ``request`` (checked first): its kept page while current (see the
        module), else the index's."""
        request.check()
        groups = term_groups(request.text, self.genes)
        key = (groups, request.filters, request.limit, request.offset)
        kept = self._kept.get(key)
        stale = None
        if kept is not None:
            found, now = kept.results.generation, await self._generation()
            if found.removals >= now.removals:
                if found.changes >= now.changes or self._age(kept) < self.refresh:
                    return self._serve(key, kept)
                if self._age(kept) < self.stale_limit:
                    stale = kept
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = asyncio.create_task(self._look_up(key, request))
            lookup.add_done_callback(_retrieved)
            self._lookups[key] = lookup
        if stale is not None:
            return self._serve(key, stale)
        return await asyncio.shield(lookup)

    async def _generation(self) -> Generation:
        """The index's generation; with a refresh interval, the requests that arrive while it
        is being read share that read (one round trip older at most)."""
        if not self.refresh:
            return await self.index.generation()
        read = self._generation_read
        if read is None:
            read = asyncio.create_task(self._read_generation())
            read.add_done_callback(_retrieved)
            self._generation_read = read
        return await asyncio.shield(read)

    async def _read_generation(self) -> Generation:
        try:
            return await self.index.generation()
        finally:
            self._generation_read = None

    def _age(self, kept: _Kept) -> float:
        return self._clock() - kept.found_at

    def _serve(self, key: _Key, kept: _Kept) -> SearchResults:
        self._kept.move_to_end(key)
        self.served += 1
        return kept.results

    async def _look_up(self, key: _Key, request: SearchRequest) -> SearchResults:
        try:
            async with self._lookup_slots:
                results = await search_groups(self.index, key[0], request)
        finally:
            del self._lookups[key]
        self.found += 1
        self._kept[key] = _Kept(results, self._clock())
        self._kept.move_to_end(key)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)
        return results
