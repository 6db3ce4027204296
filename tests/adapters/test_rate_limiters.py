"""The rate limit counters one by one: memory (its window and housekeeping), Redis (a window is
a key that expires when the window ends, never later) and the fallback between them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from structlog.testing import capture_logs

from reptidex.adapters.rate_limits import (
    FallbackRateLimiter,
    MemoryRateLimiter,
    RedisRateLimiter,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- memory ------------------------------------------------------------------------------------


async def test_memory_keeps_windows_until_more_than_ten_thousand() -> None:
    clock = Clock()
    memory = MemoryRateLimiter(clock)
    for n in range(10_000):
        await memory.hit(f"k{n}", 5, 1)
    clock.now += 1  # every window has ended, exactly now
    await memory.hit("k0", 5, 1)  # 10,000 kept: no housekeeping yet (k0 replaced)
    assert memory.tracked == 10_000
    await memory.hit("fresh", 5, 1)
    assert memory.tracked == 10_001
    await memory.hit("another", 5, 1)  # more than 10,000: the ended windows go
    assert memory.tracked == 3  # k0, fresh and another are current


async def test_memory_reset_forgets_a_key_and_ignores_an_unknown_one() -> None:
    memory = MemoryRateLimiter(Clock())
    await memory.hit("a", 1, 60)
    assert await memory.hit("a", 1, 60) == 60
    await memory.reset("a")
    await memory.reset("never-seen")
    assert await memory.hit("a", 1, 60) is None


async def test_memory_exceeded_reads_without_counting() -> None:
    clock = Clock()
    memory = MemoryRateLimiter(clock)
    assert await memory.exceeded("a", 2, 60) is None
    await memory.hit("a", 2, 60)
    assert await memory.exceeded("a", 2, 60) is None
    await memory.hit("a", 2, 60)
    clock.now += 59.5
    assert await memory.exceeded("a", 2, 60) == 1  # never less than a second
    assert await memory.exceeded("a", 2, 60) == 1  # reading did not count


# -- Redis -------------------------------------------------------------------------------------


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def _only_key(client: aioredis.Redis) -> Any:
    keys = [key async for key in client.scan_iter("*")]
    assert len(keys) == 1, keys
    return keys[0]


async def test_redis_later_hits_never_push_the_window_end_back(redis: aioredis.Redis) -> None:
    counter = RedisRateLimiter(redis)
    await counter.hit("ip", 5, 60)
    key = await _only_key(redis)
    assert key.startswith(b"reptidex:ratelimit:")
    assert b"ip" not in key  # hashed: no address in the clear
    await redis.pexpire(key, 30_000)  # as if 30 s of the window had passed
    await counter.hit("ip", 5, 60)
    assert 0 < await redis.pttl(key) <= 30_000


async def test_redis_exceeded_waits_at_least_a_second(redis: aioredis.Redis) -> None:
    counter = RedisRateLimiter(redis)
    assert await counter.exceeded("ip", 1, 60) is None
    await counter.hit("ip", 1, 60)
    key = await _only_key(redis)
    await redis.pexpire(key, 900)
    assert await counter.exceeded("ip", 1, 60) == 1
    await counter.reset("ip")
    assert await counter.exceeded("ip", 1, 60) is None


# -- the fallback ------------------------------------------------------------------------------


class Switchable:
    """Stands in for the Redis counter: answers from memory, or fails like a Redis that is away."""

    def __init__(self, error: Exception) -> None:
        self.memory = MemoryRateLimiter(Clock())
        self.error = error
        self.down = False
        self.calls = 0

    async def _answer(self, work: Callable[[], Awaitable[Any]]) -> Any:
        self.calls += 1
        if self.down:
            raise self.error
        return await work()

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        return await self._answer(lambda: self.memory.hit(key, limit, window))  # type: ignore[no-any-return]

    async def exceeded(self, key: str, limit: int, window: int) -> int | None:
        return await self._answer(lambda: self.memory.exceeded(key, limit, window))  # type: ignore[no-any-return]

    async def reset(self, key: str) -> None:
        await self._answer(lambda: self.memory.reset(key))


def _fallback(error: Exception, clock: Clock) -> tuple[FallbackRateLimiter, Switchable]:
    limiter = FallbackRateLimiter(aioredis.Redis(), monotonic=clock)
    shared = Switchable(error)
    limiter._redis = shared  # type: ignore[assignment]
    return limiter, shared


def test_fallback_defaults() -> None:
    limiter = FallbackRateLimiter(None)
    assert (limiter.timeout, limiter.retry_in) == (1.0, 5.0)
    assert limiter.in_memory


async def test_fallback_counts_in_memory_while_redis_is_away_and_returns() -> None:
    clock = Clock()
    limiter, shared = _fallback(RedisConnectionError(), clock)
    await limiter.hit("a", 1, 60)
    assert not limiter.in_memory
    assert shared.calls == 1

    shared.down = True
    with capture_logs() as logs:
        assert await limiter.hit("a", 1, 60) is None  # counted in memory: a fresh window
        assert await limiter.hit("a", 1, 60) == 60
        clock.now += 4.9
        await limiter.exceeded("a", 1, 60)
    assert shared.calls == 2  # Redis was not asked again within retry_in
    assert limiter.in_memory
    assert logs == [
        {
            "event": "rate limits count in memory: Redis does not answer",
            "log_level": "warning",
            "error": "ConnectionError",  # no message: the kind of error
        }
    ]

    clock.now += 0.1  # exactly retry_in after the failure: Redis is tried again
    shared.down = False
    with capture_logs() as logs:
        assert await limiter.hit("a", 1, 60) == 60  # the shared count: 2 hits
    assert shared.calls == 3
    assert not limiter.in_memory
    assert logs == [{"event": "rate limits count in Redis again", "log_level": "info"}]


async def test_fallback_logs_the_error_message_and_resets_in_redis() -> None:
    clock = Clock()
    limiter, shared = _fallback(RedisConnectionError("connection refused"), clock)
    await limiter.hit("a", 1, 60)
    await limiter.reset("a")
    assert await shared.memory.exceeded("a", 1, 60) is None  # reset reached the shared count
    shared.down = True
    with capture_logs() as logs:
        await limiter.hit("a", 1, 60)
    assert logs[0]["error"] == "connection refused"
    assert await limiter.hit("a", 1, 60) == 60  # counted in memory during the outage
    await limiter.reset("a")  # and reset there too
    assert await limiter.hit("a", 1, 60) is None


async def test_fallback_gives_up_on_a_redis_that_hangs() -> None:
    class Hangs(Switchable):
        async def _answer(self, work: Callable[[], Awaitable[Any]]) -> Any:
            await asyncio.Event().wait()

    clock = Clock()
    limiter = FallbackRateLimiter(aioredis.Redis(), timeout=0.05, monotonic=clock)
    limiter._redis = Hangs(RedisConnectionError())  # type: ignore[assignment]
    assert await limiter.hit("a", 1, 60) is None
    assert limiter.in_memory
