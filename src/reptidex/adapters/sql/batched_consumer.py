"""Idempotent consumers that apply the events arriving together in one transaction.

:func:`batched_idempotent_handler` is :func:`~reptidex.adapters.sql.idempotent_consumer.
idempotent_handler` for consumers whose cost is the transaction rather than the change (the
audit trail, the search index): each call returns once its event is committed, but the calls
that arrive while a batch is written wait for the next one, which takes them all (up to
``max_batch``) in one transaction:

- ``prepare(event)`` runs first, in the caller: an event it refuses (a malformed payload)
  fails its own delivery alone and never joins a batch;
- the transaction reads which of the batch's events ``group`` has already processed, marks
  the others in the ``processed_event`` inbox (an event delivered twice in one batch once)
  and calls ``handle_batch`` with what ``prepare`` made of them, in arrival order;
- a batch that cannot commit (the handler failed, or a concurrent consumer marked one of its
  events first: the unique mark) fails each of its deliveries, which the bus retries; the
  retry finds the events marked by the other consumer, or writes them again.

Concurrency comes from the bus: the in-process bus delivers as many events at once as there
are concurrent publishers, the Redis Streams bus a read's entries at once to a handler that
takes them in any order (:attr:`BatchedConsumer.any_order`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ARRAY, Uuid, any_, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.sql.driver import driver_of
from reptidex.adapters.sql.processed_event import PROCESSED_EVENT_MODELS
from reptidex.domain.events import DomainEvent
from reptidex.domain.time_ordered_ids import time_ordered_id

T = TypeVar("T")

MAX_BATCH = 1000
"""Events applied in one transaction at most."""

BatchHandler = Callable[[Sequence[T], AsyncSession], Awaitable[None]]
"""Applies what ``prepare`` made of a batch's fresh events, in arrival order, through the
session it is given (and does not commit)."""


@dataclass(slots=True)
class _Waiting(Generic[T]):
    event: DomainEvent
    prepared: T
    done: asyncio.Future[None]


class BatchedConsumer(Generic[T]):
    """An event handler applying the events that arrive together in one transaction, each
    at most once for ``group`` (see the module docstring)."""

    any_order = True
    """The batch is applied as one: a bus may deliver several events to it at once."""

    def __init__(
        self,
        engine: AsyncEngine,
        service: str,
        group: str,
        handle_batch: BatchHandler[T],
        prepare: Callable[[DomainEvent], T],
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._engine = engine
        self._model = PROCESSED_EVENT_MODELS[service]
        self._group = group
        self._handle_batch = handle_batch
        self._prepare = prepare
        self._max_batch = max_batch
        self._waiting: list[_Waiting[T]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, event: DomainEvent) -> None:
        """Apply ``event`` once; raise when it could not be (its batch did not commit)."""
        prepared = self._prepare(event)  # a refused event fails its own delivery only
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(event, prepared, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name=f"reptidex-batch-{self._group}")
        await done

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # let the deliveries woken with this one join its batch
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            try:
                await self._write(batch)
            except Exception as exc:  # each delivery fails with it, and is retried by the bus
                for waiting in batch:
                    if not waiting.done.done():
                        waiting.done.set_exception(exc)
            else:
                for waiting in batch:
                    if not waiting.done.done():
                        waiting.done.set_result(None)

    async def _write(self, batch: list[_Waiting[T]]) -> None:
        model: Any = self._model
        async with AsyncSession(self._engine) as session, session.begin():
            postgres = session.bind.dialect.name == "postgresql"
            ids = [w.event.id for w in batch]
            # On PostgreSQL one statement for any batch (the ids as one array: a list of
            # them made a new statement, prepared and planned, for every batch size).
            found = (
                model.event_id == any_(bindparam("ids", type_=ARRAY(Uuid())))
                if postgres
                else model.event_id.in_(ids)
            )
            seen: set[uuid.UUID] = set(
                await session.scalars(
                    select(model.event_id).where(model.consumer_group == self._group, found),
                    {"ids": ids} if postgres else {},
                )
            )
            fresh: list[_Waiting[T]] = []
            for waiting in batch:
                if waiting.event.id not in seen:  # processed before, or twice in this batch
                    seen.add(waiting.event.id)
                    fresh.append(waiting)
            if not fresh:
                return
            # The marks first (a concurrent consumer's fail the batch here), in one statement
            # executed with every row rather than through the ORM's unit of work: on
            # PostgreSQL by asyncpg itself, in the transaction the read above began.
            marks = [(self._group, w.event.id, w.event.type) for w in fresh]
            if postgres:
                now = dt.datetime.now(dt.UTC)
                driver = await driver_of(session)
                await driver.executemany(
                    _MARK.format(table=model.__tablename__),
                    [(time_ordered_id(), *mark, now) for mark in marks],
                )
            else:
                await session.execute(
                    insert(model),
                    [
                        dict(zip(("consumer_group", "event_id", "event_type"), m, strict=True))
                        for m in marks
                    ],
                )
            await self._handle_batch([w.prepared for w in fresh], session)


_MARK = (
    "INSERT INTO {table} (id, consumer_group, event_id, event_type, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $5)"
)
"""A mark of the inbox as asyncpg runs it with every row (``{table}``: the service's)."""


def _the_event(event: DomainEvent) -> DomainEvent:
    return event


def batched_idempotent_handler(
    engine: AsyncEngine,
    service: str,
    group: str,
    handle_batch: BatchHandler[DomainEvent],
    *,
    max_batch: int = MAX_BATCH,
) -> BatchedConsumer[DomainEvent]:
    """``handle_batch(events, session)`` run on the events arriving together, in one
    transaction with their marks, each event at most once for ``group`` (``service`` names the
    database, as for :func:`~reptidex.adapters.sql.idempotent_consumer.idempotent_handler`).
    To refuse a malformed event before it joins a batch, use :class:`BatchedConsumer` with a
    ``prepare`` that raises."""
    return BatchedConsumer(engine, service, group, handle_batch, _the_event, max_batch=max_batch)
