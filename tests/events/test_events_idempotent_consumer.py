"""Idempotent consumers writing to their database: the mark commits with the effect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.events import InProcessEventBus
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.idempotent_consumer import idempotent_handler, was_processed
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.adapters.sql.outbox_relay import OutboxRelay
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.events import DomainEvent, new_event
from service_database import migrated_database_url

SERVICE = "community"
Outbox = OUTBOX_MODELS[SERVICE]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return migrated_database_url(request, tmp_path, SERVICE)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=4)
    yield engine
    await engine.dispose()


async def notify_followers(event: DomainEvent, session: AsyncSession) -> None:
    """The effect: a follow-up event staged in the consumer's own outbox."""
    SqlOutbox(session, SERVICE).add(
        new_event(
            "notification.requested",
            producer=SERVICE,
            payload={"because": str(event.id)},
        )
    )


async def effects(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        return int(await session.scalar(select(func.count()).select_from(Outbox)) or 0)


async def test_a_duplicate_delivery_has_no_second_effect(engine: AsyncEngine) -> None:
    handler = idempotent_handler(engine, SERVICE, "community", notify_followers)
    event = new_event("animal.listed", producer="animal")

    await handler(event)
    await handler(event)
    await handler(event)

    assert await effects(engine) == 1
    assert await was_processed(engine, SERVICE, "community", event)
    # the mark is per group and per event
    assert not await was_processed(engine, SERVICE, "community:feed", event)
    other = new_event("animal.listed", producer="animal")
    assert not await was_processed(engine, SERVICE, "community", other)


async def test_groups_are_independent(engine: AsyncEngine) -> None:
    event = new_event("animal.listed", producer="animal")
    await idempotent_handler(engine, SERVICE, "community:search", notify_followers)(event)
    await idempotent_handler(engine, SERVICE, "community:feed", notify_followers)(event)
    assert await effects(engine) == 2


async def test_a_failing_handler_leaves_no_mark_so_the_redelivery_runs(engine: AsyncEngine) -> None:
    calls: list[int] = []

    async def fails_first(event: DomainEvent, session: AsyncSession) -> None:
        calls.append(1)
        await notify_followers(event, session)
        if len(calls) == 1:
            raise RuntimeError("search index unreachable")

    handler = idempotent_handler(engine, SERVICE, "community", fails_first)
    event = new_event("animal.listed", producer="animal")
    with pytest.raises(RuntimeError):
        await handler(event)
    assert not await was_processed(engine, SERVICE, "community", event)
    assert await effects(engine) == 0  # the effect rolled back with the mark

    await handler(event)
    await handler(event)
    assert len(calls) == 2
    assert await effects(engine) == 1


async def test_a_handlers_own_integrity_error_is_a_failure_not_a_duplicate(
    engine: AsyncEngine,
) -> None:
    """A constraint broken by the handler's change is raised and leaves no mark, so the event
    is retried (and dead-lettered in the end) rather than silently taken as already handled."""
    clash = new_event("notification.requested", producer=SERVICE)
    async with AsyncSession(engine) as session, session.begin():
        SqlOutbox(session, SERVICE).add(clash)
    calls: list[int] = []

    async def stages_a_clash(event: DomainEvent, session: AsyncSession) -> None:
        calls.append(1)
        SqlOutbox(session, SERVICE).add(clash)  # an event id the outbox already holds
        await session.flush()

    handler = idempotent_handler(engine, SERVICE, "community", stages_a_clash)
    event = new_event("animal.listed", producer="animal")
    for attempt in (1, 2):
        with pytest.raises(IntegrityError):
            await handler(event)
        assert len(calls) == attempt  # the redelivery runs the handler again
        assert not await was_processed(engine, SERVICE, "community", event)
    assert await effects(engine) == 1  # only the row staged before


async def test_concurrent_duplicates_take_effect_once(engine: AsyncEngine) -> None:
    async def slow_effect(event: DomainEvent, session: AsyncSession) -> None:
        await notify_followers(event, session)
        await asyncio.sleep(0.05)

    calls: list[int] = []

    async def slow_effect_counted(event: DomainEvent, session: AsyncSession) -> None:
        calls.append(1)
        await slow_effect(event, session)

    handler = idempotent_handler(engine, SERVICE, "community", slow_effect_counted)
    event = new_event("animal.listed", producer="animal")
    results = await asyncio.gather(*(handler(event) for _ in range(4)), return_exceptions=True)
    # every delivery ends normally: the first with the effect, the others as duplicates
    assert results == [None] * 4, results
    await handler(event)
    assert await effects(engine) == 1
    assert len(calls) == 1
    assert await was_processed(engine, SERVICE, "community", event)


async def test_with_the_bus(engine: AsyncEngine) -> None:
    bus = InProcessEventBus()
    bus.subscribe(
        "community", "animal.*", idempotent_handler(engine, SERVICE, "community", notify_followers)
    )
    event = new_event("animal.listed", producer="animal")
    await bus.publish(event)
    await bus.publish(event)
    assert await effects(engine) == 1
    assert bus.dead_letters == []


async def test_a_consumer_writing_the_database_its_relay_reads(engine: AsyncEngine) -> None:
    """A service consuming its own events writes while its relay is mid-pass (SQLite too)."""
    bus = InProcessEventBus(max_attempts=1)
    bus.subscribe(
        "community", "animal.*", idempotent_handler(engine, SERVICE, "community", notify_followers)
    )
    events = [new_event("animal.listed", producer="animal") for _ in range(3)]
    async with AsyncSession(engine) as session, session.begin():
        for event in events:
            SqlOutbox(session, SERVICE).add(event)
    relay = OutboxRelay(engine, SERVICE, bus)
    assert await relay.relay_once() == 3  # each delivery staged a follow-up in the same outbox
    assert relay.stats.failures == 0
    assert bus.dead_letters == []
    assert await effects(engine) == 6
    assert await relay.relay_once() == 3  # the follow-ups (nobody subscribes to them)
