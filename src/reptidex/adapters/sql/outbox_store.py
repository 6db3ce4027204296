"""The SQL side of the outbox: events added to the session of the state change they report."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.domain.events import DomainEvent


class SqlOutbox:
    """An :class:`~reptidex.domain.events.Outbox` writing rows into ``service``'s outbox table.

    The rows join ``session``'s transaction: they commit or roll back with the change itself.
    """

    def __init__(self, session: AsyncSession, service: str) -> None:
        self._session = session
        self._model = OUTBOX_MODELS[service]

    def add(self, event: DomainEvent) -> None:
        """Stage ``event`` in the current transaction."""
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
            )
        )
