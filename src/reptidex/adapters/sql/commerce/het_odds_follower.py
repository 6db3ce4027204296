"""The consumer of repti-animal's ``animal.het_odds.changed`` that keeps each animal's
pedigree carrier odds and shows them on its listing
(:func:`~reptidex.domain.commerce.het_odds_follow.follow_het_odds`), on the session of the
idempotent consumer, scoped to the animal's organisation for row-level security."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.unit_of_work import SqlCommerceUnitOfWork
from reptidex.domain.commerce.het_odds_follow import follow_het_odds
from reptidex.domain.commerce.ports import ListingRenderer
from reptidex.domain.events import DomainEvent


def het_odds_follower(
    documents: ListingRenderer | None = None,
) -> Callable[[DomainEvent, AsyncSession], Awaitable[None]]:
    """The consumer, keeping the documents of the listings it changes with ``documents``."""

    async def follow_het_odds_event(event: DomainEvent, session: AsyncSession) -> None:
        """Keep the odds and refresh the animal's listing (no commit: the consumer's)."""
        if event.organisation_id is None:
            return
        uow = SqlCommerceUnitOfWork(session, documents)
        await uow.bind_organisation(event.organisation_id)
        await follow_het_odds(uow.listings, uow.het_odds, uow.outbox, event)

    return follow_het_odds_event
