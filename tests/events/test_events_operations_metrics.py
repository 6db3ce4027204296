"""The figures the alerts and dashboards read on ``/metrics``, from real apps on the real
PostgreSQL and Redis: events published by type, the bus's dead letters, the paid orders'
amounts, the signing key's age; and the scrape-time samplers that read some of them."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import httpx
import msgspec
import pytest
from litestar import Litestar
from outbox_testkit import hatchling_events, stage
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from structlog.testing import capture_logs

from reptidex.adapters.events import InProcessEventBus
from reptidex.adapters.metrics.order_revenue import PaidOrderRevenue
from reptidex.adapters.sql.migrations import upgrade
from reptidex.adapters.sql.outbox_relay import OutboxRelay
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.events import DomainEvent, new_event
from reptidex.services.core.app import create_app as create_core
from reptidex.services.core.identity.wiring import IdentityOverrides
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.metrics import ServiceMetrics
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES

SERVICE = "animal"


def http(app: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar types ASGI more narrowly than httpx
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def scrape(app: Litestar) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the app's ``/metrics``, by name and labels."""
    async with http(app) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def labels(**values: str) -> frozenset[tuple[str, str]]:
    return frozenset(values.items())


async def wait_for(condition: Callable[[], object], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


# -- the relay counts what it published ------------------------------------------------------


class FailsOn:
    """A publisher that refuses the events of one type."""

    def __init__(self, event_type: str | None) -> None:
        self.event_type = event_type

    async def publish(self, event: DomainEvent) -> None:
        if event.type == self.event_type:
            raise ConnectionError("bus is down")


def typed_events(*types: str) -> list[DomainEvent]:
    start = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    return [
        new_event(kind, producer=SERVICE, occurred_at=start + dt.timedelta(seconds=index))
        for index, kind in enumerate(types)
    ]


async def test_published_events_are_counted_by_type_once_their_pass_commits(
    engine: AsyncEngine,
) -> None:
    await stage(engine, typed_events("animal.created", "animal.created", "breeding.pair_created"))
    seen: list[str] = []
    publisher = FailsOn("breeding.pair_created")
    relay = OutboxRelay(engine, SERVICE, publisher, observers=[lambda e: seen.append(e.type)])
    assert await relay.relay_once() == 2
    assert dict(relay.stats.by_type) == {"animal.created": 2}
    assert seen == ["animal.created", "animal.created"]
    publisher.event_type = None
    assert await relay.relay_once() == 1
    assert dict(relay.stats.by_type) == {"animal.created": 2, "breeding.pair_created": 1}
    assert seen[-1] == "breeding.pair_created"
    assert relay.stats.published == 3


class ProcessDied(BaseException):
    """Stands for the process dying mid-pass: nothing on the way catches it."""


async def test_a_pass_that_does_not_commit_counts_nothing(engine: AsyncEngine) -> None:
    await stage(engine, hatchling_events(2))
    seen: list[DomainEvent] = []

    class DiesOnTheSecond:
        calls = 0

        async def publish(self, event: DomainEvent) -> None:
            self.calls += 1
            if self.calls == 2:
                raise ProcessDied

    relay = OutboxRelay(engine, SERVICE, DiesOnTheSecond(), observers=[seen.append])
    with pytest.raises(ProcessDied):
        await relay.relay_once()
    assert relay.stats.by_type == {}
    assert relay.stats.published == 0
    assert seen == [], "the first event was sent, but its pass rolled back: it is sent again"


async def test_an_observer_that_fails_does_not_stop_the_relay(engine: AsyncEngine) -> None:
    await stage(engine, hatchling_events(2))

    def broken(event: DomainEvent) -> None:
        raise ValueError("not an order")

    seen: list[DomainEvent] = []
    relay = OutboxRelay(engine, SERVICE, FailsOn(None), observers=[broken, seen.append])
    with capture_logs() as logs:
        assert await relay.relay_once() == 2
    assert len(seen) == 2
    assert relay.stats.by_type == {"animal.created": 2}
    failure = {
        "event": "outbox observer failed",
        "log_level": "warning",
        "service": SERVICE,
        "event_type": "animal.created",
        "error": "ValueError('not an order')",
    }
    assert [entry for entry in logs if entry["event"] == failure["event"]] == [failure] * 2


# -- scrape-time samplers ----------------------------------------------------------------------


def gauge(name: str, value: float) -> list[Metric]:
    family = GaugeMetricFamily(name, "a test figure", labels=["service"])
    family.add_metric(["animal"], value)
    return [family]


async def test_a_failing_or_late_sampler_is_left_out_and_counted() -> None:
    metrics = ServiceMetrics(SERVICE, sample_timeout=0.05)

    async def good() -> list[Metric]:
        return gauge("reptidex_test_good", 7)

    async def broken() -> list[Metric]:
        raise ConnectionError("redis is away")

    async def late() -> list[Metric]:
        await asyncio.sleep(1)
        return gauge("reptidex_test_late", 1)

    metrics.sample_at_scrape("good", good)
    metrics.sample_at_scrape("broken", broken)
    metrics.sample_at_scrape("late", late)
    with pytest.raises(ValueError, match="registered already"):
        metrics.sample_at_scrape("good", good)
    text = (await metrics.scrape()).decode()
    samples = {
        (sample.name, sample.labels.get("sampler")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("reptidex_test_good", None)] == 7
    assert ("reptidex_test_late", None) not in samples
    assert samples[("reptidex_metrics_sample_failures_total", "broken")] == 1
    assert samples[("reptidex_metrics_sample_failures_total", "late")] == 1
    assert ("reptidex_metrics_sample_failures_total", "good") not in samples
    assert "reptidex_test_good" not in metrics.exposition().decode(), "no sampling outside"


# -- dead letters --------------------------------------------------------------------------


async def test_the_in_process_bus_counts_its_dead_letters() -> None:
    bus = InProcessEventBus(max_attempts=1, retry_delay=0)

    async def refuse(event: DomainEvent) -> None:
        raise ValueError("cannot handle it")

    bus.subscribe("media", "animal.*", refuse)
    await bus.start()
    assert await bus.dead_letter_count() == 0
    await bus.publish(new_event("animal.created", producer=SERVICE))
    await wait_for(lambda: bus.dead_letters)
    assert await bus.dead_letter_count() == 1
    await bus.close()


@pytest.mark.redis
async def test_dead_letters_of_the_redis_bus_are_on_metrics(
    make_settings: Callable[..., Settings], postgres_database: str, redis_url: str
) -> None:
    settings = make_settings(
        animal_database_url=postgres_database,
        redis_url=redis_url,
        outbox_poll_interval="0.05",
        event_claim_idle="0.1",
        event_max_deliveries="1",
    )
    upgrade(SERVICE, postgres_database)
    app = APP_FACTORIES[SERVICE](settings)
    attempts: list[DomainEvent] = []

    async def refuse(event: DomainEvent) -> None:
        attempts.append(event)
        raise ValueError("cannot handle it")

    kernel = kernel_of(app)
    kernel.events.subscribe("animal.photo.*", refuse)
    dead = (("bus", "redis"), ("service", SERVICE))
    async with app.lifespan():
        assert (await scrape(app))["reptidex_event_dead_letters", frozenset(dead)] == 0
        async with AsyncSession(kernel.engine) as session, session.begin():
            SqlOutbox(session, SERVICE).add(new_event("animal.photo.added", producer=SERVICE))
        await wait_for(lambda: attempts)
        for _ in range(250):
            if (await scrape(app))["reptidex_event_dead_letters", frozenset(dead)] == 1:
                break
            await asyncio.sleep(0.02)
        figures = await scrape(app)
        assert figures["reptidex_event_dead_letters", frozenset(dead)] == 1
        published = labels(service=SERVICE, type="animal.photo.added")
        assert figures["reptidex_events_published_total", published] == 1


# -- business figures: the paid orders' amounts ------------------------------------------------


def order_event(kind: str, amount: int, currency: str, fee: int = 0) -> DomainEvent:
    return new_event(
        kind,
        producer="commerce",
        payload={
            "order_id": "o-1",
            "listing_id": "l-1",
            "seller_organisation_id": "s-1",
            "buyer_organisation_id": "b-1",
            "state": "paid",
            "previous_state": "placed",
            "party": "seller",
            "price_amount": amount,
            "currency": currency,
            "platform_fee_amount": fee,
        },
    )


def test_revenue_counts_paid_orders_by_currency_only() -> None:
    revenue = PaidOrderRevenue("commerce")
    revenue.observe(order_event("order.paid", 12_500, "EUR", fee=625))
    revenue.observe(order_event("order.paid", 4_000, "EUR"))
    revenue.observe(order_event("order.paid", 9_900, "USD", fee=99))
    revenue.observe(order_event("order.placed", 70_000, "EUR"))
    revenue.observe(order_event("order.refunded", 12_500, "EUR"))
    with pytest.raises(msgspec.ValidationError, match="missing required field"):
        revenue.observe(new_event("order.paid", producer="commerce", payload={"currency": "EUR"}))
    samples = {
        (sample.name, sample.labels["currency"]): sample.value
        for family in revenue.collect()
        for sample in family.samples
    }
    assert samples == {
        ("reptidex_orders_paid_amount_minor_total", "EUR"): 16_500,
        ("reptidex_orders_paid_amount_minor_total", "USD"): 9_900,
        ("reptidex_orders_platform_fee_minor_total", "EUR"): 625,
        ("reptidex_orders_platform_fee_minor_total", "USD"): 99,
    }


async def test_commerce_reports_paid_orders_as_its_relay_publishes_them(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    settings = make_settings(commerce_database_url=postgres_database, outbox_poll_interval="0.05")
    upgrade("commerce", postgres_database)
    app = APP_FACTORIES["commerce"](settings)
    kernel = kernel_of(app)
    paid = labels(service="commerce", currency="GBP")
    async with app.lifespan():
        async with AsyncSession(kernel.engine) as session, session.begin():
            outbox = SqlOutbox(session, "commerce")
            outbox.add(order_event("order.placed", 30_000, "GBP"))
            outbox.add(order_event("order.paid", 30_000, "GBP", fee=1_500))
        published = labels(service="commerce", type="order.paid")
        for _ in range(250):
            if (await scrape(app)).get(("reptidex_events_published_total", published)):
                break
            await asyncio.sleep(0.02)
        figures = await scrape(app)
    assert figures["reptidex_orders_paid_amount_minor_total", paid] == 30_000
    assert figures["reptidex_orders_platform_fee_minor_total", paid] == 1_500
    assert figures["reptidex_events_published_total", published] == 1
    placed = labels(service="commerce", type="order.placed")
    assert figures["reptidex_events_published_total", placed] == 1


# -- the signing key's age ---------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.current = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current


async def test_core_reports_the_age_of_its_newest_signing_key(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    settings = make_settings(core_database_url=postgres_database, signing_key_lifetime="86400")
    upgrade("core", postgres_database)
    clock = Clock()
    app = create_core(settings, identity=IdentityOverrides(clock=clock))
    core = labels(service="core")
    async with app.lifespan():
        figures = await scrape(app)
        assert figures["reptidex_signing_key_lifetime_seconds", core] == 86_400
        assert ("reptidex_signing_key_age_seconds", core) not in figures, "no key yet"
        async with http(app) as client:
            assert (await client.get("/.well-known/jwks.json")).status_code == 200
        assert (await scrape(app))["reptidex_signing_key_age_seconds", core] == 0
        clock.current += dt.timedelta(days=2, hours=1)
        assert (await scrape(app))["reptidex_signing_key_age_seconds", core] == 49 * 3600
        async with http(app) as client:  # a new key is made at the next use
            assert (await client.get("/.well-known/jwks.json")).status_code == 200
        assert (await scrape(app))["reptidex_signing_key_age_seconds", core] == 0
