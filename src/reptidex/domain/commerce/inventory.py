"""A breeder's inventory: its animals by the state of their listings (available, on hold,
sold: how many, and a page of each) and its supplies with their stock. Anyone may read it;
the breeder's own members also see how many listings are drafts, hidden or expired.

An available listing past its end counts as expired, as the marketplace's search already
treats it (the expiry worker records it a little later).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from reptidex.domain.commerce.inventory_ports import InventoryUnitOfWork
from reptidex.domain.commerce.listing_model import Listing, ListingState
from reptidex.domain.commerce.supply_model import Supply, SupplyKind
from reptidex.domain.errors import InvalidInput

PUBLIC_SHELVES = (ListingState.AVAILABLE, ListingState.ON_HOLD, ListingState.SOLD)
"""The listing states anyone sees in an inventory, with the listings."""
PRIVATE_SHELVES = (ListingState.DRAFT, ListingState.HIDDEN, ListingState.EXPIRED)
"""The listing states only the breeder's members see, as counts."""
MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class Shelf:
    """The breeder's listings in one state: how many, and one page of them."""

    listing_state: ListingState
    count: int
    listings: list[Listing]


@dataclass(frozen=True, slots=True)
class BreederInventory:
    """What a breeder has: animals by listing state, and supplies."""

    breeder_id: uuid.UUID
    shelves: list[Shelf]
    supplies: list[Supply]
    supplies_total: int
    private_counts: dict[ListingState, int] | None
    """Drafts, hidden and expired listings: for the breeder's members only (else ``None``)."""


async def breeder_inventory(
    uow: InventoryUnitOfWork,
    viewer: uuid.UUID | None,
    breeder_id: uuid.UUID,
    *,
    kind: SupplyKind | None = None,
    limit: int = 20,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> BreederInventory:
    """The inventory of the organisation ``breeder_id`` as ``viewer`` (an organisation, or
    ``None`` without a token) may see it; ``limit`` and ``offset`` page each list (the
    listings of each state, and the supplies, of ``kind`` when given)."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit is 1 to {MAX_PAGE}.", field_errors={"limit": f"1 to {MAX_PAGE}"})
    now = now or dt.datetime.now(dt.UTC)
    member = viewer == breeder_id
    listings = uow.breeder_listings
    states = PUBLIC_SHELVES + (PRIVATE_SHELVES if member else ())
    counts = await listings.counts(breeder_id, states, now)
    shelves = []
    for state in PUBLIC_SHELVES:
        count = counts.get(state, 0)
        page = await listings.in_state(breeder_id, state, now, limit, offset) if count else []
        shelves.append(Shelf(state, count, page))
    supplies, total = await uow.supplies.of_organisation(breeder_id, kind, limit, offset)
    return BreederInventory(
        breeder_id=breeder_id,
        shelves=shelves,
        supplies=supplies,
        supplies_total=total,
        private_counts={s: counts.get(s, 0) for s in PRIVATE_SHELVES} if member else None,
    )
