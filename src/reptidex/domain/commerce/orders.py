"""Use cases of orders: place one (idempotently, reserving its listing), move it through its
states, and show or list the orders an organisation is party to.

Placing an order puts its listing on hold; cancelling or refunding it makes the listing
available again; completing it marks the listing sold and asks for the animal's transfer to
the buyer (:mod:`~reptidex.domain.commerce.ownership`). When money moves the ledger gets its
postings: the payment (and the platform's fee) when the seller records it, their reversal on a
refund. Every step is kept in the order's history and staged as an ``order.*`` event (and a
``listing.state_changed`` when the listing moves), committed with the change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from reptidex.domain.commerce.audit import audit, order_fields
from reptidex.domain.commerce.events import PRODUCER, OrderChanged
from reptidex.domain.commerce.ledger import Posting, payment, refund
from reptidex.domain.commerce.listing_model import Listing, ListingState
from reptidex.domain.commerce.listings import MAX_PAGE, stage_listing_event
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.order_model import Order, OrderAction, OrderState, OrderStep, Party
from reptidex.domain.commerce.ownership import ownership_request
from reptidex.domain.commerce.ports import CommerceUnitOfWork, KeptRequest
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.domain.events import new_event

EVENT_TYPES: dict[OrderAction, str] = {
    OrderAction.PLACE: "order.placed",
    OrderAction.MARK_PAID: "order.paid",
    OrderAction.HAND_OVER: "order.handed_over",
    OrderAction.COMPLETE: "order.completed",
    OrderAction.CANCEL: "order.cancelled",
    OrderAction.REFUND: "order.refunded",
}
"""The event each step emits."""

LISTING_AFTER: dict[OrderAction, ListingState] = {
    OrderAction.PLACE: ListingState.ON_HOLD,
    OrderAction.COMPLETE: ListingState.SOLD,
    OrderAction.CANCEL: ListingState.AVAILABLE,
    OrderAction.REFUND: ListingState.AVAILABLE,
}
"""Where a step moves the order's listing."""

MAX_KEY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a buyer asks for: a listing, and a note to the seller."""

    listing_id: uuid.UUID
    note: str | None = None

    def fingerprint(self) -> str:
        """What identifies the request under its idempotency key (a digest of its fields)."""
        text = f"{self.listing_id}\x1f{self.note or ''}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """The order of a request, and whether this request made it (not a repeat of its key)."""

    order: Order
    created: bool


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order with its history."""

    order: Order
    history: list[OrderStep]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stage_order(uow: CommerceUnitOfWork, order: Order, step: OrderStep) -> None:
    payload = OrderChanged(
        order_id=str(order.id),
        listing_id=str(order.listing_id),
        seller_organisation_id=str(order.seller_organisation_id),
        buyer_organisation_id=str(order.buyer_organisation_id),
        state=order.status.value,
        previous_state=None if step.from_state is None else step.from_state.value,
        party=step.party.value,
        price_amount=order.price.amount,
        currency=order.price.currency.code,
        platform_fee_amount=order.platform_fee.amount,
        note=step.note,
    )
    uow.outbox.add(
        new_event(
            EVENT_TYPES[step.action],
            producer=PRODUCER,
            payload=payload,
            organisation_id=step.organisation_id,
            actor_id=step.user_id,
            occurred_at=step.at,
        )
    )
    # placed: the whole order; a later step: the move, and the note that came with it
    before = None if step.from_state is None else {"status": step.from_state.value}
    after = (
        order_fields(order)
        if before is None
        else {"status": step.to_state.value, **({"note": step.note} if step.note else {})}
    )
    audit(
        uow.outbox,
        "order",
        order.id,
        step.action.value,
        organisation_id=step.organisation_id,
        actor_id=step.user_id,
        before=before,
        after=after,
    )


async def _move_listing(
    uow: CommerceUnitOfWork, actor: Member, listing: Listing, state: ListingState, at: dt.datetime
) -> None:
    stored = await uow.listings.update(listing.moved_to(state, at))
    stage_listing_event(uow, actor, "listing.state_changed", stored, listing, ("state",))


async def place_order(
    uow: CommerceUnitOfWork,
    actor: Member,
    request: OrderRequest,
    idempotency_key: str,
    *,
    fee_basis_points: int = 0,
    now: dt.datetime | None = None,
) -> PlacedOrder:
    """Order a listing, once per idempotency key: a repeat of a key returns the order it made
    (:class:`InvalidInput` when the repeat asks for something else). The listing goes on hold;
    :class:`Conflict` when it is not open (on hold, sold, ended) or another order came first.
    Emits ``order.placed`` and ``listing.state_changed``."""
    actor.require_writer()
    now = now or _now()
    if not 1 <= len(idempotency_key) <= MAX_KEY_LENGTH:
        raise InvalidInput(
            f"The Idempotency-Key is 1 to {MAX_KEY_LENGTH} characters.",
            field_errors={"Idempotency-Key": f"1 to {MAX_KEY_LENGTH} characters"},
        )
    kept = await uow.idempotency.get(actor.organisation_id, idempotency_key)
    if kept is not None:
        if kept.fingerprint != request.fingerprint():
            raise InvalidInput(
                "This Idempotency-Key was used for another request.",
                field_errors={"Idempotency-Key": "a new key for a new request"},
            )
        order = await uow.orders.get(kept.order_id)
        if order is None:  # pragma: no cover - the key and its order commit together
            raise NotFound("The order of this Idempotency-Key is gone.")
        return PlacedOrder(order, created=False)
    listing = await uow.listings.get(request.listing_id)
    if listing is None or not listing.is_public():
        raise NotFound(f"No listing {request.listing_id}.")
    if listing.organisation_id == actor.organisation_id:
        raise InvalidInput("You cannot order your own listing.")
    if not listing.is_open(now):
        raise Conflict(f"The listing is not available ({listing.status.value}).")
    order, step = Order.place(
        listing_id=listing.id,
        seller_organisation_id=listing.organisation_id,
        buyer_organisation_id=actor.organisation_id,
        buyer_user_id=actor.user_id,
        price=listing.price,
        platform_fee=listing.price.share(fee_basis_points),
        at=now,
        note=request.note,
    )
    # the order first: on PostgreSQL a buyer may write only a listing it has an order of
    order = await uow.orders.add(order)
    await uow.orders.record(step)
    await _move_listing(uow, actor, listing, ListingState.ON_HOLD, now)
    await uow.idempotency.keep(
        actor.organisation_id, KeptRequest(idempotency_key, request.fingerprint(), order.id)
    )
    _stage_order(uow, order, step)
    await uow.commit()
    return PlacedOrder(order, created=True)


async def place_order_once(
    open_unit: Callable[[], AbstractAsyncContextManager[CommerceUnitOfWork]],
    actor: Member,
    request: OrderRequest,
    idempotency_key: str,
    *,
    fee_basis_points: int = 0,
) -> PlacedOrder:
    """:func:`place_order` in a unit of work of its own, and once more in a new one after a
    :class:`Conflict`: when the conflict was a request with the same key running at the same
    time, the second attempt finds that request's order and returns it (so concurrent repeats
    of a key all get the one order); any other conflict (another buyer's order) stands."""
    try:
        async with open_unit() as uow:
            return await place_order(
                uow, actor, request, idempotency_key, fee_basis_points=fee_basis_points
            )
    except Conflict:
        pass  # perhaps the same key's request, committed meanwhile: the next attempt tells
    async with open_unit() as uow:
        return await place_order(
            uow, actor, request, idempotency_key, fee_basis_points=fee_basis_points
        )


async def _party_order(uow: CommerceUnitOfWork, actor: Member, order_id: uuid.UUID) -> Order:
    order = await uow.orders.get(order_id)
    if order is None or order.party_of(actor.organisation_id) is None:
        raise NotFound(f"No order {order_id} of yours.")
    return order


def _postings(action: OrderAction, order: Order, at: dt.datetime) -> list[Posting]:
    parties = (order.id, order.seller_organisation_id, order.buyer_organisation_id)
    if action is OrderAction.MARK_PAID:
        return payment(*parties, order.price, order.platform_fee, at)
    if action is OrderAction.REFUND:
        return refund(*parties, order.price, order.platform_fee, at)
    return []


async def act_on_order(
    uow: CommerceUnitOfWork,
    actor: Member,
    order_id: uuid.UUID,
    action: OrderAction,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
    postings: Sequence[Posting] | None = None,
) -> Order:
    """Take ``action`` on an order the actor's organisation is party to (the rules are
    :data:`~reptidex.domain.commerce.order_model.RULES`); move its listing, post the money that
    moves (``postings`` when it is not the whole price and fee: what is left of a payment
    refunded in parts), keep the step and emit ``order.<action>``."""
    actor.require_writer()
    now = now or _now()
    before = await _party_order(uow, actor, order_id)
    order, step = before.act(action, actor.organisation_id, actor.user_id, now, note)
    order = await uow.orders.update(order)
    await uow.orders.record(step)
    target = LISTING_AFTER.get(action)
    if target is not None:
        listing = await uow.listings.get(order.listing_id)
        if listing is None:  # pragma: no cover - a listing on hold cannot be deleted
            raise Conflict("The order's listing is gone.")
        await _move_listing(uow, actor, listing, target, now)
        if action is OrderAction.COMPLETE:
            await uow.ownership.add(ownership_request(order, listing.animal.animal_id, now))
    for posting in _postings(action, order, now) if postings is None else postings:
        await uow.ledger.post(posting)
    _stage_order(uow, order, step)
    await uow.commit()
    return order


async def show_order(uow: CommerceUnitOfWork, actor: Member, order_id: uuid.UUID) -> OrderRecord:
    """An order the actor's organisation is party to, with its history."""
    order = await _party_order(uow, actor, order_id)
    return OrderRecord(order, await uow.orders.history(order.id))


async def list_orders(
    uow: CommerceUnitOfWork,
    actor: Member,
    party: Party | None,
    state: OrderState | None,
    limit: int,
    offset: int,
) -> tuple[list[Order], int]:
    """One page of the orders the actor's organisation bought (``buyer``), sold (``seller``)
    or either, newest first."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit is 1 to {MAX_PAGE}.", field_errors={"limit": f"1 to {MAX_PAGE}"})
    return await uow.orders.of_organisation(actor.organisation_id, party, state, limit, offset)


async def order_ledger(
    uow: CommerceUnitOfWork, actor: Member, order_id: uuid.UUID
) -> list[Posting]:
    """The ledger postings of an order the actor's organisation is party to."""
    order = await _party_order(uow, actor, order_id)
    return await uow.ledger.of_order(order.id)
