"""The in-process bus: pattern subscriptions, groups, bounded retries, shutdown."""

from __future__ import annotations

import pytest

from reptidex.adapters.events import InProcessEventBus
from reptidex.domain.events import DomainEvent, EventHandler, new_event


def recorder(into: list[tuple[str, str]], label: str) -> EventHandler:
    async def handle(event: DomainEvent) -> None:
        into.append((label, event.type))

    return handle


async def test_each_group_gets_the_events_its_patterns_match() -> None:
    bus = InProcessEventBus()
    seen: list[tuple[str, str]] = []
    bus.subscribe("community", "animal.*", recorder(seen, "community:animal"))
    bus.subscribe("ops", "*", recorder(seen, "ops:any"))
    bus.subscribe("media", "animal.photo.added", recorder(seen, "media:photo"))
    await bus.start()

    await bus.publish(new_event("animal.created", producer="animal"))
    await bus.publish(new_event("animal.photo.added", producer="animal"))
    await bus.publish(new_event("user.registered", producer="core"))

    assert sorted(seen) == sorted(
        [
            ("community:animal", "animal.created"),
            ("ops:any", "animal.created"),
            ("community:animal", "animal.photo.added"),
            ("ops:any", "animal.photo.added"),
            ("media:photo", "animal.photo.added"),
            ("ops:any", "user.registered"),
        ]
    )
    await bus.close()


async def test_a_failing_handler_is_retried_then_dead_lettered_without_harming_others() -> None:
    bus = InProcessEventBus(max_attempts=3, retry_delay=0.001)
    calls: list[str] = []
    seen: list[tuple[str, str]] = []

    async def flaky(event: DomainEvent) -> None:
        calls.append("flaky")
        if len(calls) < 2:
            raise RuntimeError("database hiccup")

    async def broken(event: DomainEvent) -> None:
        raise ValueError("never works")

    bus.subscribe("ops", "audit.*", flaky)
    bus.subscribe("community", "audit.*", broken)
    bus.subscribe("media", "audit.*", recorder(seen, "media"))

    event = new_event("audit.recorded", producer="ops")
    await bus.publish(event)

    assert calls == ["flaky", "flaky"]
    assert seen == [("media", "audit.recorded")]
    [dead] = bus.dead_letters
    assert (dead.group, dead.event, dead.attempts) == ("community", event, 3)
    assert "never works" in dead.error


async def test_unsubscribe_and_close() -> None:
    bus = InProcessEventBus()
    seen: list[tuple[str, str]] = []
    bus.subscribe("ops", "user.*", recorder(seen, "ops"))
    await bus.unsubscribe("ops")
    await bus.publish(new_event("user.registered", producer="core"))
    assert seen == []
    await bus.close()
    with pytest.raises(RuntimeError, match="closed"):
        await bus.publish(new_event("user.registered", producer="core"))


def test_patterns_are_checked_on_subscribe() -> None:
    bus = InProcessEventBus()

    async def handle(event: DomainEvent) -> None:
        return None

    with pytest.raises(ValueError, match="pets"):
        bus.subscribe("ops", "pets.*", handle)
