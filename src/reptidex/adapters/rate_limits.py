"""Fixed-window rate limit counters (:class:`~reptidex.domain.rate_limits.RateLimiter`): in
memory (one process), in Redis (shared by replicas), and Redis with memory to fall back on.

Every service counts through one :class:`FallbackRateLimiter`, built by the kernel: in Redis when
``REPTIDEX_REDIS_URL`` is set, so that a limit holds across replicas; in memory when it is not,
or for as long as Redis does not answer, so that a limit never turns into an error.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

_log = structlog.get_logger("reptidex.rate_limits")
_T = TypeVar("_T")


class MemoryRateLimiter:
    """Counters in this process's memory; right for the embedded single-process platform."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._windows: dict[str, tuple[int, float]] = {}

    @property
    def tracked(self) -> int:
        """How many windows are kept (expired ones go once more than 10,000 are)."""
        return len(self._windows)

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
        return self._prefix + hashlib.sha256(key.encode()).hexdigest()

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


class FallbackRateLimiter:
    """Counters in Redis while it answers (within ``timeout`` seconds), in this process's
    memory while it does not: a warning is logged once per outage and Redis is tried again
    after ``retry_in`` seconds. Without a Redis client, memory only.

    During an outage each replica counts on its own, so a caller may get up to the limit
    from every replica: a looser limit, but the endpoints keep answering.
    """

    def __init__(
        self,
        redis: aioredis.Redis | None,
        *,
        timeout: float = 1.0,
        retry_in: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = RedisRateLimiter(redis) if redis is not None else None
        self._memory = MemoryRateLimiter(monotonic)
        self.timeout = timeout
        self.retry_in = retry_in
        self._monotonic = monotonic
        self._down_until: float | None = None

    @property
    def in_memory(self) -> bool:
        """Whether counting happens in this process (no Redis, or Redis unreachable)."""
        return self._redis is None or self._down_until is not None

    async def _counted(
        self,
        in_redis: Callable[[RedisRateLimiter], Awaitable[_T]],
        in_memory: Callable[[MemoryRateLimiter], Awaitable[_T]],
    ) -> _T:
        if self._redis is not None and (
            self._down_until is None or self._monotonic() >= self._down_until
        ):
            try:
                result = await asyncio.wait_for(in_redis(self._redis), self.timeout)
            except (RedisError, OSError, TimeoutError) as exc:
                if self._down_until is None:
                    _log.warning(
                        "rate limits count in memory: Redis does not answer",
                        error=str(exc) or type(exc).__name__,
                    )
                self._down_until = self._monotonic() + self.retry_in
            else:
                if self._down_until is not None:
                    _log.info("rate limits count in Redis again")
                    self._down_until = None
                return result
        return await in_memory(self._memory)

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        """Count one event; seconds to wait when the count now exceeds ``limit``."""
        return await self._counted(
            lambda redis: redis.hit(key, limit, window),
            lambda memory: memory.hit(key, limit, window),
        )

    async def exceeded(self, key: str, limit: int, window: int) -> int | None:
        """Seconds to wait when ``key`` already reached ``limit``."""
        return await self._counted(
            lambda redis: redis.exceeded(key, limit, window),
            lambda memory: memory.exceeded(key, limit, window),
        )

    async def reset(self, key: str) -> None:
        """Forget ``key``."""
        await self._counted(lambda redis: redis.reset(key), lambda memory: memory.reset(key))
