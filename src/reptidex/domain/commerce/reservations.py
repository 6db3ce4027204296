"""Use cases of reservations: a buyer reserves units of another organisation's supply, the
seller confirms them (sold) or either party releases them (back in stock); a worker releases
the reservations held past their end (``expired``), each in a transaction of its own.

Reserving takes the units in one conditional update, only when that many are available at
that moment: buyers racing for the last units get exactly what there is, the others a
:class:`~reptidex.domain.errors.Conflict`, and the stock never goes below zero. Each move
stages its ``inventory.*`` event and two audit records: the reservation's (in the trail of the
organisation that acted) and the supply's counts (in the seller's trail).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace

from reptidex.domain.commerce.audit import audit, reservation_fields, stock_fields
from reptidex.domain.commerce.events import PRODUCER, ReservationChanged
from reptidex.domain.commerce.inventory_ports import (
    InventoryUnitOfWork,
    ReservationExpiryUnitOfWork,
    Side,
)
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.money import MAX_AMOUNT
from reptidex.domain.commerce.order_model import Party
from reptidex.domain.commerce.supply_model import (
    DEFAULT_HOLD_MINUTES,
    MAX_HOLD_MINUTES,
    MAX_QUANTITY,
    Reservation,
    ReservationStatus,
    Stock,
)
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events import new_event

MAX_PAGE = 100
EVENT_TYPES = {
    ReservationStatus.HELD: "inventory.reserved",
    ReservationStatus.CONFIRMED: "inventory.confirmed",
    ReservationStatus.RELEASED: "inventory.released",
    ReservationStatus.EXPIRED: "inventory.expired",
}
"""The event of each move, by the state it moves a reservation to."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _before(status: ReservationStatus, quantity: int, after: Stock) -> Stock:
    """The supply's counts just before a reservation of ``quantity`` moved to ``status``."""
    if status is ReservationStatus.HELD:
        return replace(
            after, available=after.available + quantity, reserved=after.reserved - quantity
        )
    if status is ReservationStatus.CONFIRMED:
        return replace(after, reserved=after.reserved + quantity, sold=after.sold - quantity)
    return replace(after, available=after.available - quantity, reserved=after.reserved + quantity)


def stage_reservation(
    uow: InventoryUnitOfWork,
    reservation: Reservation,
    previous: Reservation | None,
    counts: Stock,
    actor: Member | None,
) -> None:
    """Stage the move of ``reservation`` (from ``previous``; ``None``: just reserved), with
    the supply's ``counts`` after it; ``actor`` is ``None`` for the expiry worker."""
    party = None if actor is None else reservation.party_of(actor.organisation_id)
    user_id = None if actor is None else actor.user_id
    kind = EVENT_TYPES[reservation.status]
    uow.outbox.add(
        new_event(
            kind,
            producer=PRODUCER,
            payload=ReservationChanged(
                reservation_id=str(reservation.id),
                supply_id=str(reservation.supply_id),
                seller_organisation_id=str(reservation.seller_organisation_id),
                buyer_organisation_id=str(reservation.buyer_organisation_id),
                quantity=reservation.quantity,
                status=reservation.status.value,
                previous_status=None if previous is None else previous.status.value,
                unit_price_amount=reservation.unit_price.amount,
                currency=reservation.unit_price.currency.code,
                expires_at=reservation.expires_at,
                available=counts.available,
                reserved=counts.reserved,
                sold=counts.sold,
                party=None if party is None else party.value,
            ),
            organisation_id=reservation.seller_organisation_id
            if actor is None
            else actor.organisation_id,
            actor_id=user_id,
        )
    )
    action = kind.removeprefix("inventory.")
    audit(
        uow.outbox,
        "supply_reservation",
        reservation.id,
        action,
        organisation_id=reservation.seller_organisation_id
        if actor is None
        else actor.organisation_id,
        actor_id=user_id,
        before=None if previous is None else reservation_fields(previous),
        after=reservation_fields(reservation),
    )
    audit(
        uow.outbox,
        "supply",
        reservation.supply_id,
        action,
        organisation_id=reservation.seller_organisation_id,
        actor_id=user_id,
        before=stock_fields(_before(reservation.status, reservation.quantity, counts)),
        after=stock_fields(counts),
    )


async def reserve_supply(
    uow: InventoryUnitOfWork,
    actor: Member,
    supply_id: uuid.UUID,
    quantity: int,
    hold_minutes: int | None = None,
    *,
    now: dt.datetime | None = None,
) -> tuple[Reservation, Stock]:
    """Reserve ``quantity`` units of another organisation's supply for ``hold_minutes``
    (default :data:`DEFAULT_HOLD_MINUTES`); the reservation and the supply's counts after.
    :class:`Conflict` when fewer are available, :class:`InvalidInput` for one's own supply.
    Emits ``inventory.reserved``."""
    actor.require_writer()
    now = now or _now()
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(
            f"A reservation holds 1 to {MAX_QUANTITY} units.",
            field_errors={"quantity": f"1 to {MAX_QUANTITY}"},
        )
    minutes = DEFAULT_HOLD_MINUTES if hold_minutes is None else hold_minutes
    if not 1 <= minutes <= MAX_HOLD_MINUTES:
        raise InvalidInput(
            f"A hold lasts 1 to {MAX_HOLD_MINUTES} minutes.",
            field_errors={"hold_minutes": f"1 to {MAX_HOLD_MINUTES}"},
        )
    supply = await uow.supplies.get(supply_id)
    if supply is None:
        raise NotFound(f"No supply {supply_id}.")
    if supply.organisation_id == actor.organisation_id:
        raise InvalidInput("You cannot reserve your own supply.")
    if supply.unit_price.amount * quantity > MAX_AMOUNT:
        raise InvalidInput(
            f"The reservation would cost more than {MAX_AMOUNT} minor units.",
            field_errors={"quantity": "fewer units"},
        )
    reservation = Reservation(
        id=uuid.uuid4(),
        supply_id=supply.id,
        seller_organisation_id=supply.organisation_id,
        buyer_organisation_id=actor.organisation_id,
        supply_name=supply.name,
        unit_price=supply.unit_price,
        quantity=quantity,
        status=ReservationStatus.HELD,
        reserved_at=now,
        expires_at=now + dt.timedelta(minutes=minutes),
        buyer_user_id=actor.user_id,
    )
    counts = await uow.reservations.hold(reservation)
    if counts is None:
        raise Conflict(f"Fewer than {quantity} units of {supply.name!r} are available.")
    stage_reservation(uow, reservation, None, counts, actor)
    await uow.commit()
    return reservation, counts


async def _party_reservation(
    uow: InventoryUnitOfWork, actor: Member, reservation_id: uuid.UUID
) -> Reservation:
    reservation = await uow.reservations.get(reservation_id)
    if reservation is None or reservation.party_of(actor.organisation_id) is None:
        raise NotFound(f"No reservation {reservation_id} of yours.")
    return reservation


async def settle_reservation(
    uow: InventoryUnitOfWork,
    actor: Member,
    reservation_id: uuid.UUID,
    status: ReservationStatus,
    *,
    now: dt.datetime | None = None,
) -> tuple[Reservation, Stock]:
    """Confirm a held reservation (the seller: its units are sold) or release it (either
    party: its units are available again); the reservation and the supply's counts after.
    :class:`PermissionDenied` when the buyer confirms, :class:`Conflict` once it is no longer
    held (or, to confirm, past its end). Emits ``inventory.confirmed`` or
    ``inventory.released``."""
    if status not in (ReservationStatus.CONFIRMED, ReservationStatus.RELEASED):
        raise InvalidInput(f"A reservation is confirmed or released, not {status.value}.")
    actor.require_writer()
    now = now or _now()
    before = await _party_reservation(uow, actor, reservation_id)
    if (
        status is ReservationStatus.CONFIRMED
        and before.party_of(actor.organisation_id) is not Party.SELLER
    ):
        raise PermissionDenied("The seller confirms a reservation.")
    if before.status is not ReservationStatus.HELD:
        raise Conflict(f"The reservation is {before.status.value} already.")
    if status is ReservationStatus.CONFIRMED and before.expires_at <= now:
        raise Conflict("The reservation's hold has ended: the buyer reserves again.")
    counts = await uow.reservations.settle(before, status, now, actor.organisation_id)
    if counts is None:
        raise Conflict("The reservation was settled meanwhile.")
    settled = replace(before, status=status, settled_at=now, settled_by=actor.organisation_id)
    stage_reservation(uow, settled, before, counts, actor)
    await uow.commit()
    return settled, counts


async def show_reservation(
    uow: InventoryUnitOfWork, actor: Member, reservation_id: uuid.UUID
) -> Reservation:
    """A reservation the actor's organisation is party to."""
    return await _party_reservation(uow, actor, reservation_id)


async def list_reservations(
    uow: InventoryUnitOfWork,
    actor: Member,
    side: Side | None,
    status: ReservationStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[Reservation], int]:
    """One page of the reservations the actor's organisation made or received, newest
    first."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit is 1 to {MAX_PAGE}.", field_errors={"limit": f"1 to {MAX_PAGE}"})
    return await uow.reservations.of_organisation(
        actor.organisation_id, side, status, limit, offset
    )


async def expire_due_reservations(
    open_unit: Callable[[], AbstractAsyncContextManager[ReservationExpiryUnitOfWork]],
    now: dt.datetime,
    limit: int = 100,
) -> int:
    """Release up to ``limit`` reservations held past their end (``expired``), each in a
    transaction of its own; one settled meanwhile is left as it is. The number found."""
    async with open_unit() as uow:
        found = await uow.due_reservations.due(now, limit)
    for reservation in found:
        async with open_unit() as uow:
            current = await uow.reservations.get(reservation.id)
            if current is None or not current.is_due(now):
                continue
            counts = await uow.reservations.settle(current, ReservationStatus.EXPIRED, now, None)
            if counts is None:
                continue
            expired = replace(current, status=ReservationStatus.EXPIRED, settled_at=now)
            stage_reservation(uow, expired, current, counts, None)
            await uow.commit()
    return len(found)
