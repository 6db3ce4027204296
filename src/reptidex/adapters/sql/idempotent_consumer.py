"""Idempotent consumers for handlers that change the service's database.

:func:`idempotent_handler` turns a handler that takes ``(event, session)`` into an ordinary
:data:`~reptidex.domain.events.EventHandler`. Each call opens a transaction, inserts
``(group, event.id)`` into the service's ``processed_event`` table, runs the handler with the same
session and commits: the effect and the mark commit together or not at all. If the mark is
already there (a redelivery, or the relay publishing twice), the insert fails on the unique
constraint, the transaction rolls back and the handler is not called. On PostgreSQL a concurrent
duplicate waits on the first one's row lock and then finds it committed (or rolled back, and runs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.sql.processed_event import PROCESSED_EVENT_MODELS
from reptidex.domain.events import DomainEvent, EventHandler

TransactionalHandler = Callable[[DomainEvent, AsyncSession], Awaitable[None]]
"""A handler that makes its change through the session it is given (and does not commit)."""


def idempotent_handler(
    engine: AsyncEngine, service: str, group: str, handler: TransactionalHandler
) -> EventHandler:
    """``handler`` run at most once per event id for ``group``, in one transaction with its mark.

    ``service`` names the database (its ``processed_event`` table); ``group`` is the consumer,
    usually the same name, or ``service:purpose`` when one service has several consumers of the
    same events.
    """
    model = PROCESSED_EVENT_MODELS[service]

    async def handle_once(event: DomainEvent) -> None:
        marked = False  # set once the mark is flushed: later integrity errors are the handler's
        try:
            async with AsyncSession(engine) as session, session.begin():
                session.add(model(consumer_group=group, event_id=event.id, event_type=event.type))
                await session.flush()
                marked = True
                await handler(event, session)
        except IntegrityError:
            if marked:
                raise  # the handler's own change broke a constraint: a real failure
            return  # already processed by this group

    return handle_once


async def was_processed(engine: AsyncEngine, service: str, group: str, event: DomainEvent) -> bool:
    """Whether ``group`` has handled ``event`` (for tests and diagnostics)."""
    model: type = PROCESSED_EVENT_MODELS[service]
    async with AsyncSession(engine) as session:
        found = await session.scalar(
            select(model.id).where(  # type: ignore[attr-defined]
                model.consumer_group == group,  # type: ignore[attr-defined]
                model.event_id == event.id,  # type: ignore[attr-defined]
            )
        )
    return found is not None
