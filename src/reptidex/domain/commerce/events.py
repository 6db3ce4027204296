"""Payloads of the events the commerce use cases stage in the outbox (version 1).

``listing.created``, ``listing.updated`` (with the changed fields before and after),
``listing.state_changed``, ``listing.deleted``; ``order.placed``, ``order.paid``,
``order.handed_over``, ``order.completed``, ``order.cancelled``, ``order.refunded``;
``inventory.item_created``, ``inventory.item_updated``, ``inventory.stock_changed``,
``inventory.item_deleted``; ``inventory.reserved``, ``inventory.confirmed``,
``inventory.released``, ``inventory.expired``; ``seller.profile_updated``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

PRODUCER = "commerce"


class ListingChanged(msgspec.Struct, frozen=True):
    """``listing.created`` / ``listing.updated`` / ``listing.state_changed``: the listing's
    summary after the change and, for an update, the changed fields before and after; with
    what a search index keeps of it (title, description, where, and the animal's morph,
    sex, visual traits and hets)."""

    listing_id: str
    animal_id: str
    species: str
    state: str
    price_amount: int
    currency: str
    changed: list[str] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    title: str = ""
    description: str = ""
    country: str | None = None
    region: str | None = None
    sex: str | None = None
    morph: str | None = None
    traits: list[str] = []
    hets: list[str] = []


class ListingDeleted(msgspec.Struct, frozen=True):
    """``listing.deleted``."""

    listing_id: str
    animal_id: str


class OrderChanged(msgspec.Struct, frozen=True):
    """``order.<action>``: the order after a step, and the step (who, from which state)."""

    order_id: str
    listing_id: str
    seller_organisation_id: str
    buyer_organisation_id: str
    state: str
    previous_state: str | None
    party: str
    price_amount: int
    currency: str
    platform_fee_amount: int
    note: str | None = None


class SupplyChanged(msgspec.Struct, frozen=True):
    """``inventory.item_created`` / ``item_updated`` / ``stock_changed`` / ``item_deleted``:
    the supply after the change (before it, when deleted) and, for a change, the changed
    fields before and after."""

    supply_id: str
    organisation_id: str
    name: str
    kind: str
    sku: str | None
    unit_price_amount: int
    currency: str
    available: int
    reserved: int
    sold: int
    changed: list[str] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}


class ReservationChanged(msgspec.Struct, frozen=True):
    """``inventory.reserved`` / ``confirmed`` / ``released`` / ``expired``: the reservation
    after the move, and its supply's counts after it."""

    reservation_id: str
    supply_id: str
    seller_organisation_id: str
    buyer_organisation_id: str
    quantity: int
    status: str
    previous_status: str | None
    unit_price_amount: int
    currency: str
    expires_at: dt.datetime
    available: int
    reserved: int
    sold: int
    party: str | None
    """Who moved it (``buyer``, ``seller``; none for the expiry worker)."""


class SellerProfileUpdated(msgspec.Struct, frozen=True):
    """``seller.profile_updated``: an organisation wrote its seller profile (created or
    replaced it); what a search index keeps of a seller, as it now stands."""

    organisation_id: str
    display_name: str
    country: str | None
    region: str | None
    about: str = ""
