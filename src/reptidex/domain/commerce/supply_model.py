"""Supplies a breeder sells beside its animals (feeders, enclosures, equipment), and the
buyers' reservations of them.

A supply counts its units three ways: ``available`` (free to reserve), ``reserved`` (held by
reservations) and ``sold``; what is on hand (its ``stock``) is available plus reserved. A
reservation holds ``quantity`` units until the seller confirms it (the units are sold), either
party releases it, or its hold ends and the expiry worker releases it (``expired``); each of
these is final, and each moves the supply's counts with it, in one transaction.

>>> stock = Stock(available=3, reserved=2, sold=7)
>>> stock.on_hand
5
>>> stock.set_on_hand(4)
Stock(available=2, reserved=2, sold=7)
>>> stock.set_on_hand(1) is None  # fewer than the reserved units
True
>>> stock.adjusted(-4) is None  # below zero available
True
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, replace

from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.order_model import Party

MAX_STOCK = 1_000_000
"""The most units of one supply on hand."""
MAX_QUANTITY = 10_000
"""The most units one reservation holds."""
DEFAULT_HOLD_MINUTES = 60
"""How long a reservation holds its units unless the buyer asks otherwise."""
MAX_HOLD_MINUTES = 7 * 24 * 60
"""The longest hold: a week."""


class SupplyKind(enum.StrEnum):
    """What a supply is."""

    FEEDER = "feeder"
    ENCLOSURE = "enclosure"
    EQUIPMENT = "equipment"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Stock:
    """A supply's units: free to reserve, held by reservations, and sold."""

    available: int = 0
    reserved: int = 0
    sold: int = 0

    @property
    def on_hand(self) -> int:
        """The units in the shop: available and reserved."""
        return self.available + self.reserved

    def set_on_hand(self, units: int) -> Stock | None:
        """The stock with ``units`` on hand (the reserved ones among them), or ``None`` when
        that is fewer than are reserved or more than :data:`MAX_STOCK`."""
        if not self.reserved <= units <= MAX_STOCK:
            return None
        return replace(self, available=units - self.reserved)

    def adjusted(self, delta: int) -> Stock | None:
        """The stock with ``delta`` more units on hand (fewer when negative), or ``None`` when
        fewer than zero would be available or more than :data:`MAX_STOCK` on hand."""
        if self.available + delta < 0 or self.on_hand + delta > MAX_STOCK:
            return None
        return replace(self, available=self.available + delta)


@dataclass(frozen=True, slots=True)
class Supply:
    """A seller's stock item."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    kind: SupplyKind
    unit_price: Money
    sku: str | None = None
    """The seller's article number, unique among its supplies."""
    stock: Stock = Stock()
    created_by: uuid.UUID | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class SetStock:
    """A change of stock: ``units`` on hand from now on (the reserved ones among them)."""

    units: int

    def apply(self, stock: Stock) -> Stock | None:
        """The stock after the change, or ``None`` when it may not be made."""
        return stock.set_on_hand(self.units)


@dataclass(frozen=True, slots=True)
class AdjustStock:
    """A change of stock: ``delta`` units more on hand (fewer when negative)."""

    delta: int

    def apply(self, stock: Stock) -> Stock | None:
        """The stock after the change, or ``None`` when it may not be made."""
        return stock.adjusted(self.delta)


StockChange = SetStock | AdjustStock
"""How a seller changes a supply's stock."""


class ReservationStatus(enum.StrEnum):
    """Where a reservation stands: held, or one of the final states."""

    HELD = "held"
    CONFIRMED = "confirmed"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Reservation:
    """Units of a supply held for a buyer (another organisation) until ``expires_at``."""

    id: uuid.UUID
    supply_id: uuid.UUID
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID
    supply_name: str
    unit_price: Money
    quantity: int
    status: ReservationStatus
    reserved_at: dt.datetime
    expires_at: dt.datetime
    buyer_user_id: uuid.UUID | None = None
    settled_at: dt.datetime | None = None
    settled_by: uuid.UUID | None = None
    """The organisation that confirmed or released it (``None``: the expiry worker)."""

    @property
    def total(self) -> Money:
        """The price of the units held."""
        return Money(self.unit_price.amount * self.quantity, self.unit_price.currency)

    def party_of(self, organisation_id: uuid.UUID) -> Party | None:
        """Which side ``organisation_id`` is on, if any."""
        if organisation_id == self.seller_organisation_id:
            return Party.SELLER
        if organisation_id == self.buyer_organisation_id:
            return Party.BUYER
        return None

    def is_due(self, now: dt.datetime) -> bool:
        """Whether it is held past its end (the expiry worker releases it)."""
        return self.status is ReservationStatus.HELD and self.expires_at <= now
