"""Request and response bodies of the inventory: supplies, reservations, a breeder's
inventory."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from reptidex.domain.commerce.inventory import BreederInventory, Shelf
from reptidex.domain.commerce.listing_model import ListingState
from reptidex.domain.commerce.supply_model import (
    MAX_HOLD_MINUTES,
    MAX_QUANTITY,
    MAX_STOCK,
    Reservation,
    Supply,
)
from reptidex.services.commerce.schemas import MoneyView, PriceBody, money_view

SupplyKindName = Literal["feeder", "enclosure", "equipment", "other"]
ReservationStatusName = Literal["held", "confirmed", "released", "expired"]
SupplyName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S", examples=["Frozen rats, M"])
]
Sku = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$",
        description="The seller's article number: letters, digits, `.`, `_`, `/`, `-`; "
        "unique among its supplies.",
        examples=["FT-RAT-M"],
    ),
]
Units = Annotated[
    int, msgspec.Meta(ge=0, le=MAX_STOCK, description="Units on hand (available + reserved).")
]
Delta = Annotated[
    int,
    msgspec.Meta(
        ge=-MAX_STOCK, le=MAX_STOCK, description="Units added to stock (removed when negative)."
    ),
]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]
HoldMinutes = Annotated[
    int,
    msgspec.Meta(
        ge=1, le=MAX_HOLD_MINUTES, description="How long the units are held (default 60)."
    ),
]


class SupplyCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new supply with the units it has on hand."""

    name: SupplyName
    kind: SupplyKindName
    unit_price: PriceBody
    sku: Sku | None = None
    stock: Units = 0


class SupplyPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The fields to change (absent ones stay; ``sku: null`` clears it). ``stock`` sets the
    units on hand, ``stock_change`` adds (or removes) units: one or the other."""

    name: SupplyName | msgspec.UnsetType = msgspec.UNSET
    kind: SupplyKindName | msgspec.UnsetType = msgspec.UNSET
    sku: Sku | msgspec.UnsetType | None = msgspec.UNSET
    unit_price: PriceBody | msgspec.UnsetType = msgspec.UNSET
    stock: Units | msgspec.UnsetType = msgspec.UNSET
    stock_change: Delta | msgspec.UnsetType = msgspec.UNSET


class ReservationCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Units of a supply to hold, and for how long."""

    quantity: Quantity
    hold_minutes: HoldMinutes | None = None


class SupplyView(msgspec.Struct, frozen=True):
    """A supply: what it is, its unit price and its stock (``stock`` on hand: ``available``
    to reserve plus ``reserved``; ``sold`` for the seller's members only)."""

    id: uuid.UUID
    seller_organisation_id: uuid.UUID
    name: str
    kind: SupplyKindName
    sku: str | None
    unit_price: MoneyView
    stock: int
    available: int
    reserved: int
    sold: int | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def supply_view(supply: Supply, viewer: uuid.UUID | None) -> SupplyView:
    """The response body of a supply, as ``viewer`` (an organisation) sees it."""
    stock = supply.stock
    return SupplyView(
        id=supply.id,
        seller_organisation_id=supply.organisation_id,
        name=supply.name,
        kind=supply.kind.value,
        sku=supply.sku,
        unit_price=money_view(supply.unit_price),
        stock=stock.on_hand,
        available=stock.available,
        reserved=stock.reserved,
        sold=stock.sold if viewer == supply.organisation_id else None,
        created_at=supply.created_at,
        updated_at=supply.updated_at,
    )


class ReservationView(msgspec.Struct, frozen=True):
    """A reservation: the units held, by whom, until when, and how it ended."""

    id: uuid.UUID
    supply_id: uuid.UUID
    supply_name: str
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID
    buyer_user_id: uuid.UUID | None
    quantity: int
    unit_price: MoneyView
    total: MoneyView
    status: ReservationStatusName
    reserved_at: dt.datetime
    expires_at: dt.datetime
    settled_at: dt.datetime | None
    settled_by: uuid.UUID | None


def reservation_view(reservation: Reservation) -> ReservationView:
    """The response body of a reservation."""
    return ReservationView(
        id=reservation.id,
        supply_id=reservation.supply_id,
        supply_name=reservation.supply_name,
        seller_organisation_id=reservation.seller_organisation_id,
        buyer_organisation_id=reservation.buyer_organisation_id,
        buyer_user_id=reservation.buyer_user_id,
        quantity=reservation.quantity,
        unit_price=money_view(reservation.unit_price),
        total=money_view(reservation.total),
        status=reservation.status.value,
        reserved_at=reservation.reserved_at,
        expires_at=reservation.expires_at,
        settled_at=reservation.settled_at,
        settled_by=reservation.settled_by,
    )


class ReservationPage(msgspec.Struct, frozen=True):
    """A page of reservations."""

    items: list[ReservationView]
    total: int
    limit: int
    offset: int


class ShelfItem(msgspec.Struct, frozen=True):
    """A listing as an inventory shows it."""

    listing_id: uuid.UUID
    title: str
    price: MoneyView
    species: str
    morph: str
    sex: str
    updated_at: dt.datetime | None


class ShelfView(msgspec.Struct, frozen=True):
    """The breeder's listings in one state: how many, and a page of them."""

    count: int
    items: list[ShelfItem]


def shelf_view(shelf: Shelf) -> ShelfView:
    """The response body of a shelf."""
    return ShelfView(
        shelf.count,
        [
            ShelfItem(
                listing_id=x.id,
                title=x.title,
                price=money_view(x.price),
                species=x.animal.species,
                morph=x.animal.morph,
                sex=x.animal.sex,
                updated_at=x.updated_at,
            )
            for x in shelf.listings
        ],
    )


class AnimalsView(msgspec.Struct, frozen=True):
    """The breeder's animals by the state of their listings; the counts of drafts, hidden and
    expired listings for its members only (else ``null``)."""

    available: ShelfView
    on_hold: ShelfView
    sold: ShelfView
    draft: int | None
    hidden: int | None
    expired: int | None


class SupplyPage(msgspec.Struct, frozen=True):
    """A page of the breeder's supplies, and their total."""

    items: list[SupplyView]
    total: int


class InventoryView(msgspec.Struct, frozen=True):
    """A breeder's inventory; ``limit`` and ``offset`` page each list."""

    breeder_id: uuid.UUID
    animals: AnimalsView
    supplies: SupplyPage
    limit: int
    offset: int


def inventory_view(
    inventory: BreederInventory, viewer: uuid.UUID | None, limit: int, offset: int
) -> InventoryView:
    """The response body of a breeder's inventory, as ``viewer`` sees it."""
    shelves = {s.listing_state: shelf_view(s) for s in inventory.shelves}
    private = inventory.private_counts
    return InventoryView(
        breeder_id=inventory.breeder_id,
        animals=AnimalsView(
            available=shelves[ListingState.AVAILABLE],
            on_hold=shelves[ListingState.ON_HOLD],
            sold=shelves[ListingState.SOLD],
            draft=None if private is None else private[ListingState.DRAFT],
            hidden=None if private is None else private[ListingState.HIDDEN],
            expired=None if private is None else private[ListingState.EXPIRED],
        ),
        supplies=SupplyPage(
            [supply_view(s, viewer) for s in inventory.supplies], inventory.supplies_total
        ),
        limit=limit,
        offset=offset,
    )
