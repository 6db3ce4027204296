"""The fixed windows of the rate limiter the genetics limit counts with: they end, and a new one
starts, in memory and in Redis (where the key's expiry is the window)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from reptidex.adapters.rate_limits import MemoryRateLimiter, RedisRateLimiter


class Clock:
    """Seconds, set by the test."""

    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_memory_window_ends_and_the_count_starts_again() -> None:
    clock = Clock()
    window = MemoryRateLimiter(clock)
    assert [await window.hit("ip", 2, 60) for _ in range(3)] == [None, None, 60]
    clock.now += 59.5
    assert await window.hit("ip", 2, 60) == 1  # the same window: still refused
    clock.now += 0.5  # 60 s after the first request
    assert [await window.hit("ip", 2, 60) for _ in range(3)] == [None, None, 60]
    clock.now += 3600  # long after: a fresh window again
    assert await window.hit("ip", 2, 60) is None


async def test_memory_windows_are_per_key() -> None:
    clock = Clock()
    window = MemoryRateLimiter(clock)
    assert [await window.hit("a", 1, 60) for _ in range(2)] == [None, 60]
    clock.now += 10
    assert await window.hit("b", 1, 60) is None
    assert await window.hit("a", 1, 60) == 50
    clock.now += 50
    assert await window.hit("a", 1, 60) is None
    assert await window.hit("b", 1, 60) == 10


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def only_key(client: aioredis.Redis) -> bytes:
    keys = [key async for key in client.scan_iter("*")]
    assert len(keys) == 1, keys
    return keys[0]  # type: ignore[no-any-return]


async def test_a_redis_window_is_a_key_expiring_with_the_window(redis: aioredis.Redis) -> None:
    window = RedisRateLimiter(redis)
    assert await window.hit("ip", 2, 60) is None
    key = await only_key(redis)
    # the key expires when the window ends: 60 s from the first request (allowing for a slow
    # machine), never without an expiry (-1)
    assert 55_000 < await redis.pttl(key) <= 60_000
    assert await window.hit("ip", 2, 60) is None
    wait = await window.hit("ip", 2, 60)
    assert wait is not None
    assert 55 <= wait <= 60
    # later requests do not push the window's end back
    before = await redis.pttl(key)
    await window.hit("ip", 2, 60)
    assert await redis.pttl(key) <= before


async def test_a_redis_window_ends_and_the_count_starts_again(redis: aioredis.Redis) -> None:
    window = RedisRateLimiter(redis)
    assert [await window.hit("ip", 1, 1) for _ in range(2)] == [None, 1]
    key = await only_key(redis)
    deadline = time.monotonic() + 5
    while await redis.exists(key):  # Redis ends the 1 s window by expiring the key
        assert time.monotonic() < deadline, "the window's key never expired"
        await asyncio.sleep(0.05)
    assert [await window.hit("ip", 1, 1) for _ in range(2)] == [None, 1]
