"""The order's state machine, every action by every party from every state: who may do it,
where it leads, the exact refusal, and the step that records who did what and when."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest

from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.order_model import (
    ACTIVE_STATES,
    Order,
    OrderAction,
    OrderState,
    OrderStep,
    Party,
)
from reptidex.domain.errors import Conflict, PermissionDenied

AT = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
LATER = AT + dt.timedelta(hours=5)
SELLER, BUYER, STRANGER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
BUYER_USER, SELLER_USER = uuid.uuid4(), uuid.uuid4()
A, S = OrderAction, OrderState

# The documented machine, written out: action -> (who may, from which states, to which state).
MACHINE: dict[OrderAction, tuple[set[str], set[OrderState], OrderState]] = {
    A.MARK_PAID: ({"seller"}, {S.PENDING}, S.PAID),
    A.HAND_OVER: ({"seller"}, {S.PAID}, S.HANDED_OVER),
    A.COMPLETE: ({"buyer"}, {S.HANDED_OVER}, S.COMPLETED),
    A.CANCEL: ({"buyer", "seller"}, {S.PENDING}, S.CANCELLED),
    A.REFUND: ({"seller"}, {S.PAID, S.HANDED_OVER}, S.REFUNDED),
}
WHO = {
    A.MARK_PAID: "Only the seller may mark paid.",
    A.HAND_OVER: "Only the seller may hand over.",
    A.COMPLETE: "Only the buyer may complete.",
    A.CANCEL: "Only the buyer or seller may cancel.",
    A.REFUND: "Only the seller may refund.",
}
VERB = {
    A.MARK_PAID: "mark paid",
    A.HAND_OVER: "hand over",
    A.COMPLETE: "complete",
    A.CANCEL: "cancel",
    A.REFUND: "refund",
}
ORGANISATIONS = {"seller": SELLER, "buyer": BUYER, "stranger": STRANGER}


def _placed(note: str | None = "Pick-up on Saturday") -> tuple[Order, OrderStep]:
    return Order.place(
        listing_id=uuid.UUID(int=7),
        seller_organisation_id=SELLER,
        buyer_organisation_id=BUYER,
        buyer_user_id=BUYER_USER,
        price=Money.of(20000, "EUR"),
        platform_fee=Money.of(500, "EUR"),
        at=AT,
        note=note,
    )


def test_placing_makes_a_pending_order_and_the_buyers_first_step() -> None:
    order, step = _placed()
    assert isinstance(order.id, uuid.UUID)
    assert order == Order(
        id=order.id,
        listing_id=uuid.UUID(int=7),
        seller_organisation_id=SELLER,
        buyer_organisation_id=BUYER,
        buyer_user_id=BUYER_USER,
        price=Money.of(20000, "EUR"),
        platform_fee=Money.of(500, "EUR"),
        status=S.PENDING,
        placed_at=AT,
        updated_at=AT,
        note="Pick-up on Saturday",
        version=1,
    )
    assert step == OrderStep(
        order.id, A.PLACE, None, S.PENDING, Party.BUYER, BUYER, BUYER_USER, AT,
        "Pick-up on Saturday",
    )  # fmt: skip
    assert _placed()[0].id != order.id


def test_a_placed_order_without_a_note_has_none() -> None:
    order, step = _placed(None)
    assert (order.note, step.note) == (None, None)


def test_the_parties_are_told_apart() -> None:
    order, _ = _placed()
    assert [order.party_of(o) for o in (SELLER, BUYER, STRANGER)] == [
        Party.SELLER, Party.BUYER, None,
    ]  # fmt: skip


@pytest.mark.parametrize("state", list(OrderState))
def test_an_order_holds_its_listing_while_pending_paid_or_handed_over(state: OrderState) -> None:
    order, _ = _placed()
    active = state in {S.PENDING, S.PAID, S.HANDED_OVER}
    assert replace(order, status=state).is_active is active
    assert (state in ACTIVE_STATES) is active


@pytest.mark.parametrize("who", sorted(ORGANISATIONS))
@pytest.mark.parametrize("state", list(OrderState))
@pytest.mark.parametrize("action", [a for a in OrderAction if a is not A.PLACE])
def test_every_action_by_every_party_from_every_state(
    action: OrderAction, state: OrderState, who: str
) -> None:
    order = replace(_placed()[0], status=state)
    organisation, user = ORGANISATIONS[who], uuid.uuid4()
    parties, from_states, to = MACHINE[action]
    if who not in parties:
        with pytest.raises(PermissionDenied) as denied:
            order.act(action, organisation, user, LATER, "why")
        assert denied.value.detail == WHO[action]
        return
    if state not in from_states:
        with pytest.raises(Conflict) as conflict:
            order.act(action, organisation, user, LATER, "why")
        assert conflict.value.detail == f"An order that is {state.value} cannot {VERB[action]}."
        return
    after, step = order.act(action, organisation, user, LATER, "why")
    assert after == replace(order, status=to, updated_at=LATER)
    assert step == OrderStep(
        order.id, action, state, to, Party(who), organisation, user, LATER, "why"
    )


def test_a_step_without_a_note_has_none() -> None:
    order, _ = _placed()
    _, step = order.act(A.CANCEL, SELLER, None, LATER)
    assert (step.note, step.user_id, step.party) == (None, None, Party.SELLER)


@pytest.mark.parametrize("who", [SELLER, BUYER, STRANGER])
def test_an_order_cannot_be_placed_again(who: uuid.UUID) -> None:
    order, _ = _placed()
    with pytest.raises(Conflict) as conflict:
        order.act(A.PLACE, who, None, LATER)
    assert conflict.value.detail == "An order cannot be placed again."


def test_the_whole_way_records_each_step() -> None:
    order, placed = _placed()
    steps = [placed]
    for action, organisation, user, minutes in (
        (A.MARK_PAID, SELLER, SELLER_USER, 1),
        (A.HAND_OVER, SELLER, SELLER_USER, 2),
        (A.COMPLETE, BUYER, BUYER_USER, 3),
    ):
        order, step = order.act(action, organisation, user, AT + dt.timedelta(minutes=minutes))
        steps.append(step)
    assert (order.status, order.placed_at, order.updated_at) == (
        S.COMPLETED, AT, AT + dt.timedelta(minutes=3),
    )  # fmt: skip
    assert [(s.action, s.from_state, s.to_state, s.organisation_id, s.user_id) for s in steps] == [
        (A.PLACE, None, S.PENDING, BUYER, BUYER_USER),
        (A.MARK_PAID, S.PENDING, S.PAID, SELLER, SELLER_USER),
        (A.HAND_OVER, S.PAID, S.HANDED_OVER, SELLER, SELLER_USER),
        (A.COMPLETE, S.HANDED_OVER, S.COMPLETED, BUYER, BUYER_USER),
    ]
    assert {s.order_id for s in steps} == {order.id}
