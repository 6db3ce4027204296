"""The audit records of marketplace changes: what each commerce use case stages beside its
events, in the same unit of work, so a change and its record commit together (``docs/ops.md``).

A record names the organisation on whose behalf the change was made (the acting party of an
order's step; the seller for what a provider, a worker or another service's event changed)
and holds the changed fields before and after. The text of inquiries and answers is private
correspondence: its records say that it was written, never what it says.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from reptidex.domain.audit import record_change, snapshot
from reptidex.domain.commerce.events import PRODUCER
from reptidex.domain.commerce.listing_model import Listing
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.order_model import Order
from reptidex.domain.commerce.payment_model import Payment
from reptidex.domain.commerce.supply_model import Reservation, Stock, Supply
from reptidex.domain.events import Outbox

CORRESPONDENCE = frozenset({"message", "answer"})
"""Inquiry fields whose text no audit record holds."""


def money_fields(prefix: str, money: Money) -> dict[str, Any]:
    """An amount as two plain fields, ``<prefix>_amount`` (minor units) and ``currency``.

    >>> money_fields("price", Money.of(1999, "EUR"))
    {'price_amount': 1999, 'currency': 'EUR'}
    """
    return {f"{prefix}_amount": money.amount, "currency": money.currency.code}


def listing_fields(listing: Listing) -> dict[str, Any]:
    """A listing as its records show it: its terms and state, and which animal it offers (the
    animal's own record is repti-animal's)."""
    fields = snapshot(
        listing, drop={"id", "animal", "price", "created_at", "updated_at", "version"}
    )
    return {
        "animal_id": str(listing.animal.animal_id),
        **fields,
        **money_fields("price", listing.price),
    }


def order_fields(order: Order) -> dict[str, Any]:
    """An order as its records show it."""
    fields = snapshot(
        order, drop={"id", "price", "platform_fee", "placed_at", "updated_at", "version"}
    )
    return {
        **fields,
        **money_fields("price", order.price),
        "platform_fee_amount": order.platform_fee.amount,
    }


def payment_fields(payment: Payment) -> dict[str, Any]:
    """A payment as its records show it (the provider's references included: they are ids, not
    credentials)."""
    fields = snapshot(
        payment, drop={"id", "amount", "fee", "approval_url", "created_at", "updated_at", "version"}
    )
    return {**fields, **money_fields("amount", payment.amount), "fee_amount": payment.fee.amount}


def stock_fields(stock: Stock) -> dict[str, int]:
    """A supply's counts as its records show them: on hand, available, reserved, sold.

    >>> stock_fields(Stock(available=3, reserved=2, sold=1))
    {'stock': 5, 'available': 3, 'reserved': 2, 'sold': 1}
    """
    return {
        "stock": stock.on_hand,
        "available": stock.available,
        "reserved": stock.reserved,
        "sold": stock.sold,
    }


def supply_fields(supply: Supply) -> dict[str, Any]:
    """A supply as its records show it: what it is, its price and its counts."""
    fields = snapshot(
        supply, drop={"id", "unit_price", "stock", "created_by", "created_at", "updated_at"}
    )
    return {**fields, **money_fields("unit_price", supply.unit_price), **stock_fields(supply.stock)}


def reservation_fields(reservation: Reservation) -> dict[str, Any]:
    """A reservation as its records show it."""
    fields = snapshot(reservation, drop={"id", "unit_price"})
    return {**fields, **money_fields("unit_price", reservation.unit_price)}


def audit(
    outbox: Outbox,
    resource_kind: str,
    resource_id: uuid.UUID | str,
    action: str,
    *,
    organisation_id: uuid.UUID,
    actor_id: uuid.UUID | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    withhold: Collection[str] = (),
) -> None:
    """Stage the audit record of one marketplace change in ``outbox`` (the change's
    transaction); ``actor_id`` is None for what no user did (a provider's report, a worker)."""
    record_change(
        outbox,
        service=PRODUCER,
        resource_kind=resource_kind,
        resource_id=resource_id,
        action=action,
        actor_id=actor_id,
        organisation_id=organisation_id,
        before=before,
        after=after,
        withhold=withhold,
    )
