"""The consumer of every service's audit records: appends the records of the events that
arrive together in one transaction (one lock of the chain's head, one commit), each at most
once.

Delivery is at least once, so each event leaves a mark in the ``processed_event`` inbox (the
consumer group ``ops:audit``) in the transaction that appends its record; an event whose mark
is there is not appended again. A batch whose commit fails (a concurrent consumer marked one
of its events first) fails each of its events' deliveries, which the bus retries; an event
whose payload is not an audit record fails alone.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.sql.ops.audit_trail import append_records
from reptidex.adapters.sql.processed_event import PROCESSED_EVENT_MODELS
from reptidex.domain.audit import AuditRecord, record_of
from reptidex.domain.events import DomainEvent

MAX_BATCH = 1000
"""Records appended in one transaction at most."""


@dataclass(slots=True)
class _Waiting:
    event: DomainEvent
    record: AuditRecord
    done: asyncio.Future[None]


class AuditIngest:
    """An event handler for ``audit.recorded``: each call returns once its record is
    committed (or raises why it was not). Calls that arrive while a batch is written wait for
    the next one, which takes them all (up to :data:`MAX_BATCH`)."""

    def __init__(self, engine: AsyncEngine, group: str, *, max_batch: int = MAX_BATCH) -> None:
        self._engine = engine
        self._group = group
        self._model = PROCESSED_EVENT_MODELS["ops"]
        self._max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, event: DomainEvent) -> None:
        """Append ``event``'s record once; raise when it could not be stored."""
        record = record_of(event)  # a malformed payload fails its own delivery only
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(event, record, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="reptidex-ops-audit-ingest")
        await done

    async def _drain(self) -> None:
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

    async def _write(self, batch: list[_Waiting]) -> None:
        model = self._model
        async with AsyncSession(self._engine) as session, session.begin():
            ids = [waiting.event.id for waiting in batch]
            seen: set[uuid.UUID] = set(
                await session.scalars(
                    select(model.event_id).where(  # type: ignore[attr-defined]
                        model.consumer_group == self._group,  # type: ignore[attr-defined]
                        model.event_id.in_(ids),  # type: ignore[attr-defined]
                    )
                )
            )
            fresh = []
            for waiting in batch:
                if waiting.event.id not in seen:  # processed before, or twice in this batch
                    seen.add(waiting.event.id)
                    fresh.append(waiting)
            session.add_all(
                model(
                    consumer_group=self._group,
                    event_id=waiting.event.id,
                    event_type=waiting.event.type,
                )
                for waiting in fresh
            )
            await append_records(session, [waiting.record for waiting in fresh])
