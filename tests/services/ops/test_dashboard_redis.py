"""The dashboard on a real Redis: sessions shared by replicas (their expiry and ending), and the
Redis Streams bus's backlog per consumer group and its dead letters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from litestar.stores.redis import RedisStore
from prometheus_client.registry import CollectorRegistry

from reptidex.services.kernel.peers import PeerClient
from reptidex.services.ops.dashboard.platform import PlatformWatch
from reptidex.services.ops.dashboard.sessions import (
    LIFETIME,
    DashboardSession,
    SessionStore,
    new_csrf_token,
)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


def session(started_at: float) -> DashboardSession:
    return DashboardSession(
        user_id=uuid.uuid4(),
        email="root@example.org",
        platform_admin=True,
        access_token="access",
        access_expires_at=started_at + 900,
        refresh_token="refresh",
        csrf_token=new_csrf_token(),
        started_at=started_at,
    )


async def test_sessions_are_shared_through_redis_and_end(redis: aioredis.Redis) -> None:
    replica_a = SessionStore(RedisStore(redis, namespace="reptidex-ops-dashboard"))
    replica_b = SessionStore(RedisStore(redis, namespace="reptidex-ops-dashboard"))
    kept = session(1000.0)
    session_id = await replica_a.start(kept)
    assert await replica_b.load(session_id, 1001.0) == kept
    keys = [key.decode() async for key in redis.scan_iter()]
    assert keys
    assert all(session_id not in key for key in keys)  # stored under the id's digest only
    assert await replica_b.load(session_id + "x", 1001.0) is None
    assert await replica_b.load(session_id, 1000.0 + LIFETIME.total_seconds() + 1) is None
    assert await replica_a.load(session_id, 1001.0) is None  # the old session was removed
    other = await replica_a.start(session(2000.0))
    await replica_b.end(other)
    assert await replica_a.load(other, 2001.0) is None


async def test_the_bus_backlog_per_consumer_group(redis: aioredis.Redis) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    stream = f"{prefix}:animal"
    for number in range(3):
        await redis.xadd(stream, {"n": str(number)})
    await redis.xgroup_create(stream, "ops:audit", id="0")
    await redis.xreadgroup("ops:audit", "c1", {stream: ">"}, count=2)  # two read, none acked
    await redis.xadd(f"{prefix}:dead", {"n": "x"})
    watch = PlatformWatch(
        lambda: PeerClient({}, timeout=1.0),
        CollectorRegistry(),
        2.0,
        bus_kind="redis",
        stream_prefix=prefix,
        redis=redis,
    )
    backlog = await watch.bus()
    assert backlog.detail is None
    assert backlog.dead_letters == 1
    (group,) = backlog.groups
    assert (group.stream, group.group, group.pending, group.lag) == (stream, "ops:audit", 2, 1)
    in_process = PlatformWatch(
        lambda: PeerClient({}, timeout=1.0), CollectorRegistry(), 2.0,
        bus_kind="memory", stream_prefix=prefix,
    )  # fmt: skip
    assert (await in_process.bus()).groups == []
