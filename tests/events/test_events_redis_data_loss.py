"""A Redis that lost its data (restarted without it): the outbox relay notices it by its epoch
and publishes again every event the consumers may not have had, so none is lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from outbox_testkit import SERVICE, hatchling_events, stage
from sqlalchemy.ext.asyncio import AsyncEngine
from test_events_redis_streams import eventually, settled

from reptidex.adapters.events import RedisStreamBus
from reptidex.adapters.sql.outbox_relay import OutboxRelay
from reptidex.domain.events import DomainEvent

pytestmark = pytest.mark.redis

FAST = {"block": 0.05, "claim_idle": 0.2}


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


def watched_relay(engine: AsyncEngine, bus: RedisStreamBus) -> OutboxRelay:
    """A relay that looks at the epoch and the watermark at every pass, with no margin."""
    relay = OutboxRelay(engine, SERVICE, bus, batch_size=1)
    assert relay.loss_watch is not None
    relay.loss_watch.margin = dt.timedelta(0)
    relay.loss_watch.check_interval = relay.loss_watch.watermark_interval = 0.0
    return relay


async def consuming(redis_url: str, seen: list[uuid.UUID]) -> RedisStreamBus:
    bus = RedisStreamBus.from_url(redis_url, **FAST)

    async def handle(event: DomainEvent) -> None:
        seen.append(event.id)

    bus.subscribe("media", "animal.*", handle)
    await bus.start()
    return bus


async def relay_all(relay: OutboxRelay) -> None:
    """Passes one row at a time, a little apart, so that no two entries share a millisecond."""
    for _ in range(100):
        if not await relay.relay_once():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the outbox did not empty")


async def test_events_not_consumed_when_redis_lost_its_data_are_published_again(
    engine: AsyncEngine, redis_url: str, client: aioredis.Redis
) -> None:
    publisher = RedisStreamBus.from_url(redis_url, **FAST)
    relay = watched_relay(engine, publisher)
    seen: list[uuid.UUID] = []
    consumer = await consuming(redis_url, seen)
    consumed, waiting = hatchling_events(7)[:3], hatchling_events(7)[3:]
    try:
        assert await relay.recover() == 0  # the first epoch, and nothing published yet
        await stage(engine, consumed)
        await relay_all(relay)
        await eventually(lambda: len(seen) == 3)
        await settled(client, publisher.stream("animal"), "media")
        await consumer.close()  # media is down: what comes now waits in the stream

        await stage(engine, waiting)
        await relay_all(relay)
        assert await relay.recover() == 0  # the watermark: up to the third event
        assert relay.loss_watch is not None
        assert relay.loss_watch.watermark is not None

        await client.flushdb()  # Redis restarted without its data
        # the third is republished too: its row was stamped after its entry's millisecond
        assert await relay.recover() == 5
        assert relay.stats.republished == 5
        await relay_all(relay)
        consumer = await consuming(redis_url, seen)
        await eventually(lambda: {e.id for e in consumed + waiting} <= set(seen))
        assert await client.xlen(publisher.stream("animal")) == 5
        assert relay.loss_watch.losses == 2  # the first epoch, then the lost one
    finally:
        await consumer.close()
        await publisher.close()


async def test_a_relay_started_after_redis_lost_its_data_publishes_its_window_again(
    engine: AsyncEngine, redis_url: str, client: aioredis.Redis
) -> None:
    publisher = RedisStreamBus.from_url(redis_url, **FAST)
    try:
        await stage(engine, hatchling_events(4))
        await relay_all(watched_relay(engine, publisher))
        await client.flushdb()  # lost while the service was restarting: no watermark is known
        restarted = watched_relay(engine, publisher)
        assert await restarted.recover() == 4
        await relay_all(restarted)
        assert await client.xlen(publisher.stream("animal")) == 4
        # a relay that starts on an epoch already there publishes nothing again
        assert await watched_relay(engine, publisher).recover() == 0
    finally:
        await publisher.close()


async def test_the_watermark_stops_before_the_oldest_unacknowledged_entry(
    redis_url: str, client: aioredis.Redis
) -> None:
    bus = RedisStreamBus.from_url(redis_url, **FAST)
    stream = bus.stream("animal")
    try:
        assert await bus.consumed_until(["animal"]) is None  # no stream
        for entry in ("1000-0", "2000-0", "3000-0"):
            await client.xadd(stream, {"type": "animal.created", "event": "{}"}, id=entry)
        assert await bus.consumed_until(["animal"]) is None  # no group reads it
        await client.xgroup_create(stream, "media", id="0")
        await client.xgroup_create(stream, "ops", id="0")
        await client.xreadgroup("media", "m", {stream: ">"}, count=2)
        await client.xreadgroup("ops", "o", {stream: ">"}, count=3)
        await client.xack(stream, "ops", "1000-0", "2000-0", "3000-0")

        def at(milliseconds: int) -> dt.datetime:
            return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC)

        assert await bus.consumed_until(["animal", "order"]) == at(999)  # media holds 1000-0
        await client.xack(stream, "media", "1000-0")
        assert await bus.consumed_until(["animal"]) == at(1999)
        await client.xack(stream, "media", "2000-0")
        assert await bus.consumed_until(["animal"]) == at(2000)  # media has not read 3000-0
    finally:
        await bus.close()


async def test_the_epoch_is_set_once_per_service(redis_url: str, client: aioredis.Redis) -> None:
    bus = RedisStreamBus.from_url(redis_url, **FAST)
    try:
        first, created = await bus.epoch("animal")
        assert created
        assert await bus.epoch("animal") == (first, False)
        other, created = await bus.epoch("media")
        assert created
        assert other != first
        await client.delete(bus.epoch_key("animal"))
        again, created = await bus.epoch("animal")
        assert created
        assert again != first
    finally:
        await bus.close()
