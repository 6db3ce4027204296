"""The Redis Streams bus hands a read's entries at once to a handler that takes them in any
order (a batching consumer gets its batches), one by one in stream order to any other, and
acknowledges each entry only after its handlers succeeded."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.events import RedisStreamBus
from reptidex.adapters.sql.batched_consumer import batched_idempotent_handler
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.idempotent_consumer import was_processed
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.events import DomainEvent, new_event

pytestmark = pytest.mark.redis

FAST = {"block": 0.05, "claim_idle": 0.3, "max_deliveries": 5}


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def make_bus(redis_url: str) -> AsyncIterator[Callable[..., RedisStreamBus]]:
    prefix = f"reptidex-test:{uuid.uuid4().hex[:8]}:events"
    buses: list[RedisStreamBus] = []

    def build(**options: Any) -> RedisStreamBus:
        bus = RedisStreamBus.from_url(redis_url, prefix=prefix, **{**FAST, **options})
        buses.append(bus)
        return bus

    yield build
    for bus in buses:
        await bus.close(grace=0.5)


async def eventually(check: Callable[[], Awaitable[bool] | bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        outcome = check()
        if isinstance(outcome, Awaitable):
            outcome = await outcome
        if outcome:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def pending(client: aioredis.Redis, stream: str, group: str) -> int:
    summary = await client.xpending(stream, group)
    return int(summary["pending"])


class Recorder:
    """A handler noting the events it gets and how many it holds at once."""

    def __init__(self, *, any_order: bool, fail_once: set[str] | None = None) -> None:
        self.any_order = any_order
        self.seen: list[str] = []
        self.holding = 0
        self.most = 0
        self._fail_once = set(fail_once or ())

    async def __call__(self, event: DomainEvent) -> None:
        self.holding += 1
        self.most = max(self.most, self.holding)
        try:
            await asyncio.sleep(0.02)
            if event.payload["n"] in self._fail_once:
                self._fail_once.discard(event.payload["n"])
                raise RuntimeError("not this time")
            self.seen.append(event.payload["n"])
        finally:
            self.holding -= 1


def numbered(count: int) -> list[DomainEvent]:
    return [new_event("animal.updated", producer="animal", payload={"n": f"{n:02}"})
            for n in range(count)]  # fmt: skip


async def test_a_handler_taking_any_order_gets_a_reads_entries_at_once_others_in_order(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis
) -> None:
    publisher, consumer = make_bus(), make_bus(batch_size=8)
    unordered, ordered = Recorder(any_order=True), Recorder(any_order=False)
    consumer.subscribe("community", "animal.*", unordered)
    consumer.subscribe("community", "animal.updated", ordered)
    events = numbered(16)
    for event in events:  # all waiting before the consumer reads
        await publisher.publish(event)
    await consumer.start()

    await eventually(lambda: len(unordered.seen) == 16 and len(ordered.seen) == 16)
    assert 1 < unordered.most <= 8  # at once, at most a read's count
    assert ordered.most == 1
    assert ordered.seen == [e.payload["n"] for e in events]  # stream order
    await eventually(
        lambda: _nothing_pending(client, publisher.stream("animal"), "community"), within=2
    )


async def _nothing_pending(client: aioredis.Redis, stream: str, group: str) -> bool:
    return await pending(client, stream, group) == 0


async def test_a_failed_entry_of_a_read_alone_stays_pending_and_comes_back(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis
) -> None:
    publisher, consumer = make_bus(), make_bus(batch_size=8)
    handler = Recorder(any_order=True, fail_once={"03"})
    consumer.subscribe("community", "animal.*", handler)
    for event in numbered(6):
        await publisher.publish(event)
    await consumer.start()

    await eventually(lambda: len(handler.seen) == 5)
    stream = publisher.stream("animal")
    await eventually(lambda: _pending_is(client, stream, 1))  # acknowledged all but "03"
    await eventually(lambda: "03" in handler.seen)  # claimed again after claim_idle
    await eventually(lambda: _nothing_pending(client, stream, "community"))
    assert sorted(handler.seen) == ["00", "01", "02", "03", "04", "05"]


async def _pending_is(client: aioredis.Redis, stream: str, count: int) -> bool:
    return await pending(client, stream, "community") == count


async def test_a_batching_consumer_applies_a_read_in_few_transactions(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'community.sqlite3'}"
    upgrade("community", url)
    engine = create_engine(url)
    commits: list[int] = []
    sa_event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    batches: list[int] = []

    async def count(events: Sequence[DomainEvent], session: AsyncSession) -> None:
        batches.append(len(events))

    try:
        handler = batched_idempotent_handler(engine, "community", "community:count", count)
        publisher, consumer = make_bus(), make_bus(batch_size=20)
        consumer.subscribe("community", "animal.*", handler)
        events = numbered(20)
        for event in events:
            await publisher.publish(event)
        await consumer.start()
        await eventually(lambda: sum(batches) == 20)
        await eventually(lambda: _nothing_pending(client, publisher.stream("animal"), "community"))
        assert max(batches) > 1
        assert len(commits) < 20
        assert all([await was_processed(engine, "community", "community:count", e) for e in events])
    finally:
        await engine.dispose()


async def test_a_large_read_is_acknowledged_in_full(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis
) -> None:
    publisher, consumer = make_bus(), make_bus(batch_size=300)
    handler = Recorder(any_order=True)
    consumer.subscribe("community", "animal.*", handler)
    for event in numbered(300):  # more than the client's connections
        await publisher.publish(event)
    await consumer.start()

    await eventually(lambda: len(handler.seen) == 300)
    await eventually(lambda: _nothing_pending(client, publisher.stream("animal"), "community"))
    assert len(handler.seen) == 300  # handled once: nothing left pending to come back
