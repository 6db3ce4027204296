"""The SQL side of the outbox: events added to the session of the state change they report.

A commit that carried outbox rows wakes the relays of that service in this process (registered
with :func:`on_outbox_commit`), so an event goes to the bus right after its commit instead of
at the relay's next poll, whichever use case or unit of work wrote it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from reptidex.adapters.events.trace_context import with_trace_context
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.events import DomainEvent

_STAGED = "reptidex_outbox_services"
_WAKERS: dict[str, list[Callable[[], None]]] = {}


def on_outbox_commit(service: str, wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake`` after each commit that wrote ``service``'s outbox; returns the undo."""
    _WAKERS.setdefault(service, []).append(wake)

    def cancel() -> None:
        wakers = _WAKERS.get(service, [])
        if wake in wakers:
            wakers.remove(wake)

    return cancel


def wake_after_commit(session: AsyncSession, key: str) -> None:
    """After ``session`` commits, call the callbacks registered for ``key`` (any queue that a
    background task drains: a service's outbox, core's mail queue)."""
    session.info.setdefault(_STAGED, set()).add(key)


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    for service in session.info.pop(_STAGED, ()):
        for wake in list(_WAKERS.get(service, ())):
            wake()


@event.listens_for(Session, "after_rollback")
def _forget_staged(session: Session) -> None:
    session.info.pop(_STAGED, None)


class SqlOutbox:
    """An :class:`~reptidex.domain.events.Outbox` writing rows into ``service``'s outbox table.

    The rows join ``session``'s transaction: they commit or roll back with the change itself.
    """

    def __init__(self, session: AsyncSession, service: str) -> None:
        self._session = session
        self._service = service
        self._model = OUTBOX_MODELS[service]

    def add(self, event: DomainEvent) -> None:
        """Stage ``event`` in the current transaction, with the current span's trace context
        when it was created inside a traced request."""
        event = with_trace_context(event)
        self._session.add(
            self._model(
                event_id=event.id,
                event_type=event.type,
                version=event.version,
                producer=event.producer,
                organisation_id=event.organisation_id,
                actor_id=event.actor_id,
                occurred_at=event.occurred_at,
                payload=event.payload,
                published_at=None,
                attempts=0,
                trace_context=event.trace_context or None,
            )
        )
        wake_after_commit(self._session, self._service)


class SqlOutboxUnitOfWork(SqlUnitOfWork):
    """A unit of work with nothing but ``service``'s outbox, for events that change nothing
    else (events accepted from outside); an event id used before is a :class:`Conflict`."""

    conflict_message = "An event with this id was published already."
    outbox: SqlOutbox

    def __init__(self, sessions: async_sessionmaker[AsyncSession], service: str) -> None:
        super().__init__(sessions)
        self._service = service

    def _open(self, session: AsyncSession) -> None:
        self.outbox = SqlOutbox(session, self._service)
