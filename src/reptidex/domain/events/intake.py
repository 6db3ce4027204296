"""Events accepted from outside the services' own use cases (a trusted service or an
integration publishing through repti-core): stored in the outbox, relayed like any other."""

from __future__ import annotations

from collections.abc import Callable

from reptidex.domain.errors import Conflict
from reptidex.domain.events.envelope import DomainEvent
from reptidex.domain.events.ports import OutboxUnitOfWork


class EventIntake:
    """Accepts events into the outbox of ``unit_of_work``'s service."""

    def __init__(self, unit_of_work: Callable[[], OutboxUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    async def accept(self, event: DomainEvent) -> DomainEvent:
        """Store ``event`` for the relay to publish (durable once this returns);
        :class:`Conflict` when its id was accepted before."""
        try:
            async with self._unit_of_work() as uow:
                uow.outbox.add(event)
                await uow.commit()
        except Conflict:
            raise Conflict(
                f"An event with id {event.id} was published already.",
                field_errors={"id": "already used"},
            ) from None
        return event
