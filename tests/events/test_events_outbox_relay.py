"""The transactional outbox and its relay, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import format_trace_id
from outbox_testkit import Recorder, hatchling_events, stage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.events import InProcessEventBus
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.idempotent_consumer import idempotent_handler, was_processed
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.adapters.sql.outbox_relay import OutboxRelay
from reptidex.domain.events import DomainEvent

SERVICE = "animal"
Outbox: Any = OUTBOX_MODELS[SERVICE]  # built per service: its columns are not in its type


class ProcessDied(BaseException):
    """Stands for the process dying: not an Exception, so nothing on the way catches it."""


async def unpublished(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Outbox).where(Outbox.published_at.is_(None))
            )
            or 0
        )


async def test_a_rolled_back_transaction_leaves_no_event(engine: AsyncEngine) -> None:
    publisher = Recorder()
    await stage(engine, hatchling_events(2), commit=False)
    assert await OutboxRelay(engine, SERVICE, publisher).relay_once() == 0
    assert publisher.events == []


async def test_committed_events_are_relayed_once_in_order(engine: AsyncEngine) -> None:
    events = hatchling_events(5)
    # Staged out of order, across two transactions: the relay still follows occurred_at.
    await stage(engine, [events[3], events[0], events[4]])
    await stage(engine, [events[2], events[1]])
    publisher = Recorder()
    relay = OutboxRelay(engine, SERVICE, publisher, batch_size=2)

    assert [await relay.relay_once() for _ in range(4)] == [2, 2, 1, 0]
    assert publisher.events == events
    assert await unpublished(engine) == 0
    stats = await relay.measure()
    assert (stats.published, stats.pending, stats.oldest_pending_age) == (5, 0, 0.0)


async def test_a_failed_publish_counts_an_attempt_and_keeps_the_order(engine: AsyncEngine) -> None:
    events = hatchling_events(3)
    await stage(engine, events)
    publisher = Recorder()
    relay = OutboxRelay(engine, SERVICE, publisher)
    publisher.failing = True
    assert await relay.relay_once() == 0
    assert await relay.relay_once() == 0
    async with AsyncSession(engine) as session:
        attempts = {row.event_id: row.attempts for row in await session.scalars(select(Outbox))}
    assert attempts == {events[0].id: 2, events[1].id: 0, events[2].id: 0}
    assert relay.stats.failures == 2
    assert (await relay.measure()).pending == 3

    publisher.failing = False
    assert await relay.relay_once() == 3
    assert publisher.events == events


async def test_events_committed_before_a_crash_are_relayed_by_the_next_process(
    database_url: str,
) -> None:
    events = hatchling_events(2)
    first = create_engine(database_url, pool_size=2)
    await stage(first, events)
    await first.dispose()  # the process died after the commit, before any publish

    second = create_engine(database_url, pool_size=2)
    try:
        publisher = Recorder()
        assert await OutboxRelay(second, SERVICE, publisher).relay_once() == 2
        assert publisher.events == events
    finally:
        await second.dispose()


async def test_a_crash_between_publish_and_stamp_republishes(engine: AsyncEngine) -> None:
    events = hatchling_events(2)
    await stage(engine, events)
    delivered: list[DomainEvent] = []

    class DiesAfterPublishing:
        async def publish(self, event: DomainEvent) -> None:
            delivered.append(event)
            raise ProcessDied

    with pytest.raises(ProcessDied):
        await OutboxRelay(engine, SERVICE, DiesAfterPublishing()).relay_once()
    assert delivered == events[:1]
    assert await unpublished(engine) == 2  # nothing was stamped: at least once, not at most once

    publisher = Recorder()
    assert await OutboxRelay(engine, SERVICE, publisher).relay_once() == 2
    assert publisher.events == events


async def test_the_running_relay_feeds_the_in_process_bus(engine: AsyncEngine) -> None:
    bus = InProcessEventBus()
    received: list[DomainEvent] = []
    arrived = asyncio.Event()

    async def on_animal(event: DomainEvent) -> None:
        received.append(event)
        if len(received) == 3:
            arrived.set()

    bus.subscribe("community", "animal.*", on_animal)
    relay = OutboxRelay(engine, SERVICE, bus, poll_interval=5.0)
    task = asyncio.create_task(relay.run())
    events = hatchling_events(3)
    await stage(engine, events)
    relay.wake()  # no 5 s poll: a commit wakes the relay
    await asyncio.wait_for(arrived.wait(), timeout=5)
    relay.stop()
    await asyncio.wait_for(task, timeout=5)
    assert received == events
    assert relay.stats.published == 3


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_replicas_on_postgres_never_publish_a_row_twice(database_url: str) -> None:
    events = hatchling_events(40)
    engines = [create_engine(database_url, pool_size=2) for _ in range(3)]
    try:
        await stage(engines[0], events)
        publisher = Recorder()

        async def replica(engine: AsyncEngine) -> None:
            relay = OutboxRelay(engine, SERVICE, publisher, batch_size=7)
            while await unpublished(engine):
                await relay.relay_once()

        await asyncio.gather(*(replica(engine) for engine in engines))
        assert sorted(e.id for e in publisher.events) == sorted(e.id for e in events)
        assert publisher.events == events  # one replica at a time: the order holds too
    finally:
        for engine in engines:
            await engine.dispose()


async def test_old_published_rows_and_consumer_marks_are_pruned(engine: AsyncEngine) -> None:
    events = hatchling_events(3)
    await stage(engine, events)
    relay = OutboxRelay(engine, SERVICE, Recorder(), batch_size=2)
    assert await relay.relay_once() == 2  # the third stays unpublished

    async def no_effect(event: DomainEvent, session: AsyncSession) -> None:
        return None

    await idempotent_handler(engine, SERVICE, "animal", no_effect)(events[0])

    assert await relay.prune() == 0  # nothing is old yet
    later = dt.datetime.now(dt.UTC) + relay.retention + dt.timedelta(minutes=1)
    assert await relay.prune(now=later) == 3  # two published rows and one mark
    assert await unpublished(engine) == 1  # an unpublished row is never pruned
    assert not await was_processed(engine, SERVICE, "animal", events[0])


async def test_an_event_staged_in_a_traced_request_is_relayed_with_its_trace_context(
    engine: AsyncEngine,
) -> None:
    traced, untraced = hatchling_events(2)
    with TracerProvider().get_tracer("test").start_as_current_span("POST /animals") as span:
        await stage(engine, [traced])
    await stage(engine, [untraced])
    publisher = Recorder()
    assert await OutboxRelay(engine, SERVICE, publisher).relay_once() == 2
    relayed_traced, relayed_untraced = publisher.events
    trace_id = format_trace_id(span.get_span_context().trace_id)
    assert relayed_traced.id == traced.id
    assert relayed_traced.trace_context["traceparent"].split("-")[1] == trace_id
    assert relayed_untraced == untraced
    assert relayed_untraced.trace_context == {}
