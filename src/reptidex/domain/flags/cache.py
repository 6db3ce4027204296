"""A per-process cache of flag reads, with a time to live and invalidation by ``config.*`` events."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from reptidex.domain.events import DomainEvent

T = TypeVar("T")


class FlagCache:
    """Remembers loaded values for ``ttl`` seconds; :meth:`invalidate` forgets them all.

    Every replica keeps its own; a change made on one replica reaches the others through the
    ``config.*`` event that :meth:`on_config_event` handles, and at worst after ``ttl``.
    """

    def __init__(
        self,
        ttl: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[object, tuple[float, object]] = {}
        self.hits = 0
        self.misses = 0

    async def get(self, key: object, load: Callable[[], Awaitable[T]]) -> T:
        """The cached value of ``key``, loading it with ``load`` when absent or expired."""
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            self.hits += 1
            return entry[1]  # type: ignore[return-value]
        self.misses += 1
        value = await load()
        if self._ttl > 0:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()  # bounded memory; a full reload is cheap
            self._entries[key] = (now + self._ttl, value)
        return value

    def invalidate(self) -> None:
        """Forget everything."""
        self._entries.clear()

    async def on_config_event(self, event: DomainEvent) -> None:
        """Event handler: any ``config.*`` event may change an evaluation, so forget everything."""
        if event.family == "config":
            self.invalidate()
