"""When the outbox relay decides that the bus lost its data, and from when it publishes again:
the rules of :class:`BusLossWatch`, with a bus and clocks of the test's own."""

from __future__ import annotations

import datetime as dt

from outbox_testkit import Clock, LosingBus
from structlog.testing import capture_logs

from reptidex.adapters.events import RedisStreamBus
from reptidex.adapters.events.memory import InProcessEventBus
from reptidex.adapters.sql.bus_loss import BusLossWatch, RecoverableBus

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def watch(bus: LosingBus, clock: Clock | None = None) -> BusLossWatch:
    return BusLossWatch(
        bus,
        "animal",
        window=dt.timedelta(hours=1),
        margin=dt.timedelta(seconds=5),
        check_interval=1.0,
        watermark_interval=5.0,
        monotonic=clock or Clock(),
        now=lambda: NOW,
    )


def test_the_redis_bus_and_the_fake_are_recoverable_buses() -> None:
    assert isinstance(LosingBus(), RecoverableBus)
    assert issubclass(RedisStreamBus, RecoverableBus)
    assert not isinstance(InProcessEventBus(), RecoverableBus)


async def test_a_relay_that_finds_the_epoch_set_republishes_nothing() -> None:
    bus = LosingBus()
    bus.stored = "animal-0"
    assert await watch(bus).replay_since(["animal"]) is None


async def test_a_relay_that_sets_the_first_epoch_republishes_the_window() -> None:
    # the epoch was missing: a first start, or a Redis that lost its data while nobody watched
    assert await watch(LosingBus()).replay_since([]) == NOW - dt.timedelta(hours=1)


async def test_a_lost_epoch_republishes_from_the_watermark_less_the_margin() -> None:
    bus, clock = LosingBus(), Clock()
    watched = watch(bus, clock)
    assert await watched.replay_since(["animal"]) is not None  # the first epoch
    bus.watermark = NOW - dt.timedelta(minutes=3)
    clock.now = 10
    assert await watched.replay_since(["animal", "animal", "order"]) is None
    assert bus.asked[-1] == ["animal", "order"]
    assert watched.watermark == NOW - dt.timedelta(minutes=3)
    bus.lose_data()
    clock.now = 11
    since = await watched.replay_since(["animal"])
    assert since == NOW - dt.timedelta(minutes=3, seconds=5)
    assert watched.losses == 2
    assert watched.watermark is None  # measured again on the new data


async def test_a_watermark_older_than_the_window_is_held_to_the_window() -> None:
    bus, clock = LosingBus(), Clock()
    watched = watch(bus, clock)
    await watched.replay_since(["animal"])
    bus.watermark = NOW - dt.timedelta(days=3)
    clock.now = 10
    await watched.replay_since(["animal"])
    bus.lose_data()
    clock.now = 11
    assert await watched.replay_since(["animal"]) == NOW - dt.timedelta(hours=1)


async def test_an_unchanged_epoch_republishes_nothing_and_keeps_the_watermark() -> None:
    bus, clock = LosingBus(), Clock()
    bus.stored = "animal-0"
    watched = watch(bus, clock)
    bus.watermark = NOW
    for second in (0, 1, 2, 6):
        clock.now = second
        assert await watched.replay_since(["animal"]) is None
    assert watched.losses == 0
    assert watched.watermark == NOW


async def test_the_epoch_and_the_watermark_are_looked_at_only_when_due() -> None:
    bus, clock = LosingBus(), Clock()
    bus.stored = "animal-0"
    watched = watch(bus, clock)
    await watched.replay_since(["animal"])
    assert (bus.looks, len(bus.asked)) == (1, 1)
    clock.now = 0.9
    await watched.replay_since(["animal"])
    assert (bus.looks, len(bus.asked)) == (1, 1)
    clock.now = 1.0
    await watched.replay_since(["animal"])
    assert (bus.looks, len(bus.asked)) == (2, 1)
    clock.now = 5.0
    await watched.replay_since(["animal"])
    assert (bus.looks, len(bus.asked)) == (3, 2)


async def test_no_watermark_is_measured_before_anything_was_published() -> None:
    bus = LosingBus()
    bus.stored = "animal-0"
    await watch(bus).replay_since([])
    assert bus.asked == []


async def test_an_unknown_watermark_keeps_the_last_one() -> None:
    bus, clock = LosingBus(), Clock()
    bus.stored = "animal-0"
    watched = watch(bus, clock)
    bus.watermark = NOW
    await watched.replay_since(["animal"])
    bus.watermark = None  # no group reads the streams any more
    clock.now = 5
    await watched.replay_since(["animal"])
    assert watched.watermark == NOW


def test_by_default_the_epoch_is_looked_at_every_second_and_the_watermark_every_five() -> None:
    watched = BusLossWatch(LosingBus(), "animal")
    assert (watched.check_interval, watched.watermark_interval) == (1.0, 5.0)
    assert (watched.window, watched.margin) == (dt.timedelta(days=1), dt.timedelta(seconds=5))


async def test_the_epoch_asked_for_is_the_services_own() -> None:
    bus = LosingBus()
    watched = watch(bus)
    await watched.replay_since([])
    assert watched.owner == "animal"
    assert watched.epoch == "animal-1"


async def test_a_loss_is_logged_with_the_service_and_the_time_republishing_starts() -> None:
    bus, clock = LosingBus(), Clock()
    watched = watch(bus, clock)
    await watched.replay_since([])
    bus.lose_data()
    clock.now = 1
    with capture_logs() as logs:
        await watched.replay_since([])
    assert logs == [
        {
            "event": "the event bus lost its data: publishing again what it may not have delivered",
            "log_level": "warning",
            "service": "animal",
            "since": (NOW - dt.timedelta(hours=1)).isoformat(),
        }
    ]


async def test_a_missing_first_epoch_is_news_not_a_warning() -> None:
    # a first start and a bus that lost its data while no relay watched look the same
    with capture_logs() as logs:
        await watch(LosingBus()).replay_since([])
    assert logs == [
        {
            "event": "no epoch of this service on the event bus (a new bus, or one that lost "
            "its data): publishing again what it may not have delivered",
            "log_level": "info",
            "service": "animal",
            "since": (NOW - dt.timedelta(hours=1)).isoformat(),
        }
    ]
