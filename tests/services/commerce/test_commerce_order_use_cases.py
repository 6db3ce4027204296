"""The order use cases on in-memory fakes, rule by rule: idempotency keys, what may be
ordered, the fee, the listing each step moves, the money each step posts, the handover a
completion asks for, the history, events and audit records of each step, and who sees what."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest
from commerce_fakes import FakeUnitOfWork, Store

from reptidex.domain.commerce.listing_model import AnimalSnapshot, Listing, ListingState
from reptidex.domain.commerce.listings import ListingDraft, create_listing
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.order_model import OrderAction, OrderState, Party
from reptidex.domain.commerce.orders import (
    EVENT_TYPES,
    LISTING_AFTER,
    MAX_KEY_LENGTH,
    OrderRequest,
    act_on_order,
    list_orders,
    order_ledger,
    place_order,
    place_order_once,
    show_order,
)
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied

T = TypeVar("T")
NOW = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
SELLER = Member(uuid.uuid4(), uuid.uuid4())
BUYER = Member(uuid.uuid4(), uuid.uuid4())
STRANGER = Member(uuid.uuid4(), uuid.uuid4())


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def listed(store: Store, price: int = 10000, *, expires_at: dt.datetime | None = None) -> Listing:
    animal = AnimalSnapshot(uuid.uuid4(), "ball_python", "male", None, "Clown", "Clown")
    draft = ListingDraft(
        animal.animal_id, "Clown", Money.of(price, "EUR"), "de", publish=True,
        expires_at=expires_at,
    )  # fmt: skip
    return run(create_listing(FakeUnitOfWork(store), SELLER, animal, draft, now=NOW))


def order(store: Store, listing: Listing, key: str = "k1", fee: int = 0, **kw: Any) -> Any:
    uow = FakeUnitOfWork(store)
    placed = run(
        place_order(uow, BUYER, OrderRequest(listing.id, **kw), key, fee_basis_points=fee, now=NOW)
    )
    return placed, uow


def act(store: Store, who: Member, order_id: uuid.UUID, action: OrderAction, **kw: Any) -> Any:
    uow = FakeUnitOfWork(store)
    return run(act_on_order(uow, who, order_id, action, now=NOW, **kw)), uow


def test_placing_an_order_holds_the_listing_at_its_price_with_the_fee() -> None:
    store = Store()
    listing = listed(store, 10001)
    (placed, uow) = order(store, listing, fee=250, note="Pick up Saturday")
    made = placed.order
    assert placed.created is True
    assert uow.commits == 1
    assert (made.price, made.platform_fee) == (Money.of(10001, "EUR"), Money.of(250, "EUR"))
    assert (made.buyer_organisation_id, made.buyer_user_id) == (
        BUYER.organisation_id,
        BUYER.user_id,
    )
    assert made.seller_organisation_id == SELLER.organisation_id
    assert (made.status, made.note, made.placed_at) == (OrderState.PENDING, "Pick up Saturday", NOW)
    assert store.listings[listing.id].status is ListingState.ON_HOLD
    assert store.listings[listing.id].updated_at == NOW
    (step,) = store.steps
    assert (step.action, step.from_state, step.to_state, step.party) == (
        OrderAction.PLACE,
        None,
        OrderState.PENDING,
        Party.BUYER,
    )
    assert [e.type for e in store.events[-2:]] == ["listing.state_changed", "order.placed"]
    placed_event = store.events[-1]
    assert placed_event.payload["platform_fee_amount"] == 250
    assert placed_event.payload["previous_state"] is None
    assert placed_event.payload["note"] == "Pick up Saturday"
    assert (placed_event.organisation_id, placed_event.actor_id, placed_event.occurred_at) == (
        BUYER.organisation_id,
        BUYER.user_id,
        NOW,
    )
    assert store.postings == []  # no money moved yet
    record = store.audit[-1]
    assert (record.resource_kind, record.action, record.organisation_id) == (
        "order",
        "place",
        BUYER.organisation_id,
    )
    assert record.after["note"] == "Pick up Saturday"


def test_a_key_gives_one_order_and_never_another_request() -> None:
    store = Store()
    listing = listed(store)
    first, _ = order(store, listing)
    again, uow = order(store, listing)
    assert (again.order, again.created) == (first.order, False)
    assert uow.commits == 0
    with pytest.raises(InvalidInput, match="used for another request") as refused:
        order(store, listing, note="other")
    assert refused.value.field_errors == {"Idempotency-Key": "a new key for a new request"}
    # a key is the organisation's own: the same key of another buyer is another request
    other = Member(uuid.uuid4(), uuid.uuid4())
    second_listing = listed(store)
    request = OrderRequest(second_listing.id)
    theirs = run(place_order(FakeUnitOfWork(store), other, request, "k1", now=NOW))
    assert theirs.created
    assert theirs.order.buyer_organisation_id == other.organisation_id


@pytest.mark.parametrize("length", [0, MAX_KEY_LENGTH + 1])
def test_a_key_is_1_to_200_characters(length: int) -> None:
    store = Store()
    listing = listed(store)
    with pytest.raises(InvalidInput, match="1 to 200 characters") as refused:
        order(store, listing, key="k" * length)
    assert refused.value.field_errors == {"Idempotency-Key": "1 to 200 characters"}
    assert order(store, listing, key="k" * MAX_KEY_LENGTH)[0].created


def test_what_cannot_be_ordered() -> None:
    store = Store()
    listing = listed(store)
    missing = uuid.uuid4()
    with pytest.raises(NotFound, match=f"No listing {missing}"):
        run(place_order(FakeUnitOfWork(store), BUYER, OrderRequest(missing), "a", now=NOW))
    with pytest.raises(InvalidInput, match="your own listing"):
        run(place_order(FakeUnitOfWork(store), SELLER, OrderRequest(listing.id), "a", now=NOW))
    viewer = Member(BUYER.organisation_id, may_write=False)
    with pytest.raises(PermissionDenied):
        run(place_order(FakeUnitOfWork(store), viewer, OrderRequest(listing.id), "a", now=NOW))
    order(store, listing)
    with pytest.raises(Conflict, match=r"not available \(on_hold\)"):
        run(place_order(FakeUnitOfWork(store), STRANGER, OrderRequest(listing.id), "b", now=NOW))
    # a listing past its end is not open, though not yet expired by the worker
    ended = listed(store, expires_at=NOW + dt.timedelta(hours=1))
    later = NOW + dt.timedelta(hours=1)
    with pytest.raises(Conflict, match=r"not available \(available\)"):
        run(place_order(FakeUnitOfWork(store), BUYER, OrderRequest(ended.id), "c", now=later))
    # a draft is nobody's to see
    draft_animal = AnimalSnapshot(uuid.uuid4(), "ball_python", "male", None, "Normal", "Normal")
    draft = run(
        create_listing(
            FakeUnitOfWork(store), SELLER, draft_animal,
            ListingDraft(draft_animal.animal_id, "Draft", Money.of(1, "EUR"), "de"), now=NOW,
        )
    )  # fmt: skip
    with pytest.raises(NotFound):
        run(place_order(FakeUnitOfWork(store), BUYER, OrderRequest(draft.id), "d", now=NOW))


def test_each_step_moves_the_listing_and_posts_the_money() -> None:
    store = Store()
    listing = listed(store, 20000)
    placed, _ = order(store, listing, fee=250)
    order_id = placed.order.id
    paid, uow = act(store, SELLER, order_id, OrderAction.MARK_PAID, note="cash")
    assert paid.status is OrderState.PAID
    assert uow.commits == 1
    assert store.listings[listing.id].status is ListingState.ON_HOLD  # paying moves nothing
    assert [p.kind for p in store.postings] == ["payment", "platform_fee"]
    payment, fee = store.postings
    assert [(e.account.kind.value, e.money.amount) for e in payment.entries] == [
        ("buyer", -20000),
        ("seller", 20000),
    ]
    assert [(e.account.kind.value, e.money.amount) for e in fee.entries] == [
        ("seller", -500),
        ("platform_fees", 500),
    ]  # 2.5% of the price
    assert store.steps[-1].note == "cash"
    assert store.events[-1].type == "order.paid"
    assert store.events[-1].payload["previous_state"] == "pending"
    act(store, SELLER, order_id, OrderAction.HAND_OVER)
    assert len(store.postings) == 2  # handing over moves no money
    done, _ = act(store, BUYER, order_id, OrderAction.COMPLETE)
    assert done.status is OrderState.COMPLETED
    assert store.listings[listing.id].status is ListingState.SOLD
    transfer = store.transfers[order_id]
    assert (transfer.animal_id, transfer.buyer_organisation_id, transfer.requested_at) == (
        listing.animal.animal_id,
        BUYER.organisation_id,
        NOW,
    )
    history = run(show_order(FakeUnitOfWork(store), BUYER, order_id)).history
    assert [(s.action, s.party) for s in history] == [
        (OrderAction.PLACE, Party.BUYER),
        (OrderAction.MARK_PAID, Party.SELLER),
        (OrderAction.HAND_OVER, Party.SELLER),
        (OrderAction.COMPLETE, Party.BUYER),
    ]
    steps = [r for r in store.audit if r.resource_kind == "order"]
    assert [(r.action, r.before.get("status"), r.after.get("status")) for r in steps] == [
        ("place", None, "pending"),
        ("mark_paid", "pending", "paid"),
        ("hand_over", "paid", "handed_over"),
        ("complete", "handed_over", "completed"),
    ]
    assert steps[1].after == {"status": "paid", "note": "cash"}
    assert steps[2].after == {"status": "handed_over"}


def test_a_refund_reverses_the_money_and_reopens_the_listing() -> None:
    store = Store()
    listing = listed(store, 20000)
    placed, _ = order(store, listing, fee=250)
    act(store, SELLER, placed.order.id, OrderAction.MARK_PAID)
    refunded, _ = act(store, SELLER, placed.order.id, OrderAction.REFUND)
    assert refunded.status is OrderState.REFUNDED
    assert store.listings[listing.id].status is ListingState.AVAILABLE
    assert [p.kind for p in store.postings] == ["payment", "platform_fee", "refund", "fee_refund"]
    total = sum(e.money.amount for p in store.postings for e in p.entries)
    assert total == 0
    assert not store.transfers


def test_given_postings_replace_the_whole_price() -> None:
    store = Store()
    listing = listed(store, 20000)
    placed, _ = order(store, listing)
    act(store, SELLER, placed.order.id, OrderAction.MARK_PAID)
    before = list(store.postings)
    act(store, SELLER, placed.order.id, OrderAction.REFUND, postings=[])
    assert store.postings == before  # what was left to post: nothing


def test_cancelling_frees_the_listing_without_money() -> None:
    store = Store()
    listing = listed(store)
    placed, _ = order(store, listing)
    cancelled, _ = act(store, BUYER, placed.order.id, OrderAction.CANCEL)
    assert cancelled.status is OrderState.CANCELLED
    assert store.listings[listing.id].status is ListingState.AVAILABLE
    assert store.postings == []
    assert store.events[-1].type == EVENT_TYPES[OrderAction.CANCEL] == "order.cancelled"
    assert LISTING_AFTER[OrderAction.CANCEL] is ListingState.AVAILABLE


def test_only_the_parties_see_or_move_an_order() -> None:
    store = Store()
    placed, _ = order(store, listed(store))
    order_id = placed.order.id
    for call in (
        show_order(FakeUnitOfWork(store), STRANGER, order_id),
        order_ledger(FakeUnitOfWork(store), STRANGER, order_id),
        act_on_order(FakeUnitOfWork(store), STRANGER, order_id, OrderAction.CANCEL),
    ):
        with pytest.raises(NotFound, match=f"No order {order_id} of yours"):
            run(call)
    with pytest.raises(NotFound):
        run(show_order(FakeUnitOfWork(store), BUYER, uuid.uuid4()))
    viewer = Member(SELLER.organisation_id, may_write=False)
    with pytest.raises(PermissionDenied):
        run(act_on_order(FakeUnitOfWork(store), viewer, order_id, OrderAction.MARK_PAID))
    assert run(show_order(FakeUnitOfWork(store), viewer, order_id)).order.id == order_id
    with pytest.raises(PermissionDenied):  # the buyer does not record the payment
        act(store, BUYER, order_id, OrderAction.MARK_PAID)
    assert store.orders[order_id].status is OrderState.PENDING
    act(store, SELLER, order_id, OrderAction.MARK_PAID)
    (posted,) = run(order_ledger(FakeUnitOfWork(store), BUYER, order_id))  # no fee: one posting
    assert posted.kind == "payment"


def test_orders_are_listed_by_party_and_state_in_pages() -> None:
    store = Store()
    first, _ = order(store, listed(store), key="a")
    order(store, listed(store), key="b")
    act(store, SELLER, first.order.id, OrderAction.MARK_PAID)
    uow = FakeUnitOfWork(store)
    assert run(list_orders(uow, BUYER, None, None, 10, 0))[1] == 2
    assert run(list_orders(uow, BUYER, Party.SELLER, None, 10, 0))[1] == 0
    assert run(list_orders(uow, SELLER, Party.SELLER, OrderState.PAID, 10, 0))[1] == 1
    page, total = run(list_orders(uow, BUYER, Party.BUYER, None, 1, 1))
    assert (len(page), total) == (1, 2)
    assert run(list_orders(uow, BUYER, None, None, 100, 0))[1] == 2
    for limit, offset in ((0, 0), (101, 0), (1, -1)):
        with pytest.raises(InvalidInput, match="limit is 1 to 100") as refused:
            run(list_orders(uow, BUYER, None, None, limit, offset))
        assert refused.value.field_errors == {"limit": "1 to 100"}


def test_placing_once_retries_a_conflict_once_and_then_lets_it_stand() -> None:
    store = Store()
    listing = listed(store)
    opened: list[FakeUnitOfWork] = []

    @asynccontextmanager
    async def open_unit() -> AsyncIterator[FakeUnitOfWork]:
        unit = FakeUnitOfWork(store)
        opened.append(unit)
        yield unit

    placed = run(
        place_order_once(open_unit, BUYER, OrderRequest(listing.id), "k", fee_basis_points=100)
    )
    assert placed.created
    assert placed.order.platform_fee.amount == 100
    assert len(opened) == 1
    with pytest.raises(Conflict):  # another buyer's order holds it: two attempts, then 409
        run(place_order_once(open_unit, STRANGER, OrderRequest(listing.id), "k"))
    assert len(opened) == 3


def test_a_step_is_told_in_full_to_the_events_and_the_trail() -> None:
    store = Store()
    listing = listed(store, 12000)
    placed, _ = order(store, listing, fee=100)
    made = placed.order
    held, placed_event = store.events[-2:]
    assert held.producer == placed_event.producer == "commerce"
    assert held.payload["changed"] == ["state"]
    assert (held.payload["before"], held.payload["after"]) == (
        {"state": "available"},
        {"state": "on_hold"},
    )
    assert held.payload["listing_id"] == str(listing.id)
    assert held.payload["state"] == "on_hold"
    assert placed_event.payload == {
        "order_id": str(made.id),
        "listing_id": str(listing.id),
        "seller_organisation_id": str(SELLER.organisation_id),
        "buyer_organisation_id": str(BUYER.organisation_id),
        "state": "pending",
        "previous_state": None,
        "party": "buyer",
        "price_amount": 12000,
        "currency": "EUR",
        "platform_fee_amount": 120,
        "note": None,
    }
    placing = store.audit[-1]
    assert (placing.resource_id, placing.actor_id, placing.before) == (
        str(made.id),
        BUYER.user_id,
        {},
    )
    assert placing.after["status"] == "pending"
    act(store, SELLER, made.id, OrderAction.MARK_PAID)
    paid = store.events[-1]
    assert (paid.payload["state"], paid.payload["previous_state"], paid.payload["party"]) == (
        "paid",
        "pending",
        "seller",
    )
    assert paid.actor_id == SELLER.user_id
    step = store.steps[-1]
    assert (step.user_id, step.at, step.organisation_id) == (
        SELLER.user_id,
        NOW,
        SELLER.organisation_id,
    )
    assert {p.at for p in store.postings} == {NOW}
    act(store, SELLER, made.id, OrderAction.REFUND)
    assert {p.at for p in store.postings} == {NOW}
    assert store.listings[listing.id].updated_at == NOW


def test_without_a_time_or_fee_given_now_and_no_fee() -> None:
    store = Store()
    listing = listed(store)
    uow = FakeUnitOfWork(store)
    made = run(place_order(uow, BUYER, OrderRequest(listing.id), "k")).order
    assert made.platform_fee == Money.of(0, "EUR")
    assert made.placed_at.tzinfo is dt.UTC
    assert store.postings == []
    moved = run(act_on_order(FakeUnitOfWork(store), BUYER, made.id, OrderAction.CANCEL))
    assert moved.updated_at.tzinfo is dt.UTC


def test_a_note_is_part_of_what_a_key_asked_for() -> None:
    store = Store()
    listing = listed(store)
    first, _ = order(store, listing)  # no note
    again, _ = order(store, listing, note="")  # an empty note is no note: the same request
    assert (again.order.id, again.created) == (first.order.id, False)
    with pytest.raises(
        InvalidInput, match=r"^This Idempotency-Key was used for another request\.$"
    ):
        order(store, listing, note="Saturday")
    assert OrderRequest(listing.id).fingerprint() == OrderRequest(listing.id, "").fingerprint()
    assert OrderRequest(listing.id).fingerprint() != OrderRequest(listing.id, "x").fingerprint()
    text = f"{listing.id}\x1f"
    assert OrderRequest(listing.id).fingerprint() == hashlib.sha256(text.encode()).hexdigest()


def test_the_exact_refusals() -> None:
    store = Store()
    listing = listed(store)
    with pytest.raises(InvalidInput, match=r"^You cannot order your own listing\.$"):
        run(place_order(FakeUnitOfWork(store), SELLER, OrderRequest(listing.id), "a", now=NOW))
    placed, _ = order(store, listing)
    # a key whose order is gone (it cannot be, as both commit together) is a clear 404
    del store.orders[placed.order.id]
    with pytest.raises(NotFound, match=r"^The order of this Idempotency-Key is gone\.$"):
        order(store, listing)
    # an order whose listing is gone (a held listing cannot be deleted) is a clear 409
    other, _ = order(store, listed(store), key="other")
    del store.listings[other.order.listing_id]
    with pytest.raises(Conflict, match=r"^The order's listing is gone\.$"):
        act(store, BUYER, other.order.id, OrderAction.CANCEL)


def test_placing_once_defaults_to_no_fee() -> None:
    store = Store()
    listing = listed(store)

    @asynccontextmanager
    async def open_unit() -> AsyncIterator[FakeUnitOfWork]:
        yield FakeUnitOfWork(store)

    placed = run(place_order_once(open_unit, BUYER, OrderRequest(listing.id), "k"))
    assert placed.order.platform_fee.amount == 0


def test_the_second_attempt_keeps_the_fee() -> None:
    """A conflict at the first commit (a racing request) and the retry places the order, fee
    and all."""
    store = Store()
    listing = listed(store)
    attempts: list[FakeUnitOfWork] = []

    class RacedOnce(FakeUnitOfWork):
        async def commit(self) -> None:
            if len(attempts) == 1:
                raise Conflict("Another request changed the same thing first; try again.")
            await super().commit()

    @asynccontextmanager
    async def open_unit() -> AsyncIterator[FakeUnitOfWork]:
        unit = RacedOnce(store)
        attempts.append(unit)
        yield unit

    request = OrderRequest(listing.id)
    placed = run(place_order_once(open_unit, BUYER, request, "k", fee_basis_points=100))
    assert len(attempts) == 2
    assert placed.created
    assert placed.order.platform_fee.amount == 100
    assert store.orders[placed.order.id].platform_fee.amount == 100


def test_the_placing_record_holds_the_whole_order() -> None:
    store = Store()
    placed, _ = order(store, listed(store, 9000))
    record = store.audit[-1]
    assert record.after["price_amount"] == 9000
    assert record.after["listing_id"] == str(placed.order.listing_id)
    assert record.after["note"] is None
