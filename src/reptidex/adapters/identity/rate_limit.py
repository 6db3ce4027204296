"""Fixed-window rate limit counters: in memory (one process) or in Redis (shared by replicas)."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

import redis.asyncio as aioredis


class MemoryRateLimiter:
    """Counters in this process's memory; right for the embedded single-process platform."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._windows: dict[str, tuple[int, float]] = {}

    def _current(self, key: str) -> tuple[int, float] | None:
        entry = self._windows.get(key)
        if entry is not None and entry[1] <= self._monotonic():
            del self._windows[key]
            return None
        return entry

    def _prune(self) -> None:
        if len(self._windows) > 10_000:
            now = self._monotonic()
            for key in [k for k, (_, end) in self._windows.items() if end <= now]:
                del self._windows[key]

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        """Count one event; seconds to wait when the count now exceeds ``limit``."""
        self._prune()
        entry = self._current(key)
        count, ends = entry if entry else (0, self._monotonic() + window)
        count += 1
        self._windows[key] = (count, ends)
        return self._wait(ends) if count > limit else None

    async def exceeded(self, key: str, limit: int, window: int) -> int | None:
        """Seconds to wait when ``key`` already reached ``limit``."""
        entry = self._current(key)
        if entry is None or entry[0] < limit:
            return None
        return self._wait(entry[1])

    async def reset(self, key: str) -> None:
        """Forget ``key``."""
        self._windows.pop(key, None)

    def _wait(self, ends: float) -> int:
        return max(1, math.ceil(ends - self._monotonic()))


class RedisRateLimiter:
    """Counters in Redis, shared by every replica (``INCR`` + ``EXPIRE NX`` per window).

    Keys are hashed, so no email address or IP address is stored in Redis in the clear.
    """

    def __init__(self, client: aioredis.Redis, prefix: str = "reptidex:ratelimit:") -> None:
        self._client = client
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return self._prefix + hashlib.sha256(key.encode("utf-8")).hexdigest()

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        """Count one event; seconds to wait when the count now exceeds ``limit``."""
        name = self._key(key)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        if int(count) > limit:
            return max(1, int(ttl))
        return None

    async def exceeded(self, key: str, limit: int, window: int) -> int | None:
        """Seconds to wait when ``key`` already reached ``limit``."""
        name = self._key(key)
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            count, ttl = await pipe.execute()
        if count is None or int(count) < limit:
            return None
        return max(1, int(ttl))

    async def reset(self, key: str) -> None:
        """Forget ``key``."""
        await self._client.delete(self._key(key))
