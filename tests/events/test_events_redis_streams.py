"""The Redis Streams bus against the real Redis: groups, acknowledgement, redelivery through
XAUTOCLAIM, dead letters, bounded streams and idempotent consumers."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import pytest
import redis.asyncio as aioredis

from reptidex.adapters.events import RedisIdempotency, RedisStreamBus
from reptidex.domain.events import DomainEvent, decode_event, new_event

pytestmark = pytest.mark.redis

FAST = {"block": 0.05, "claim_idle": 0.2, "max_deliveries": 3}


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    # A key space of our own: other tests may share the database.
    return f"reptidex-test:{uuid.uuid4().hex[:8]}:events"


@pytest.fixture
async def make_bus(redis_url: str, prefix: str) -> AsyncIterator[Callable[..., RedisStreamBus]]:
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


async def settled(client: aioredis.Redis, stream: str, group: str) -> None:
    """Wait until ``group`` has acknowledged everything it read from ``stream``."""

    async def nothing_pending() -> bool:
        return await pending(client, stream, group) == 0

    await eventually(nothing_pending)


async def test_each_group_receives_every_event_once_and_acknowledges_it(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis
) -> None:
    publisher = make_bus()
    community, ops = make_bus(), make_bus()
    seen: dict[str, list[str]] = {"community": [], "ops": []}

    def record(group: str) -> Callable[[DomainEvent], Awaitable[None]]:
        async def handle(event: DomainEvent) -> None:
            seen[group].append(event.type)

        return handle

    community.subscribe("community", "animal.*", record("community"))
    ops.subscribe("ops", "animal.created", record("ops"))
    await community.start()
    await ops.start()

    await publisher.publish(new_event("animal.created", producer="animal"))
    await publisher.publish(new_event("animal.sold", producer="animal"))
    await publisher.publish(new_event("user.registered", producer="core"))

    await eventually(lambda: len(seen["community"]) == 2 and len(seen["ops"]) == 1)
    assert seen == {"community": ["animal.created", "animal.sold"], "ops": ["animal.created"]}
    stream = publisher.stream("animal")
    await settled(client, stream, "community")
    await settled(client, stream, "ops")  # ops acknowledged the one it skipped too


async def test_replicas_of_one_service_share_the_work(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis
) -> None:
    """While one replica is busy with an event, the other takes the next ones; each event is
    handled once, by one of them."""
    publisher = make_bus()
    handled: list[tuple[str, uuid.UUID]] = []
    busy: set[str] = set()
    both_busy = asyncio.Event()
    for replica in ("a", "b"):
        # no redelivery to the other replica while a first event is held below
        bus = make_bus(consumer=f"media-{replica}", claim_idle=60.0)

        async def handle(event: DomainEvent, replica: str = replica) -> None:
            first = replica not in busy
            busy.add(replica)
            if len(busy) == 2:
                both_busy.set()
            if first:  # hold this replica's first event until the other replica has one too
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(both_busy.wait(), 5)
            handled.append((replica, event.id))

        bus.subscribe("media", "file.*", handle)
        await bus.start()
    events = [new_event("file.uploaded", producer="media") for _ in range(20)]
    for event in events:
        await publisher.publish(event)
    await eventually(lambda: len(handled) >= 20, within=15)
    await settled(client, publisher.stream("file"), "media")
    assert sorted(event_id for _, event_id in handled) == sorted(e.id for e in events)
    assert both_busy.is_set(), f"only {busy} took work"
    assert {replica for replica, _ in handled} == {"a", "b"}


async def test_a_consumer_killed_mid_handling_gets_its_event_redelivered_to_another(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis
) -> None:
    publisher = make_bus()
    doomed = make_bus(consumer="community-1")
    started = asyncio.Event()

    async def hangs(event: DomainEvent) -> None:
        started.set()
        await asyncio.Event().wait()  # never returns, never acknowledges

    doomed.subscribe("community", "order.*", hangs)
    await doomed.start()
    event = new_event("order.placed", producer="commerce")
    await publisher.publish(event)
    await asyncio.wait_for(started.wait(), timeout=5)
    await doomed.close(grace=0)  # killed mid-handling

    stream = publisher.stream("order")
    assert await pending(client, stream, "community") == 1
    survivor = make_bus(consumer="community-2")
    received: list[DomainEvent] = []

    async def handles(event: DomainEvent) -> None:
        received.append(event)

    survivor.subscribe("community", "order.*", handles)
    await survivor.start()
    await eventually(lambda: len(received) == 1)
    assert received == [event]
    await settled(client, stream, "community")


async def test_a_duplicate_delivery_has_no_second_effect(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis, prefix: str
) -> None:
    publisher = make_bus()
    consumer = make_bus()
    idempotency = RedisIdempotency(client, prefix=f"{prefix}:processed", lease=1.0)
    ledger: dict[str, int] = {}

    async def credit(event: DomainEvent) -> None:
        ledger[event.payload["order"]] = ledger.get(event.payload["order"], 0) + 1

    credit_once = idempotency.wrap("commerce", credit)
    deliveries: list[uuid.UUID] = []

    async def delivered(event: DomainEvent) -> None:
        deliveries.append(event.id)
        await credit_once(event)

    consumer.subscribe("commerce", "transaction.*", delivered)
    await consumer.start()
    event = new_event("transaction.settled", producer="core", payload={"order": "O-1"})
    await publisher.publish(event)
    await publisher.publish(event)  # the relay published it twice (at least once)
    await eventually(lambda: len(deliveries) == 2)
    await settled(client, publisher.stream("transaction"), "commerce")
    assert ledger == {"O-1": 1}
    assert await client.get(idempotency.key("commerce", event)) == b"done"


async def test_the_idempotency_mark_is_cleared_when_the_handler_fails(
    client: aioredis.Redis, prefix: str
) -> None:
    idempotency = RedisIdempotency(client, prefix=f"{prefix}:processed")
    attempts: list[int] = []

    async def fails_once(event: DomainEvent) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("mail server down")

    handler = idempotency.wrap("community", fails_once)
    event = new_event("notification.requested", producer="community")
    with pytest.raises(RuntimeError):
        await handler(event)
    await handler(event)
    await handler(event)
    assert len(attempts) == 2


async def test_a_poison_message_ends_in_the_dead_letter_stream(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis
) -> None:
    publisher = make_bus()
    consumer = make_bus(max_deliveries=3)
    attempts: list[uuid.UUID] = []

    async def chokes(event: DomainEvent) -> None:
        attempts.append(event.id)
        raise ValueError("cannot parse genotype")

    consumer.subscribe("animal", "genetics.*", chokes)
    await consumer.start()
    poison = new_event("genetics.prediction.requested", producer="animal")
    await publisher.publish(poison)
    await client.xadd(publisher.stream("genetics"), {"type": "genetics.x", "event": b"not json"})

    dead = publisher.dead_letter_stream

    async def both_dead() -> bool:
        return await client.xlen(dead) == 2

    await eventually(both_dead, within=10)
    # The client reads bytes (no decode_responses), which redis-py's types do not narrow to.
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await client.xrange(dead))
    by_reason = {fields[b"error"].decode(): fields for _, fields in entries}
    assert len(attempts) == 3  # delivered max_deliveries times, then dead-lettered
    [handled] = [f for reason, f in by_reason.items() if "genotype" in reason]
    assert decode_event(handled[b"event"]) == poison
    assert handled[b"group"] == b"animal"
    assert int(handled[b"deliveries"]) == 4
    [unreadable] = [f for reason, f in by_reason.items() if "unreadable" in reason]
    assert unreadable[b"event"] == b"not json"
    assert await pending(client, publisher.stream("genetics"), "animal") == 0


async def test_streams_are_bounded(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis
) -> None:
    publisher = make_bus(maxlen=50)
    for index in range(600):
        await publisher.publish(
            new_event("search.indexed", producer="community", payload={"n": index})
        )
    length = await client.xlen(publisher.stream("search"))
    # MAXLEN ~ trims by whole radix-tree nodes (100 entries by default): close to 50, never 600.
    assert 50 <= length <= 150


async def test_a_group_created_late_still_reads_what_the_stream_kept(
    make_bus: Callable[..., RedisStreamBus],
) -> None:
    publisher = make_bus()
    event = new_event("community.post.created", producer="community")
    await publisher.publish(event)
    late = make_bus()
    received: list[DomainEvent] = []

    async def handle(event: DomainEvent) -> None:
        received.append(event)

    late.subscribe("ops", "community.*", handle)
    await late.start()
    await eventually(lambda: received == [event])


async def test_a_graceful_stop_lets_the_handler_in_progress_finish(
    make_bus: Callable[..., RedisStreamBus], client: aioredis.Redis
) -> None:
    publisher = make_bus()
    consumer = make_bus()
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow(event: DomainEvent) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()

    consumer.subscribe("ops", "admin.*", slow)
    await consumer.start()
    await publisher.publish(new_event("admin.flag.changed", producer="core"))
    await asyncio.wait_for(started.wait(), timeout=5)
    await consumer.unsubscribe("ops")
    assert finished.is_set()
    assert await pending(client, publisher.stream("admin"), "ops") == 0
    # It left the group tidy: a stopped consumer holding nothing is removed.
    assert await client.xinfo_consumers(publisher.stream("admin"), "ops") == []
