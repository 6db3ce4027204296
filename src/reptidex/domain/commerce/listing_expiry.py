"""Listings past their end become ``expired``: a background worker finds the available and
hidden listings whose ``expires_at`` has passed and moves each, in a transaction of its own,
staging ``listing.state_changed``. (Searches stop showing a listing at its end already; this
records it, so that the seller sees it expired and may put it back.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from reptidex.domain.commerce.listing_model import Listing, ListingState
from reptidex.domain.commerce.listings import stage_listing_event
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.ports import CommerceUnitOfWork
from reptidex.domain.errors import Conflict

EXPIRABLE = frozenset({ListingState.AVAILABLE, ListingState.HIDDEN})
"""The states a listing past its end leaves for ``expired`` (a draft was never offered; a
listing an order holds belongs to its order)."""


class EndedListings(Protocol):
    """The listings past their end."""

    async def ended(self, now: dt.datetime, limit: int) -> list[Listing]:
        """Up to ``limit`` available or hidden listings whose end is at or before ``now``,
        the earliest end first."""


class ExpiryUnitOfWork(CommerceUnitOfWork, Protocol):
    """A transaction of the expiry worker."""

    @property
    def ended(self) -> EndedListings:
        """The listings past their end (every organisation's)."""


def has_ended(listing: Listing, now: dt.datetime) -> bool:
    """Whether the listing should now be expired."""
    return (
        listing.status in EXPIRABLE and listing.expires_at is not None and listing.expires_at <= now
    )


async def expire_ended_listings(
    open_unit: Callable[[], AbstractAsyncContextManager[ExpiryUnitOfWork]],
    now: dt.datetime,
    limit: int = 100,
) -> int:
    """Expire up to ``limit`` listings past their end, each in a transaction of its own (one
    changed meanwhile by its seller is left to the next pass); the number found."""
    async with open_unit() as uow:
        found = await uow.ended.ended(now, limit)
    for listing in found:
        try:
            async with open_unit() as uow:
                current = await uow.listings.get(listing.id)
                if current is None or not has_ended(current, now):
                    continue
                stored = await uow.listings.update(current.moved_to(ListingState.EXPIRED, now))
                seller = Member(current.organisation_id, user_id=None)
                stage_listing_event(
                    uow, seller, "listing.state_changed", stored, current, ("state",)
                )
                await uow.commit()
        except Conflict:
            continue
    return len(found)
