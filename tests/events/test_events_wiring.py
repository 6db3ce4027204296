"""The bus wired into the services: one bus shared by services of one process, relay and
subscriptions in the app lifespan, relay figures on /metrics, Redis when configured."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.events import InProcessEventBus, RedisStreamBus
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.events import DomainEvent, new_event
from reptidex.services.kernel.events import events_of
from reptidex.services.kernel.settings import Settings, SettingsError
from reptidex.services.registry import APP_FACTORIES
from reptidex.services.runner import build_apps


def running(app: Litestar):  # type: ignore[no-untyped-def]
    """The app's lifespan in this event loop (the test client would run it in a thread)."""
    return app.lifespan()


def http(app: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar types ASGI more narrowly than httpx
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def commit_event(app: Litestar, event: DomainEvent) -> None:
    events = events_of(app)
    async with AsyncSession(events.engine) as session, session.begin():
        events.outbox(session).add(event)
    events.committed()


async def test_services_run_together_share_one_in_process_bus(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(outbox_poll_interval="5")
    for name in ("core", "community"):
        upgrade(name, settings.database_url(name))
    apps = build_apps(["core", "community"], settings)
    received: list[DomainEvent] = []
    arrived = asyncio.Event()

    async def on_user(event: DomainEvent) -> None:
        received.append(event)
        arrived.set()

    events_of(apps["community"]).subscribe("user.*", on_user)
    async with running(apps["core"]), running(apps["community"]), http(apps["core"]) as core:
        assert events_of(apps["core"]).bus is events_of(apps["community"]).bus
        assert isinstance(events_of(apps["core"]).bus, InProcessEventBus)
        event = new_event("user.registered", producer="core", payload={"email": "a@b.c"})
        await commit_event(apps["core"], event)
        await asyncio.wait_for(arrived.wait(), timeout=5)  # woken, not the 5 s poll
        assert received == [event]
        relay = events_of(apps["core"]).relay
        assert relay is not None
        for _ in range(100):  # the relay stamps the row after the delivery returned
            if relay.stats.published:
                break
            await asyncio.sleep(0.02)
        metrics = (await core.get("/metrics")).text
        assert 'reptidex_outbox_published_total{service="core"} 1.0' in metrics
        assert 'reptidex_outbox_pending{service="core"}' in metrics


async def test_a_service_alone_gets_its_own_bus(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(outbox_poll_interval="0.05")
    upgrade("ops", settings.database_url("ops"))
    app = APP_FACTORIES["ops"](settings)
    got: list[DomainEvent] = []
    events_of(app).subscribe("audit.*", lambda event: _append(got, event))
    async with running(app):
        assert isinstance(events_of(app).bus, InProcessEventBus)
        event = new_event("audit.recorded", producer="ops")
        await commit_event(app, event)
        for _ in range(100):
            if got:
                break
            await asyncio.sleep(0.02)
        assert got == [event]
    with pytest.raises(RuntimeError, match="not started"):
        events_of(app).bus  # noqa: B018


async def _append(into: list[DomainEvent], event: DomainEvent) -> None:
    into.append(event)


@pytest.mark.redis
async def test_with_redis_configured_services_talk_through_streams(
    make_settings: Callable[..., Settings], redis_url: str
) -> None:
    settings = make_settings(
        redis_url=redis_url, outbox_poll_interval="0.05", event_claim_idle="0.3"
    )
    for name in ("animal", "media"):
        upgrade(name, settings.database_url(name))
    # Two processes, each with one service: each has its own Redis bus.
    animal, media = APP_FACTORIES["animal"](settings), APP_FACTORIES["media"](settings)
    received: list[DomainEvent] = []
    events_of(media).subscribe("animal.photo.*", lambda event: _append(received, event))
    async with running(animal), running(media):
        assert isinstance(events_of(animal).bus, RedisStreamBus)
        assert events_of(animal).bus is not events_of(media).bus
        event = new_event("animal.photo.added", producer="animal")
        await commit_event(animal, event)
        for _ in range(250):
            if received:
                break
            await asyncio.sleep(0.02)
        assert received == [event]


def test_the_redis_bus_needs_a_redis_url(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(SettingsError, match="REPTIDEX_EVENT_BUS"):
        make_settings(event_bus="redis")
    assert make_settings(event_bus="memory", redis_url="redis://x:6379/0").event_bus == "memory"


async def test_a_service_stops_cleanly_while_its_peers_never_started(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    for name in ("core", "ops"):
        upgrade(name, settings.database_url(name))
    apps = build_apps(["core", "ops"], settings)
    async with asyncio.timeout(3), running(apps["core"]):
        pass  # ops never starts: core's relay was still waiting for it, and stops at once
    assert events_of(apps["core"]).relay is not None
