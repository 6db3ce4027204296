"""Marketplace search pages kept in memory, every one dropped as soon as any listing changes.

The public search is asked far more often than listings change, and its answer is the same
for every caller (open listings only, which anyone may see), so repti-commerce keeps recent
response bodies by query string. Any change of a listing, in any process, drops them all:
PostgreSQL's notices (migration ``commerce_0013``, read by
:class:`~reptidex.adapters.sql.notices.NoticeListener`) at commit, and this process's own
commits at once (:mod:`~reptidex.adapters.sql.commerce.listing_changes`). A page is also
kept only until the next end of an available listing after it was read: from then on time
alone changes the results.

The cache trusts itself only while it hears every notice: it is off until the listener is
connected, and emptied and off again whenever the connection is lost. A page read while a
change arrived is not kept (its rows may predate the change), so a page never outlives a
change committed before it was stored. On SQLite (the embedded, single-process default)
there are no notices and nothing is kept.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reptidex.domain.commerce.ports import ListingQuery
from reptidex.services.commerce.access import CommerceUnits
from reptidex.services.commerce.search_counts import MAX_ROWS, PriceTable, filters_of
from reptidex.services.kernel.metrics import metric_families

DEFAULT_BYTES = 32 * 2**20
"""32 MiB of pages per process (a page of 50 listings is about 40 KiB)."""

ASKED = 10_000
"""Query strings remembered as read once: a page read for the first time is not kept, so a
query asked only once (a crawler's, one of many price bounds) takes no room from the pages
asked again and again."""

PriceReader: TypeAlias = Callable[[int], Awaitable[list[tuple[int, dt.datetime | None]]]]
"""Reads the price and end of (at most so many) listings of a search's filters."""
EndReader: TypeAlias = Callable[[dt.datetime], Awaitable[dt.datetime | None]]
"""Reads the next end of an available listing after a time."""
TABLE_SHARE = 8
"""The price tables may take an eighth of the cache's bytes beside the pages."""
PageReader: TypeAlias = Callable[[], Awaitable[tuple[bytes, dt.datetime | None]]]
"""Reads a page from the database: its body, and the time until which it holds (the next end
of a listing; ``None``: until a listing changes)."""


class SearchCache:
    """Encoded search pages by query string, up to ``max_bytes`` of them, least recently used
    first out.

    >>> import datetime as dt
    >>> cache = SearchCache(max_bytes=1024)
    >>> cache.listening(True)
    >>> now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    >>> ticket = cache.ticket()
    >>> cache.keep(b"gene=clown", b"{}", ticket, until=now + dt.timedelta(hours=1))
    >>> cache.get(b"gene=clown", now)
    b'{}'
    >>> cache.get(b"gene=clown", now + dt.timedelta(hours=1)) is None  # a listing ended
    True
    >>> cache.keep(b"gene=clown", b"{}", cache.ticket(), until=None)
    >>> cache.changed()
    >>> cache.get(b"gene=clown", now) is None
    True
    """

    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[bytes, tuple[bytes, dt.datetime | None]] = OrderedDict()
        self._notices = 0
        self._trusted = False
        self._flights: dict[bytes, tuple[int, asyncio.Future[bytes | None]]] = {}
        """The pages being read: the notice count when each read began, and its outcome."""
        self._tables: OrderedDict[ListingQuery, PriceTable | None] = OrderedDict()
        """The price tables kept, by filters (``None``: too many listings to keep)."""
        self._table_bytes = 0
        self._reading: set[ListingQuery] = set()
        """The filters whose tables are being read."""
        self._filters_asked: OrderedDict[ListingQuery, None] = OrderedDict()
        """The filters searched lately: a table is read the second time they are searched."""
        self._end: tuple[int, dt.datetime, dt.datetime | None] | None = None
        """The next end last read: the notice count when read, the time it was read for, and
        the end."""
        self._asked: OrderedDict[bytes, None] = OrderedDict()
        """The query strings read lately: a page is kept the second time it is read."""
        self.hits = 0
        """Pages served without reading the database (kept, or read for another request)."""
        self.misses = 0

    @property
    def trusted(self) -> bool:
        """Whether pages are kept and served (only while every notice is heard)."""
        return self._trusted

    def listening(self, connected: bool) -> None:
        """The listener's state: pages are trusted only while it is connected; anything kept
        before is dropped either way (notices may have been missed)."""
        self._trusted = connected
        self.changed()

    def ticket(self) -> int:
        """Taken before reading a page: :meth:`keep` refuses it if a listing changed since."""
        return self._notices

    def get(self, key: bytes, now: dt.datetime) -> bytes | None:
        """The kept page for ``key``, if any and still valid at ``now``."""
        body = self._kept(key, now)
        if body is None:
            self.misses += 1
        else:
            self.hits += 1
        return body

    async def page(self, key: bytes, now: dt.datetime, read: PageReader) -> bytes:
        """The page for ``key`` at ``now``: the kept one, else the one ``read`` returns (with
        the time until which it holds), kept. While one request reads a page, the others
        asking for it wait for that read rather than each reading it (after a change drops
        every page, the popular ones are asked for by many at once); a request that arrives
        after a change does not take a read begun before it. A page is kept from the second
        time its query string is read (:data:`ASKED`)."""
        body = self._kept(key, now)
        if body is not None:
            self.hits += 1
            return body
        flight = self._flights.get(key) if self._trusted else None
        if flight is not None and flight[0] == self._notices:
            shared = await asyncio.shield(flight[1])
            if shared is not None:
                self.hits += 1
                return shared
        self.misses += 1
        if not self._trusted:
            return (await read())[0]
        ticket = self._notices
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self._flights[key] = (ticket, future)
        body = None
        try:
            body, until = await read()
            if self._asked_before(key):
                self.keep(key, body, ticket, until)
            return body
        finally:
            if self._flights.get(key, (0, None))[1] is future:
                del self._flights[key]
            future.set_result(body)  # None when the read failed: each waiter reads itself

    async def price_table(self, query: ListingQuery, read: PriceReader) -> PriceTable | None:
        """The table that counts the total of ``query`` (:mod:`.search_counts`): the one kept
        for its filters, or one ``read`` now the second time they are searched; ``None``
        when the database counts it (the first time, a text search, broader filters than a
        table holds, a change while reading, another request reading the table, or the
        cache not trusted)."""
        key = filters_of(query) if self._trusted else None
        if key is None:
            return None
        if key in self._tables:
            self._tables.move_to_end(key)
            return self._tables[key]
        if not _seen_before(self._filters_asked, key) or key in self._reading:
            return None  # while one request reads a table, the others count in the database
        ticket = self._notices
        self._reading.add(key)
        try:
            rows = await read(MAX_ROWS + 1)
        finally:
            self._reading.discard(key)
        if ticket != self._notices:
            return None
        table = PriceTable.of(rows) if len(rows) <= MAX_ROWS else None
        self._tables[key] = table
        self._table_bytes += 0 if table is None else table.nbytes
        while self._table_bytes > self._max_bytes // TABLE_SHARE:
            _, dropped = self._tables.popitem(last=False)
            self._table_bytes -= 0 if dropped is None else dropped.nbytes
        return table

    async def next_end(self, now: dt.datetime, read: EndReader) -> dt.datetime | None:
        """The next end of an available listing after ``now`` (until which a page read now
        holds), read once per change: the end read last still answers while no listing
        changed since and it is after ``now``; ``None`` while the cache is not trusted (no
        page is kept)."""
        if not self._trusted:
            return None
        known = self._end
        if (
            known is not None
            and known[0] == self._notices
            and known[1] <= now
            and (known[2] is None or now < known[2])
        ):
            return known[2]
        ticket = self._notices
        end = await read(now)
        if ticket == self._notices:
            self._end = (ticket, now, end)
        return end

    def _asked_before(self, key: bytes) -> bool:
        """Whether ``key`` was read before (among the last :data:`ASKED` read); remember it."""
        return _seen_before(self._asked, key)

    def _kept(self, key: bytes, now: dt.datetime) -> bytes | None:
        stored = self._entries.get(key) if self._trusted else None
        if stored is None:
            return None
        if stored[1] is not None and now >= stored[1]:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return stored[0]

    def keep(self, key: bytes, body: bytes, ticket: int, until: dt.datetime | None) -> None:
        """Keep ``body`` for ``key`` until ``until`` (``None``: until a listing changes) unless
        a listing changed since ``ticket`` was taken."""
        if not self._trusted or ticket != self._notices or len(body) > self._max_bytes:
            return
        self._drop(key)
        self._entries[key] = (body, until)
        self._bytes += len(body)
        while self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))

    def changed(self) -> None:
        """A notice: some listing changed; every page and price table is stale."""
        self._notices += 1
        self._entries.clear()
        self._bytes = 0
        self._tables.clear()
        self._table_bytes = 0

    def _drop(self, key: bytes) -> None:
        stored = self._entries.pop(key, None)
        if stored is not None:
            self._bytes -= len(stored[0])

    def __len__(self) -> int:
        """Pages kept (some may be found ended when next asked for)."""
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        """Bytes of pages kept."""
        return self._bytes

    @property
    def tables(self) -> int:
        """Price tables kept (filters too broad for one count too)."""
        return len(self._tables)


def _seen_before(seen: OrderedDict[Any, None], key: Any) -> bool:
    """Whether ``key`` is among the last :data:`ASKED` keys of ``seen``; remember it."""
    if key in seen:
        seen.move_to_end(key)
        return True
    seen[key] = None
    if len(seen) > ASKED:
        seen.popitem(last=False)
    return False


@dataclass(frozen=True, slots=True)
class MarketplaceSearch:
    """What the public search reads through: units of work (of no organisation: every caller
    gets the same answer) and the cache of pages."""

    units: CommerceUnits
    cache: SearchCache = field(default_factory=SearchCache)


class SearchCacheMetrics(Collector):
    """The cache's figures on ``/metrics``: hits and misses since start, pages, bytes, price
    tables, and whether it is in use (1 while the change listener is connected)."""

    def __init__(self, cache: SearchCache, service: str) -> None:
        self._cache = cache
        self._service = service

    def collect(self) -> Iterator[Metric]:
        """Read the figures at scrape time."""
        cache = self._cache
        figures: tuple[tuple[Any, str, str, float], ...] = (
            (
                CounterMetricFamily,
                "hits",
                "Searches served without a read of their own.",
                cache.hits,
            ),
            (CounterMetricFamily, "misses", "Searches read from the database.", cache.misses),
            (GaugeMetricFamily, "entries", "Search pages kept.", len(cache)),
            (GaugeMetricFamily, "bytes", "Bytes of search pages kept.", cache.size_bytes),
            (GaugeMetricFamily, "tables", "Price tables kept for totals.", cache.tables),
            (GaugeMetricFamily, "in_use", "1 while change notices are heard.", cache.trusted),
        )
        yield from metric_families("reptidex_search_cache_", self._service, figures)
