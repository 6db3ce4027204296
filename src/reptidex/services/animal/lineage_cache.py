"""Lineage responses kept in memory, each dropped as soon as an animal it was computed from
changes.

A lineage is read far more often than the pedigree under it changes (a breeder's page, the
pedigree widgets on breeders' websites), so repti-animal keeps recent responses by
``(animal, generations, descendants, caller's organisation)``: the view depends on nothing
else. Each entry remembers the ids it was computed from (every animal read, the parents they
name, the clutch of origin); PostgreSQL's change notices
(:mod:`~reptidex.adapters.sql.animal.animal_changes`) make every entry holding a changed id
stale in every process, at commit, and this process's own commits
(:mod:`~reptidex.adapters.sql.animal.committed_changes`) at once.

The cache trusts itself only while it hears every notice: it is off until the listener is
connected, and emptied and off again whenever the connection is lost. A response computed
while one of its ids changed is not kept (its rows may predate the change), so an entry
never outlives a change committed before it was stored. On SQLite (the embedded, single-process
default) there are no notices and nothing is kept.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reptidex.services.kernel.metrics import metric_families

LineageKey: TypeAlias = tuple[uuid.UUID, int, int, uuid.UUID | None]
"""``(animal, generations, descendants, caller's organisation or None)``."""

DEFAULT_BYTES = 64 * 2**20
"""64 MiB of responses per process (a 5-generation lineage is about 16 KiB)."""


MAX_CHANGES = 100_000
"""Changed ids remembered before the memory of changes starts afresh (dropping all entries)."""

_Stored: TypeAlias = tuple[bytes, tuple[int, ...], int]
"""A kept response: its body, the ids (as ints) it read, the notice count when it was read."""


def _packed(key: LineageKey) -> tuple[int, int, int, int]:
    animal, generations, descendants, organisation = key
    return (animal.int, generations, descendants, -1 if organisation is None else organisation.int)


class LineageCache:
    """Encoded lineage responses with the ids each depends on, up to ``max_bytes`` of them,
    least recently used first out.

    A change is recorded as the notice count at which each id last changed; an entry is
    valid while none of its ids changed after it was read (checked when it is asked for,
    and only if any notice arrived since). Everything is held in ints, bytes and tuples of
    them, which the cyclic garbage collector does not track: a full cache costs collections
    nothing (with UUIDs and per-id sets, a miss had cost 60% more CPU).

    >>> cache = LineageCache(max_bytes=1024)
    >>> cache.listening(True)
    >>> a, b = uuid.UUID(int=1), uuid.UUID(int=2)
    >>> ticket = cache.ticket()
    >>> cache.keep((a, 5, 3, None), b"{}", {a, b}, ticket)
    >>> cache.get((a, 5, 3, None))
    b'{}'
    >>> cache.changed([b])
    >>> cache.get((a, 5, 3, None)) is None
    True
    """

    def __init__(self, max_bytes: int = DEFAULT_BYTES, *, max_changes: int = MAX_CHANGES) -> None:
        if max_bytes < 1 or max_changes < 1:
            raise ValueError("max_bytes and max_changes must be at least 1")
        self._max_bytes = max_bytes
        self._max_changes = max_changes
        self._bytes = 0
        self._entries: OrderedDict[tuple[int, int, int, int], _Stored] = OrderedDict()
        self._changed_at: dict[int, int] = {}
        self._floor = 0
        """Entries read before this notice count are stale (the memory of changes restarted)."""
        self._notices = 0
        self._trusted = False
        self.hits = 0
        self.misses = 0

    @property
    def trusted(self) -> bool:
        """Whether entries are kept and served (only while every notice is heard)."""
        return self._trusted

    def listening(self, connected: bool) -> None:
        """The listener's state: entries are trusted only while it is connected; anything
        kept before is dropped either way (notices may have been missed)."""
        self._trusted = connected
        self._notices += 1
        self._entries.clear()
        self._changed_at.clear()
        self._floor = self._notices
        self._bytes = 0

    def ticket(self) -> int:
        """Taken before reading a lineage: :meth:`keep` refuses the response if any id it
        read has changed since (its rows may predate the change)."""
        return self._notices

    def get(self, key: LineageKey) -> bytes | None:
        """The kept response for ``key``, if any and still valid."""
        packed = _packed(key)
        stored = self._entries.get(packed) if self._trusted else None
        if stored is not None and not self._valid(stored):
            self._drop(packed)
            stored = None
        if stored is None:
            self.misses += 1
            return None
        self._entries.move_to_end(packed)
        self.hits += 1
        return stored[0]

    def _valid(self, stored: _Stored) -> bool:
        _, ids, read_at = stored
        if read_at == self._notices:
            return True
        if read_at < self._floor:
            return False
        changed_at = self._changed_at.get
        # a change counted at or before the ticket was committed before the read began
        return all(changed_at(ident, -1) <= read_at for ident in ids)

    def keep(
        self, key: LineageKey, body: bytes, depends_on: Iterable[uuid.UUID], ticket: int
    ) -> None:
        """Keep ``body`` for ``key`` unless an id it read changed since ``ticket`` was taken
        (notices about other animals do not matter)."""
        if not self._trusted or len(body) > self._max_bytes:
            return
        stored = (body, tuple(ident.int for ident in depends_on), ticket)
        if not self._valid(stored):
            return
        packed = _packed(key)
        self._drop(packed)
        self._entries[packed] = stored
        self._bytes += len(body)
        while self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))

    def changed(self, ids: Iterable[uuid.UUID]) -> None:
        """A notice: these animals (or clutches) changed; entries that read one are stale."""
        self._notices += 1
        if len(self._changed_at) >= self._max_changes:
            self._changed_at.clear()
            self._floor = self._notices
        for ident in ids:
            self._changed_at[ident.int] = self._notices

    def _drop(self, packed: tuple[int, int, int, int]) -> None:
        stored = self._entries.pop(packed, None)
        if stored is not None:
            self._bytes -= len(stored[0])

    def __len__(self) -> int:
        """Entries kept (some may be found stale when next asked for)."""
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        """Bytes of responses kept."""
        return self._bytes


class LineageCacheMetrics(Collector):
    """The cache's figures on ``/metrics``: hits and misses since start, entries, bytes, and
    whether it is in use (1 while the change listener is connected)."""

    def __init__(self, cache: LineageCache, service: str) -> None:
        self._cache = cache
        self._service = service

    def collect(self) -> Iterator[Metric]:
        """Read the figures at scrape time."""
        cache = self._cache
        figures: tuple[tuple[Any, str, str, float], ...] = (
            (CounterMetricFamily, "hits", "Lineages served from the cache.", cache.hits),
            (CounterMetricFamily, "misses", "Lineages computed (absent or stale).", cache.misses),
            (GaugeMetricFamily, "entries", "Lineage responses kept.", len(cache)),
            (GaugeMetricFamily, "bytes", "Bytes of lineage responses kept.", cache.size_bytes),
            (GaugeMetricFamily, "in_use", "1 while change notices are heard.", cache.trusted),
        )
        yield from metric_families("reptidex_lineage_cache_", self._service, figures)
