"""A service's side of the event bus: its subscriptions, its outbox relay, and the bus it uses.

Every service's kernel (:func:`~reptidex.services.kernel.app.build_kernel`) has a
:class:`ServiceEvents`. The composition root subscribes with
``kernel.events.subscribe("animal.*", handler)`` (the consumer group is the service's name)
before it builds the app; use cases stage events in their unit of work's outbox, and the relay
publishes them once the unit of work commits.

Which bus: ``REPTIDEX_EVENT_BUS`` (``memory`` or ``redis``), by default Redis Streams when
``REPTIDEX_REDIS_URL`` is set and the in-process bus otherwise. A service started alone creates
its own bus at start-up; ``reptidex up`` creates one and shares it between the services it runs
(:func:`share_event_bus`), so in-process events cross from one service to another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

from reptidex.adapters.events import InProcessEventBus, RedisStreamBus
from reptidex.adapters.sql.batched_consumer import BatchedConsumer, BatchHandler
from reptidex.adapters.sql.idempotent_consumer import TransactionalHandler, idempotent_handler
from reptidex.adapters.sql.outbox_relay import OutboxRelay
from reptidex.adapters.sql.outbox_store import on_outbox_commit
from reptidex.domain.events import DomainEvent, EventBus, EventHandler, check_pattern
from reptidex.services.kernel.logging import get_logger
from reptidex.services.kernel.settings import Settings
from reptidex.services.kernel.tracing import Tracing

_log = get_logger("reptidex.events")
T = TypeVar("T")


def event_bus_kind(settings: Settings) -> str:
    """``redis`` or ``memory``: the bus these settings ask for."""
    return settings.event_bus or ("redis" if settings.redis_url else "memory")


def create_event_bus(settings: Settings) -> EventBus:
    """A new bus as the settings ask (the caller starts and closes it)."""
    if event_bus_kind(settings) == "redis":
        if not settings.redis_url:
            raise ValueError("the Redis event bus needs REPTIDEX_REDIS_URL")
        return RedisStreamBus.from_url(
            settings.redis_url,
            maxlen=settings.event_stream_maxlen,
            claim_idle=settings.event_claim_idle,
            max_deliveries=settings.event_max_deliveries,
            batch_size=settings.event_read_count,
        )
    return InProcessEventBus(max_attempts=settings.event_max_deliveries)


class SharedEventBus:
    """One bus used by several services of one process; the last service to stop closes it.

    The relays wait until every sharing service has started (and so subscribed): on the
    in-process bus, an event relayed before a consumer subscribed would never reach it.
    """

    def __init__(self, bus: EventBus, *, start_wait: float = 30.0) -> None:
        self.bus = bus
        self.start_wait = start_wait
        self._users = 0
        self._started = 0
        self._all_started = asyncio.Event()
        self._lock = asyncio.Lock()

    def join(self) -> None:
        """Count one more service using the bus."""
        self._users += 1

    def arrived(self) -> None:
        """A sharing service has started and subscribed."""
        self._started += 1
        if self._started >= self._users:
            self._all_started.set()

    @property
    def everyone_started(self) -> bool:
        """Whether every sharing service has started."""
        return self._all_started.is_set()

    async def all_started(self) -> None:
        """Wait until every sharing service has started (at most ``start_wait`` seconds)."""
        try:
            await asyncio.wait_for(self._all_started.wait(), self.start_wait)
        except TimeoutError:
            _log.warning("not every service sharing the event bus started; relaying anyway")

    async def leave(self) -> None:
        """A service stopped; close the bus after the last one."""
        async with self._lock:
            self._users -= 1
            if self._users == 0:
                await self.bus.close()


class ServiceEvents:
    """The events of one service: subscriptions (group = service name), relay, bus."""

    def __init__(
        self,
        service: str,
        settings: Settings,
        engine: AsyncEngine,
        tracing: Tracing | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self.engine = engine
        self.tracing = tracing
        """When tracing is on, each handler runs in a span that joins the event's producer."""
        self._subscriptions: list[tuple[str, EventHandler]] = []
        self._observers: list[Callable[[DomainEvent], None]] = []
        self._shared: SharedEventBus | None = None
        self._bus: EventBus | None = None
        self._relay: OutboxRelay | None = None
        self._relay_task: asyncio.Task[None] | None = None
        self._unwake: Callable[[], None] | None = None

    # -- what services call --------------------------------------------------------------------

    @property
    def group(self) -> str:
        """This service's consumer group on the bus."""
        return self.service

    def subscribe(self, pattern: str, handler: EventHandler) -> None:
        """Deliver events matching ``pattern`` to ``handler`` (before or after start-up)."""
        check_pattern(pattern)
        if self.tracing is not None:
            handler = self.tracing.consumer(self.group, handler)
        self._subscriptions.append((pattern, handler))
        if self._bus is not None:
            self._bus.subscribe(self.group, pattern, handler)

    def observe_published(self, observer: Callable[[DomainEvent], None]) -> None:
        """Show ``observer`` every event the relay publishes, once its pass has committed (call
        before start-up; for metrics: it must be quick and must not fail)."""
        if self._relay is not None:
            raise RuntimeError("observe the published events before the service starts")
        self._observers.append(observer)

    def idempotent(
        self, handler: TransactionalHandler, *, purpose: str | None = None
    ) -> EventHandler:
        """``handler(event, session)`` run once per event, its change and its mark in one
        transaction of this service's database (see :mod:`reptidex.adapters.sql.idempotent_consumer`).
        """
        group = f"{self.group}:{purpose}" if purpose else self.group
        return idempotent_handler(self.engine, self.service, group, handler)

    def batched(
        self,
        handle_batch: BatchHandler[T],
        prepare: Callable[[DomainEvent], T],
        *,
        purpose: str | None = None,
    ) -> BatchedConsumer[T]:
        """``handle_batch(prepared, session)`` run on the events arriving together, in one
        transaction with their marks, each event once (see
        :mod:`reptidex.adapters.sql.batched_consumer`); ``prepare`` refuses an event alone."""
        group = f"{self.group}:{purpose}" if purpose else self.group
        return BatchedConsumer(self.engine, self.service, group, handle_batch, prepare)

    @property
    def bus(self) -> EventBus:
        """The bus (available once the service has started)."""
        if self._bus is None:
            raise RuntimeError(f"the event bus of {self.service} is not started")
        return self._bus

    @property
    def relay(self) -> OutboxRelay | None:
        """The outbox relay, while the service runs."""
        return self._relay

    # -- wiring --------------------------------------------------------------------------------

    def share(self, shared: SharedEventBus) -> None:
        """Use ``shared`` instead of a bus of this service's own (call before start-up)."""
        if self._bus is not None:
            raise RuntimeError("share the bus before the service starts")
        shared.join()
        self._shared = shared

    async def start(self) -> None:
        """Take (or create) the bus, register the subscriptions, start consuming and relaying."""
        bus = self._shared.bus if self._shared is not None else create_event_bus(self.settings)
        for pattern, handler in self._subscriptions:
            bus.subscribe(self.group, pattern, handler)
        await bus.start()
        self._bus = bus
        self._relay = OutboxRelay(
            self.engine,
            self.service,
            bus,
            poll_interval=self.settings.outbox_poll_interval,
            observers=self._observers,
        )
        # Any commit in this process that wrote this service's outbox wakes the relay at once.
        self._unwake = on_outbox_commit(self.service, self._relay.wake)
        self._relay_task = asyncio.create_task(
            self._relay_when_ready(self._relay), name=f"reptidex-outbox-relay-{self.service}"
        )
        if self._shared is not None:
            self._shared.arrived()
        _log.info(
            "events started",
            service=self.service,
            bus=event_bus_kind(self.settings),
            shared=self._shared is not None,
            subscriptions=[pattern for pattern, _ in self._subscriptions],
        )

    async def _relay_when_ready(self, relay: OutboxRelay) -> None:
        if self._shared is not None:
            await self._shared.all_started()
        await relay.run()

    async def stop(self) -> None:
        """Stop relaying (after the pass in progress) and consuming; close an own bus."""
        if self._unwake is not None:
            self._unwake()
            self._unwake = None
        if self._relay is not None and self._relay_task is not None:
            self._relay.stop()
            task = self._relay_task
            if self._shared is not None and not self._shared.everyone_started:
                task.cancel()  # still waiting for the others: it has not relayed anything
            done, _ = await asyncio.wait({task}, timeout=self.settings.shutdown_timeout)
            if not done:
                task.cancel()  # a pass in progress rolls back: its rows are relayed again later
            await asyncio.gather(task, return_exceptions=True)
        bus, self._bus = self._bus, None
        if bus is None:
            return
        if self._shared is not None:
            await bus.unsubscribe(self.group)
            await self._shared.leave()
        else:
            await bus.close()

    async def check(self) -> str:
        """The ``events`` probe of ``/health/deep``: the bus is started, the relay runs and the
        outbox is not stuck (its oldest unpublished event is younger than
        ``REPTIDEX_OUTBOX_MAX_LAG``); raises when any of that is not so."""
        if self._bus is None or self._relay is None or self._relay_task is None:
            raise RuntimeError("the event bus is not started")
        if self._relay_task.done():
            raise RuntimeError("the outbox relay has stopped")
        stats = await self._relay.measure()
        detail = (
            f"{event_bus_kind(self.settings)} bus, {stats.pending} pending, "
            f"oldest {stats.oldest_pending_age:.1f} s"
        )
        if stats.pending and stats.oldest_pending_age > self.settings.outbox_max_lag:
            last = f"; last error: {stats.last_error}" if stats.last_error else ""
            raise RuntimeError(
                f"outbox stuck: {detail} (limit {self.settings.outbox_max_lag:g} s){last}"
            )
        return detail

    def metrics(self) -> Collector:
        """A Prometheus collector of this service's relay figures."""
        return _RelayCollector(self)

    async def sample_bus(self) -> list[Metric]:
        """The bus's figures, read at a scrape: its dead letters (the Redis bus's stream is
        shared by every service; the in-process bus keeps this process's)."""
        bus = self._bus
        if bus is None:
            return []
        family = GaugeMetricFamily(
            "reptidex_event_dead_letters",
            "Events the bus gave up delivering, kept in its dead letters.",
            labels=["service", "bus"],
        )
        family.add_metric(
            [self.service, event_bus_kind(self.settings)], float(await bus.dead_letter_count())
        )
        return [family]


class _RelayCollector(Collector):
    def __init__(self, events: ServiceEvents) -> None:
        self._events = events

    def collect(self) -> Iterator[Metric]:
        relay = self._events.relay
        if relay is None:
            return
        service = [self._events.service]
        stats = relay.stats
        figures: Iterable[tuple[Any, float]] = (
            (
                GaugeMetricFamily(
                    "reptidex_outbox_pending",
                    "Outbox events committed but not yet published.",
                    labels=["service"],
                ),
                stats.pending,
            ),
            (
                GaugeMetricFamily(
                    "reptidex_outbox_lag_seconds",
                    "Age of the oldest unpublished outbox event.",
                    labels=["service"],
                ),
                stats.oldest_pending_age,
            ),
            (
                CounterMetricFamily(
                    "reptidex_outbox_published",
                    "Outbox events published to the bus.",
                    labels=["service"],
                ),
                stats.published,
            ),
            (
                CounterMetricFamily(
                    "reptidex_outbox_failures",
                    "Failed outbox publishes and relay passes.",
                    labels=["service"],
                ),
                stats.failures,
            ),
        )
        for family, value in figures:
            family.add_metric(service, float(value))
            yield family
        by_type = CounterMetricFamily(
            "reptidex_events_published",
            "Domain events published to the bus, by event type.",
            labels=["service", "type"],
        )
        for event_type, count in sorted(stats.by_type.items()):
            by_type.add_metric([*service, event_type], float(count))
        yield by_type


def share_event_bus(services: Iterable[ServiceEvents], settings: Settings) -> SharedEventBus:
    """Give ``services`` (the events of services of one process) one bus, created from
    ``settings``."""
    shared = SharedEventBus(create_event_bus(settings))
    for events in services:
        events.share(shared)
    return shared
