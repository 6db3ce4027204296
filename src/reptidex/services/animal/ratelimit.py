"""A fixed-window rate limit per client address: in memory, or in Redis when it is configured.

Redis makes the limit hold across replicas; the in-memory window suits the embedded default.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from litestar import Request

from reptidex.domain.errors import RateLimited


class MemoryWindow:
    """Counters of one process, keyed by string, each reset when its window ends.

    ``clock`` gives seconds from any fixed origin (by default :func:`time.monotonic`).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, float]] = {}

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        """Count one event; seconds to wait when the count now exceeds ``limit``."""
        now = self._clock()
        count, ends = self._counts.get(key, (0, now + window))
        if now >= ends:
            count, ends = 0, now + window
        count += 1
        self._counts[key] = (count, ends)
        if len(self._counts) > 100_000:  # forget ended windows rather than grow without bound
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        return max(1, int(ends - now + 0.999)) if count > limit else None


class RedisWindow:
    """The same counters in Redis (``INCR`` + ``EXPIRE``), shared by every replica."""

    def __init__(self, redis: Any, prefix: str = "reptidex:animal:rate:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        """Count one event; seconds to wait when the count now exceeds ``limit``."""
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return max(1, int(ttl)) if int(count) > limit else None


class AddressLimit:
    """At most ``limit`` requests per ``window`` seconds from one client address."""

    def __init__(self, name: str, limit: int, window: int = 60) -> None:
        self.name = name
        self.limit = limit
        self.window = window
        self._memory = MemoryWindow()

    async def check(self, request: Request[Any, Any, Any]) -> None:
        """Count ``request``; raise :class:`RateLimited` (HTTP 429) past the limit."""
        if self.limit <= 0:
            return
        address = request.client.host if request.client else "unknown"
        redis = request.app.state["resources"].redis
        counter: MemoryWindow | RedisWindow = (
            RedisWindow(redis) if redis is not None else self._memory
        )
        retry_after = await counter.hit(f"{self.name}:{address}", self.limit, self.window)
        if retry_after is not None:
            raise RateLimited(
                f"At most {self.limit} requests per {self.window} s from one address; "
                f"try again in {retry_after} s.",
                retry_after=retry_after,
            )
