"""Commits wake the relay whoever wrote the outbox (identity, billing, flags go through their own
units of work), and ``/health/deep`` reports the events side: bus, relay, outbox lag."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.migrations import upgrade
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.events import DomainEvent, new_event
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES


def http(app: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar types ASGI more narrowly than httpx
    return httpx.AsyncClient(transport=transport, base_url="http://test")


class Probes:
    """Probe events through a service's outbox, and a handler that sees them arrive."""

    def __init__(self, app: Litestar, family: str) -> None:
        self.app = app
        self.type = f"{family}.probe"
        self.arrived: dict[object, asyncio.Event] = {}

    def saw(self, event: DomainEvent) -> bool:
        """Whether ``event`` is a probe (and note its arrival)."""
        if event.type != self.type:
            return False
        self.arrived.setdefault(event.id, asyncio.Event()).set()
        return True

    async def round_trip(self) -> None:
        """Commit a probe and wait until the relay has put it on the bus.

        Afterwards the relay has made a pass and, with a 30 s poll, publishes what is committed
        next within seconds only when the commit wakes it; and everything committed before the
        probe has been published (the outbox is published in order).
        """
        events = kernel_of(self.app).events
        probe = new_event(self.type, producer=events.service)
        arrived = self.arrived.setdefault(probe.id, asyncio.Event())
        async with AsyncSession(events.engine) as session:
            SqlOutbox(session, events.service).add(probe)
            await session.commit()
        await asyncio.wait_for(arrived.wait(), timeout=3)


async def test_a_commit_through_any_session_wakes_the_relay(
    make_settings: Callable[..., Settings],
) -> None:
    # A 30 s poll: only the wake-up can deliver within the test's 3 s.
    settings = make_settings(outbox_poll_interval="30")
    upgrade("ops", settings.database_url("ops"))
    app = APP_FACTORIES["ops"](settings)
    got: list[DomainEvent] = []
    arrived = asyncio.Event()
    probes = Probes(app, "audit")

    async def handler(event: DomainEvent) -> None:
        if probes.saw(event):
            return
        got.append(event)
        arrived.set()

    kernel_of(app).events.subscribe("audit.*", handler)
    async with app.lifespan():
        await probes.round_trip()  # the relay has made a pass: only a wake-up is fast now
        event = new_event("audit.recorded", producer="ops")
        # Written the way the identity/billing/flag units of work write.
        async with AsyncSession(kernel_of(app).events.engine) as session:
            SqlOutbox(session, "ops").add(event)
            await session.commit()
        await asyncio.wait_for(arrived.wait(), timeout=3)
        assert got == [event]

        # A rolled-back transaction stages nothing and wakes nobody.
        async with AsyncSession(kernel_of(app).events.engine) as session:
            SqlOutbox(session, "ops").add(new_event("audit.recorded", producer="ops"))
            await session.rollback()
        await probes.round_trip()  # anything staged before the probe would be published by now
        assert got == [event]


async def test_a_real_identity_change_reaches_the_bus_at_once(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(outbox_poll_interval="30")
    upgrade("core", settings.database_url("core"))
    from reptidex.services.core.app import create_app

    app = create_app(settings)
    seen = asyncio.Event()
    probes = Probes(app, "user")

    async def handler(event: DomainEvent) -> None:
        if not probes.saw(event) and event.type == "user.registered":
            seen.set()

    kernel_of(app).events.subscribe("user.*", handler)
    async with app.lifespan(), http(app) as client:
        await probes.round_trip()  # the relay has made a pass: only a wake-up is fast now
        response = await client.post(
            "/auth/register",
            json={"email": "wake@example.org", "password": "basking-under-the-heat-lamp"},
        )
        assert response.status_code == 202, response.text
        await asyncio.wait_for(seen.wait(), timeout=3)


async def test_deep_health_reports_the_events_side(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(outbox_max_lag="5", outbox_poll_interval="0.05")
    upgrade("ops", settings.database_url("ops"))
    app = APP_FACTORIES["ops"](settings)

    async with app.lifespan(), http(app) as client:
        response = await client.get("/health/deep")
        checks = {check["name"]: check for check in response.json()["checks"]}
        assert checks["events"]["status"] == "ok", checks
        assert "memory bus, 0 pending" in checks["events"]["detail"]

        # An event that cannot be published, committed a minute ago: the outbox is stuck.
        events = kernel_of(app).events
        relay = events.relay
        assert relay is not None
        relay.publisher = _FailingPublisher()
        old = new_event(
            "audit.recorded",
            producer="ops",
            occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
        )
        async with AsyncSession(events.engine) as session, session.begin():
            SqlOutbox(session, "ops").add(old)
        response = await client.get("/health/deep")
        assert response.status_code == 503, response.text
        checks = {check["name"]: check for check in response.json()["checks"]}
        assert checks["events"]["status"] == "failing"
        assert "outbox stuck: memory bus, 1 pending" in checks["events"]["detail"]
        assert checks["database"]["status"] == "ok"
    # Stopped: the probe says so rather than pretending.
    with pytest.raises(RuntimeError, match="not started"):
        await events.check()


class _FailingPublisher:
    async def publish(self, event: DomainEvent) -> None:
        raise ConnectionError("bus unreachable")
