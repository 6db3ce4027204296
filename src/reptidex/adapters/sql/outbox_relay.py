"""The outbox relay: moves committed outbox rows to the bus, in order, at least once.

One relay runs per service (a background task of its app). Each pass takes the oldest unpublished
rows (``occurred_at``, then ``id``) inside a transaction, publishes them one by one and stamps
``published_at`` in that same transaction, then commits. If the process dies before the commit,
the rows stay unpublished and the next pass (here or in another replica) publishes them again:
consumers see an event at least once, never zero times.

On PostgreSQL a pass first takes a transaction-scoped advisory lock for the service's outbox, so
of several replicas only one relays at a time and the order holds across them; the rows are also
read ``FOR UPDATE SKIP LOCKED``. On SQLite, writes are serialised by the database itself.

Once a pass has committed, each event it published is counted by type (:attr:`RelayStats.by_type`)
and handed to the relay's ``observers`` (a service's business metrics: orders paid, their amounts).

A failed publish increments the row's ``attempts``, ends the pass (later rows wait, to keep the
order) and the relay backs off exponentially before trying again.

On PostgreSQL the outbox is under row-level security: a service's transactions may add rows
but not read them; the relay's transactions set ``reptidex.outbox_relay`` to ``on``
(:data:`RELAY_SETTING`, transaction-scoped), which the outbox's policy admits to read, stamp
and prune every row.

A bus that lost its data (a Redis restarted without it) is noticed by its epoch
(:mod:`reptidex.adapters.sql.bus_loss`): the rows it may not have delivered are marked
unpublished again and go out first, in their order.

Housekeeping: once an hour the relay deletes published outbox rows and idempotent consumers'
marks (``processed_event``) older than ``retention`` (7 days by default, as long as the Redis
idempotency marks live; a redelivery older than that is not expected).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import structlog
from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.sql.bus_loss import BusLossWatch, RecoverableBus
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.adapters.sql.poller import Poller
from reptidex.adapters.sql.processed_event import PROCESSED_EVENT_MODELS
from reptidex.domain.events import DomainEvent, EventPublisher, event_family

_log = structlog.get_logger("reptidex.events.relay")


RELAY_SETTING = "reptidex.outbox_relay"
"""The setting whose value ``on`` lets a transaction read and change the outbox's rows."""


def outbox_lock_key(service: str) -> int:
    """The PostgreSQL advisory lock id guarding ``service``'s relay (a signed 64-bit integer)."""
    digest = hashlib.sha256(f"reptidex.outbox.{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _rowcount(result: Result[Any]) -> int:
    """The rows a DELETE removed (its result is always a cursor result)."""
    return int(cast(CursorResult[Any], result).rowcount)


def row_to_event(row: Any) -> DomainEvent:
    """The :class:`DomainEvent` an outbox row holds."""
    return DomainEvent(
        id=row.event_id,
        type=row.event_type,
        version=row.version,
        occurred_at=row.occurred_at,  # DateTimeUTC: aware UTC on every database
        producer=row.producer,
        organisation_id=row.organisation_id,
        actor_id=row.actor_id,
        payload=dict(row.payload or {}),
        trace_context=dict(row.trace_context or {}),
    )


@dataclass(slots=True)
class RelayStats:
    """What the relay has done, for metrics and health."""

    published: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    """Events published, by event type (committed passes only)."""
    failures: int = 0
    pending: int = 0
    oldest_pending_age: float = 0.0
    last_error: str | None = None
    republished: int = 0
    """Rows marked unpublished again after the bus lost its data."""


class OutboxRelay(Poller):
    """Publishes ``service``'s outbox rows to ``publisher``.

    Call :meth:`relay_once` for one pass (tests, scripts) or run :meth:`run` as a task; :meth:`wake`
    cuts the wait short after a commit, and :meth:`stop` ends :meth:`run` between passes.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        service: str,
        publisher: EventPublisher,
        *,
        batch_size: int = 100,
        poll_interval: float = 0.5,
        max_backoff: float = 30.0,
        retention: dt.timedelta = dt.timedelta(days=7),
        prune_interval: float = 3600.0,
        monotonic: Callable[[], float] = time.monotonic,
        observers: Sequence[Callable[[DomainEvent], None]] = (),
    ) -> None:
        super().__init__(
            batch_size=batch_size, poll_interval=poll_interval, max_backoff=max_backoff
        )
        self.engine = engine
        self.service = service
        self.publisher = publisher
        self.retention = retention
        self.prune_interval = prune_interval
        self.stats = RelayStats()
        self.observers = tuple(observers)
        self._model: Any = OUTBOX_MODELS[service]
        self._processed: Any = PROCESSED_EVENT_MODELS[service]
        self._monotonic = monotonic
        self._last_prune = float("-inf")
        self._postgres = engine.dialect.name == "postgresql"
        self._lock_key = outbox_lock_key(service)
        self._pass_lock = asyncio.Lock()
        self.loss_watch = (
            BusLossWatch(publisher, service, monotonic=monotonic)
            if isinstance(publisher, RecoverableBus)
            else None
        )

    async def _as_relay(self, session: AsyncSession) -> None:
        """Admit ``session``'s transaction to the outbox's rows (PostgreSQL's policy)."""
        if self._postgres:
            await session.execute(select(func.set_config(RELAY_SETTING, "on", True)))

    async def relay_once(self) -> int:
        """Publish the oldest unpublished rows (up to a batch); return how many were published.

        Raises:
            Exception: whatever the database raises; a publisher's failure is recorded instead.
        """
        async with self._pass_lock:
            return await self._pass()

    async def _pass(self) -> int:
        model = self._model
        published: list[DomainEvent] = []
        async with AsyncSession(self.engine) as session, session.begin():
            await self._as_relay(session)
            if self._postgres:
                locked = await session.scalar(
                    select(func.pg_try_advisory_xact_lock(self._lock_key))
                )
                if not locked:
                    return 0  # another replica is relaying this outbox right now
            query = (
                select(model)
                .where(model.published_at.is_(None))
                .order_by(model.occurred_at, model.id)
                .limit(self.batch_size)
            )
            if self._postgres:
                query = query.with_for_update(skip_locked=True)
            for row in (await session.scalars(query)).all():
                event = row_to_event(row)
                try:
                    await self.publisher.publish(event)
                except Exception as exc:
                    row.attempts = (row.attempts or 0) + 1
                    self.stats.failures += 1
                    self.stats.last_error = repr(exc)
                    _log.warning(
                        "outbox publish failed",
                        service=self.service,
                        event_id=str(row.event_id),
                        event_type=row.event_type,
                        attempts=row.attempts,
                        error=repr(exc),
                    )
                    break
                row.published_at = dt.datetime.now(dt.UTC)
                published.append(event)
        self._count(published)
        return len(published)

    def _count(self, published: list[DomainEvent]) -> None:
        """Count a committed pass's events and show them to the observers."""
        self.stats.published += len(published)
        self.stats.by_type.update(event.type for event in published)
        for event in published:
            for observe in self.observers:
                try:
                    observe(event)
                except Exception as exc:  # a metric must never stop the relay
                    _log.warning(
                        "outbox observer failed",
                        service=self.service,
                        event_type=event.type,
                        error=repr(exc),
                    )

    async def measure(self) -> RelayStats:
        """Refresh the pending count and the age of the oldest unpublished event."""
        model = self._model
        async with AsyncSession(self.engine) as session:
            await self._as_relay(session)
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(model.occurred_at)).where(
                        model.published_at.is_(None)
                    )
                )
            ).one()
        self.stats.pending = int(count)
        age = (dt.datetime.now(dt.UTC) - oldest).total_seconds() if oldest else 0.0
        self.stats.oldest_pending_age = max(age, 0.0)
        return self.stats

    async def prune(self, now: dt.datetime | None = None) -> int:
        """Delete published rows and consumers' marks older than ``retention``; return how many."""
        cutoff = (now or dt.datetime.now(dt.UTC)) - self.retention
        outbox, processed = self._model, self._processed
        async with AsyncSession(self.engine) as session, session.begin():
            await self._as_relay(session)
            # an unpublished row has no published_at, and NULL < cutoff is never true
            published = await session.execute(delete(outbox).where(outbox.published_at < cutoff))
            marks = await session.execute(delete(processed).where(processed.created_at < cutoff))
        return _rowcount(published) + _rowcount(marks)

    async def run(self) -> None:
        """Relay until :meth:`stop`: full batches back to back, then wait for a wake or a poll."""
        await self._loop(self._guarded_pass)

    async def recover(self) -> int:
        """If the bus lost its data since the last look, mark the rows it may not have
        delivered unpublished again (they go out first, in order); return how many."""
        if self.loss_watch is None:
            return 0
        families = {event_family(kind) for kind in self.stats.by_type}
        since = await self.loss_watch.replay_since(families)
        if since is None:
            return 0
        model = self._model
        async with AsyncSession(self.engine) as session, session.begin():
            await self._as_relay(session)
            result = await session.execute(
                update(model).where(model.published_at >= since).values(published_at=None)
            )
        again = _rowcount(result)
        self.stats.republished += again
        log = _log.warning if again else _log.info  # nothing to send again is no news
        log("outbox rows to publish again", service=self.service, rows=again)
        return again

    async def _guarded_pass(self) -> tuple[int, bool]:
        errors_before = self.stats.failures
        try:
            await self.recover()
        except Exception as exc:  # the bus is away: publishing fails and counts below
            _log.warning(
                "outbox relay could not look at the bus", service=self.service, error=repr(exc)
            )
        try:
            published = await self.relay_once()
            await self.measure()
            if self._monotonic() - self._last_prune >= self.prune_interval:
                self._last_prune = self._monotonic()
                await self.prune()
        except Exception as exc:  # the database is away: keep trying, with backoff
            published = 0
            self.stats.failures += 1
            self.stats.last_error = repr(exc)
            _log.warning("outbox relay pass failed", service=self.service, error=repr(exc))
        return published, self.stats.failures > errors_before
