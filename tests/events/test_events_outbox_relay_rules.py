"""The outbox relay's finer rules: its defaults, the order of simultaneous events, what an event
carries, the advisory lock between replicas, failures logged and counted, and housekeeping on
its schedule and to the microsecond."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from outbox_testkit import Recorder, hatchling_events, stage
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from structlog.testing import capture_logs

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.idempotent_consumer import idempotent_handler
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.adapters.sql.outbox_relay import OutboxRelay, outbox_lock_key
from reptidex.adapters.sql.processed_event import PROCESSED_EVENT_MODELS
from reptidex.domain.events import DomainEvent, new_event

SERVICE = "animal"
Outbox: Any = OUTBOX_MODELS[SERVICE]
Processed: Any = PROCESSED_EVENT_MODELS[SERVICE]


def test_the_documented_defaults(tmp_path: Path) -> None:
    relay = OutboxRelay(create_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db"), SERVICE, Recorder())
    assert relay.batch_size == 100
    assert relay.poll_interval == 0.5
    assert relay.max_backoff == 30.0
    assert relay.retention == dt.timedelta(days=7)
    assert relay.prune_interval == 3600.0


def test_lock_keys_are_signed_64_bit_and_one_per_service() -> None:
    # known answers: sha256("reptidex.outbox.<service>")[:8], big-endian, signed
    assert outbox_lock_key("animal") == 5147174670826753882
    assert outbox_lock_key("media") == -6595731148655803626
    keys = {outbox_lock_key(s) for s in ("core", "animal", "commerce", "media", "community", "ops")}
    assert len(keys) == 6
    assert all(-(2**63) <= key < 2**63 for key in keys)


async def test_simultaneous_events_go_out_in_row_id_order(engine: AsyncEngine) -> None:
    moment = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    events = [
        new_event("animal.created", producer=SERVICE, payload={"n": n}, occurred_at=moment)
        for n in range(8)
    ]
    await stage(engine, events)
    async with AsyncSession(engine) as session:
        by_row = [row.event_id for row in await session.scalars(select(Outbox).order_by(Outbox.id))]
    publisher = Recorder()
    assert await OutboxRelay(engine, SERVICE, publisher).relay_once() == 8
    assert [event.id for event in publisher.events] == by_row


async def test_an_event_keeps_every_field_through_the_outbox(engine: AsyncEngine) -> None:
    event = new_event(
        "animal.updated",
        producer=SERVICE,
        version=3,
        organisation_id=uuid.uuid4(),
        actor_id=uuid.uuid4(),
        payload={"code": "P-1", "genes": ["Pastel"]},
        occurred_at=dt.datetime(2026, 5, 1, 8, 30, 15, 250000, tzinfo=dt.UTC),
    )
    await stage(engine, [event])
    publisher = Recorder()
    await OutboxRelay(engine, SERVICE, publisher).relay_once()
    assert publisher.events == [event]
    (received,) = publisher.events
    assert (received.version, received.organisation_id, received.actor_id) == (
        3,
        event.organisation_id,
        event.actor_id,
    )
    assert received.occurred_at.tzinfo is not None


async def test_the_age_of_the_oldest_pending_event_is_measured(engine: AsyncEngine) -> None:
    events = hatchling_events(2)  # occurred on 2026-03-01
    await stage(engine, events)
    relay = OutboxRelay(engine, SERVICE, Recorder())
    before = (dt.datetime.now(dt.UTC) - events[0].occurred_at).total_seconds()
    stats = await relay.measure()
    after = (dt.datetime.now(dt.UTC) - events[0].occurred_at).total_seconds()
    assert stats.pending == 2
    assert before <= stats.oldest_pending_age <= after


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_replica_holding_the_lock_keeps_the_others_out(engine: AsyncEngine) -> None:
    await stage(engine, hatchling_events(3))
    publisher = Recorder()
    relay = OutboxRelay(engine, SERVICE, publisher)
    async with engine.connect() as other_replica:
        await other_replica.execute(
            text("SELECT pg_advisory_lock(:key)"), {"key": outbox_lock_key(SERVICE)}
        )
        assert await relay.relay_once() == 0
        assert publisher.events == []
        await other_replica.execute(
            text("SELECT pg_advisory_unlock(:key)"), {"key": outbox_lock_key(SERVICE)}
        )
    assert await relay.relay_once() == 3


async def test_a_failed_publish_is_logged_with_the_event(engine: AsyncEngine) -> None:
    (event,) = hatchling_events(1)
    await stage(engine, [event])
    publisher = Recorder()
    publisher.failing = True
    relay = OutboxRelay(engine, SERVICE, publisher)
    with capture_logs() as logs:
        assert await relay.relay_once() == 0
    assert logs == [
        {
            "event": "outbox publish failed",
            "log_level": "warning",
            "service": SERVICE,
            "event_id": str(event.id),
            "event_type": "animal.created",
            "attempts": 1,
            "error": "ConnectionError('bus is down')",
        }
    ]
    assert relay.stats.last_error == "ConnectionError('bus is down')"


async def test_a_failed_pass_is_counted_logged_and_reported(tmp_path: Path) -> None:
    # a database without the outbox table: every pass fails inside the database
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    try:
        relay = OutboxRelay(engine, SERVICE, Recorder())
        with capture_logs() as logs:
            assert await relay._guarded_pass() == (0, True)
            assert await relay._guarded_pass() == (0, True)
        assert relay.stats.failures == 2
        assert relay.stats.last_error is not None
        assert "outbox_message" in relay.stats.last_error
        assert [entry["event"] for entry in logs] == ["outbox relay pass failed"] * 2
        assert logs[0]["service"] == SERVICE
        assert logs[0]["error"] == relay.stats.last_error
    finally:
        await engine.dispose()


async def test_housekeeping_runs_at_once_then_once_per_interval(engine: AsyncEngine) -> None:
    clock = [1000.0]
    relay = OutboxRelay(engine, SERVICE, Recorder(), monotonic=lambda: clock[0])
    pruned: list[float] = []

    async def counting_prune(now: dt.datetime | None = None) -> int:
        pruned.append(clock[0])
        return 0

    relay.prune = counting_prune  # type: ignore[method-assign]
    assert await relay._guarded_pass() == (0, False)  # the first pass prunes
    clock[0] += 3599.0
    await relay._guarded_pass()
    clock[0] += 1.0
    await relay._guarded_pass()
    assert pruned == [1000.0, 4600.0]
    assert relay.stats.failures == 0


async def _stamp(engine: AsyncEngine, model: Any, column: str, moment: dt.datetime) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await session.execute(update(model).values({column: moment}))


async def _count(engine: AsyncEngine, model: Any) -> int:
    async with AsyncSession(engine) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_housekeeping_keeps_rows_exactly_as_old_as_the_retention(engine: AsyncEngine) -> None:
    events = hatchling_events(1)
    await stage(engine, events)
    relay = OutboxRelay(engine, SERVICE, Recorder())
    await relay.relay_once()

    async def no_effect(event: DomainEvent, session: AsyncSession) -> None:
        return None

    await idempotent_handler(engine, SERVICE, SERVICE, no_effect)(events[0])
    stamped = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    await _stamp(engine, Outbox, "published_at", stamped)
    await _stamp(engine, Processed, "created_at", stamped)

    assert await relay.prune(now=stamped + relay.retention) == 0  # exactly at the cutoff: kept
    assert (await _count(engine, Outbox), await _count(engine, Processed)) == (1, 1)
    later = stamped + relay.retention + dt.timedelta(microseconds=1)
    assert await relay.prune(now=later) == 2
    assert (await _count(engine, Outbox), await _count(engine, Processed)) == (0, 0)
