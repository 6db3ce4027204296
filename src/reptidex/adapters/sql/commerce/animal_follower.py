"""The consumer of repti-animal's ``animal.*`` events that keeps listings following their
animal (:func:`~reptidex.domain.commerce.animal_follow.follow_animal`), on the session of the
idempotent consumer (the change, its events and the event's mark commit together), scoped to
the animal's organisation for row-level security."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.unit_of_work import SqlCommerceUnitOfWork
from reptidex.domain.commerce.animal_follow import follow_animal
from reptidex.domain.commerce.ports import ListingRenderer
from reptidex.domain.events import DomainEvent


def animal_follower(
    documents: ListingRenderer | None = None,
) -> Callable[[DomainEvent, AsyncSession], Awaitable[None]]:
    """The consumer, keeping the documents of the listings it changes with ``documents``."""

    async def follow_animal_event(event: DomainEvent, session: AsyncSession) -> None:
        """Withdraw or refresh the listing of the event's animal (no commit: the
        consumer's)."""
        if event.organisation_id is None:
            return
        uow = SqlCommerceUnitOfWork(session, documents)
        await uow.bind_organisation(event.organisation_id)
        await follow_animal(uow.listings, uow.outbox, event)

    return follow_animal_event
