"""Pages of results kept between changes of the index.

Finding the documents of a query and counting its facets reads every document it matches (at
a million documents, a common word's tens of thousands); the same query asked again while the
index has not changed finds the same page. :class:`KeptPages` keeps each query's page of
results (snippets marked) by its term groups, filters and page bounds, with the index's
generation it was found at, and serves it again while the generation is the same. While the
index changes, a kept page is served for at most ``refresh`` seconds after it was found (the
index's refresh interval: a change is searchable at the latest that long after it was
stored); ``refresh`` 0 serves no page found before the last change. A query is looked up
once at a time: requests that find its lookup under way wait for it instead of repeating it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from reptidex.domain.community.search.genes import GeneNames
from reptidex.domain.community.search.ports import SearchIndex
from reptidex.domain.community.search.query import Filters, SearchRequest, TermGroup, term_groups
from reptidex.domain.community.search.use_cases import SearchResults, search_groups

KEPT_PAGES = 1_024
"""Pages kept at most (the least recently served go first; a page is at most 50 results and
its facets, a few tens of kilobytes)."""
REFRESH_SECONDS = 0.5
"""How long a kept page may be served after the index changed."""

_Key = tuple[tuple[TermGroup, ...], Filters, int, int]


@dataclass(frozen=True, slots=True)
class _Kept:
    results: SearchResults
    found_at: float


class KeptPages:
    """The searches of ``index`` (words read with ``genes``), each page served again while it
    is current (see the module)."""

    def __init__(
        self,
        index: SearchIndex,
        genes: GeneNames,
        *,
        refresh: float = REFRESH_SECONDS,
        capacity: int = KEPT_PAGES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if refresh < 0 or capacity < 1:
            raise ValueError("refresh is at least 0 and capacity at least 1")
        self.index = index
        self.genes = genes
        self.refresh = refresh
        self.capacity = capacity
        self._clock = clock
        self._kept: OrderedDict[_Key, _Kept] = OrderedDict()
        self._lookups: dict[_Key, asyncio.Task[SearchResults]] = {}
        self.served = 0
        """Searches a kept page answered."""
        self.found = 0
        """Searches looked up in the index."""

    def __len__(self) -> int:
        return len(self._kept)

    async def search(self, request: SearchRequest) -> SearchResults:
        """The results of ``request`` (checked first): its kept page when current, else the
        index's (one lookup of a query at a time)."""
        request.check()
        groups = term_groups(request.text, self.genes)
        key = (groups, request.filters, request.limit, request.offset)
        kept = self._kept.get(key)
        if kept is not None and self._current(kept, await self.index.generation()):
            self._kept.move_to_end(key)
            self.served += 1
            return kept.results
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = asyncio.create_task(self._look_up(key, request))
            self._lookups[key] = lookup
        return await asyncio.shield(lookup)

    def _current(self, kept: _Kept, generation: int) -> bool:
        """Whether ``kept`` may be served while the index is at ``generation``."""
        return kept.results.generation >= generation or (
            self._clock() - kept.found_at < self.refresh
        )

    async def _look_up(self, key: _Key, request: SearchRequest) -> SearchResults:
        try:
            results = await search_groups(self.index, key[0], request)
        finally:
            del self._lookups[key]
        self.found += 1
        self._kept[key] = _Kept(results, self._clock())
        self._kept.move_to_end(key)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)
        return results
