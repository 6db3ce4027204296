"""The outbox relay after the bus lost its data, with a bus of the test's own: which rows it
marks unpublished again (to the microsecond), what it counts and logs, and a bus it cannot
reach. The real Redis case is test_events_redis_data_loss.py's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from outbox_testkit import Clock, LosingBus, Recorder, hatchling_events, stage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from structlog.testing import capture_logs

from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.adapters.sql.outbox_relay import OutboxRelay
from reptidex.domain.events import DomainEvent

SERVICE = "animal"
Outbox: Any = OUTBOX_MODELS[SERVICE]
STAMPED = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


async def as_relay(session: AsyncSession) -> None:
    """Admit the session to the outbox's rows, as the relay is (PostgreSQL's policy)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.set_config("reptidex.outbox_relay", "on", True)))


async def stamp(engine: AsyncEngine, seconds: list[int]) -> None:
    """Publish one staged row per entry, stamped ``STAMPED + seconds``, in order."""
    await stage(engine, hatchling_events(len(seconds)))
    async with AsyncSession(engine) as session, session.begin():
        await as_relay(session)
        rows = (await session.scalars(select(Outbox).order_by(Outbox.occurred_at))).all()
        for row, second in zip(rows, seconds, strict=True):
            row.published_at = STAMPED + dt.timedelta(seconds=second)


async def unpublished(engine: AsyncEngine) -> list[str]:
    async with AsyncSession(engine) as session, session.begin():
        await as_relay(session)
        rows = await session.scalars(
            select(Outbox.payload).where(Outbox.published_at.is_(None)).order_by(Outbox.occurred_at)
        )
        return [payload["code"] for payload in rows]


def relay_on(engine: AsyncEngine, bus: LosingBus, clock: Clock) -> OutboxRelay:
    relay = OutboxRelay(engine, SERVICE, bus, monotonic=clock)
    assert relay.loss_watch is not None
    relay.loss_watch.margin = dt.timedelta(0)
    return relay


async def test_a_bus_that_cannot_lose_data_is_not_watched(engine: AsyncEngine) -> None:
    relay = OutboxRelay(engine, SERVICE, Recorder())
    assert relay.loss_watch is None
    assert await relay.recover() == 0


async def test_rows_stamped_at_or_after_the_watermark_are_published_again(
    engine: AsyncEngine,
) -> None:
    bus, clock = LosingBus(stored="first"), Clock()
    relay = relay_on(engine, bus, clock)
    assert relay.loss_watch is not None
    assert relay.loss_watch.owner == SERVICE
    await stamp(engine, [0, 10, 20, 30])
    relay.stats.by_type["animal.created"] = 4  # the families it publishes
    bus.watermark = STAMPED + dt.timedelta(seconds=10)
    assert await relay.recover() == 0  # the epoch as it was: nothing lost
    assert bus.owners == [SERVICE]
    bus.stored = None  # Redis restarted without its data
    clock.now = 0.5
    assert await relay.recover() == 0  # the relay's clock says it is not time to look yet
    clock.now = 1.0
    with capture_logs() as logs:
        assert await relay.recover() == 3
    assert await unpublished(engine) == ["H-1", "H-2", "H-3"]  # H-1 exactly at the watermark
    assert relay.stats.republished == 3
    assert {"event": "outbox rows to publish again", "log_level": "warning"} | {
        "service": SERVICE,
        "rows": 3,
    } in logs
    # a second loss counts on
    await relay.relay_once()
    bus.stored, clock.now = None, 2.0
    assert await relay.recover() == 4  # no watermark since the loss: the last day's rows
    assert relay.stats.republished == 7


async def test_a_loss_with_nothing_to_publish_again_is_logged_as_news(
    engine: AsyncEngine,
) -> None:
    bus, clock = LosingBus(stored="first"), Clock()
    relay = relay_on(engine, bus, clock)
    assert await relay.recover() == 0
    bus.stored, clock.now = None, 1.0
    with capture_logs() as logs:
        assert await relay.recover() == 0
    assert {"event": "outbox rows to publish again", "log_level": "info"} | {
        "service": SERVICE,
        "rows": 0,
    } in logs


async def test_a_bus_it_cannot_look_at_is_logged_and_the_pass_goes_on(
    engine: AsyncEngine,
) -> None:
    bus = LosingBus(stored="first")
    bus.away = True
    relay = OutboxRelay(engine, SERVICE, bus)
    await stage(engine, hatchling_events(2))
    with capture_logs() as logs:
        published, failed = await relay._guarded_pass()
    assert (published, failed) == (2, False)
    assert [event.payload["code"] for event in bus.events] == ["H-0", "H-1"]
    assert {
        "event": "outbox relay could not look at the bus",
        "log_level": "warning",
        "service": SERVICE,
        "error": "ConnectionError('the bus is away')",
    } in logs


async def test_rows_published_again_go_out_before_newer_ones(engine: AsyncEngine) -> None:
    bus, clock = LosingBus(stored="first"), Clock()
    relay = relay_on(engine, bus, clock)
    await stamp(engine, [0, 10])
    relay.stats.by_type["animal.created"] = 2
    bus.watermark = STAMPED
    await relay.recover()
    fresh: list[DomainEvent] = hatchling_events(3)[2:]
    await stage(engine, fresh)
    bus.stored, clock.now = None, 5.0
    assert await relay.recover() == 2
    await relay.relay_once()
    assert [event.payload["code"] for event in bus.events] == ["H-0", "H-1", "H-2"]
