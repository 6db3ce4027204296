"""The commerce use cases on in-memory fakes of their ports: what they write, the events they
stage, and that they commit once, or nothing when they refuse."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from commerce_fakes import FakeUnitOfWork, Store

from reptidex.domain.commerce.listing_model import AnimalSnapshot, Listing, ListingState
from reptidex.domain.commerce.listings import (
    KEEP,
    ListingChanges,
    ListingDraft,
    change_listing,
    create_listing,
)
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.order_model import OrderAction, OrderState
from reptidex.domain.commerce.orders import OrderRequest, act_on_order, place_order
from reptidex.domain.errors import Conflict, PermissionDenied

T = TypeVar("T")
NOW = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
SELLER = Member(uuid.uuid4(), uuid.uuid4())
BUYER = Member(uuid.uuid4(), uuid.uuid4())


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def listed(store: Store, price: int = 10000) -> Listing:
    animal = AnimalSnapshot(uuid.uuid4(), "ball_python", "male", None, "Clown", "Clown")
    draft = ListingDraft(animal.animal_id, "Clown", Money.of(price, "EUR"), "de", publish=True)
    return run(create_listing(FakeUnitOfWork(store), SELLER, animal, draft, now=NOW))


def test_a_listing_is_created_with_its_event_in_one_commit() -> None:
    store = Store()
    uow = FakeUnitOfWork(store)
    animal = AnimalSnapshot(uuid.uuid4(), "ball_python", "male", None, "Clown", "Clown")
    draft = ListingDraft(animal.animal_id, "Clown", Money.of(100, "EUR"), "de")
    listing = run(create_listing(uow, SELLER, animal, draft, now=NOW))
    assert uow.commits == 1
    assert (listing.status, listing.country) == (ListingState.DRAFT, "DE")
    assert store.listings == {listing.id: listing}
    assert [e.type for e in store.events] == ["listing.created"]
    with pytest.raises(Conflict):  # listed already
        run(create_listing(FakeUnitOfWork(store), SELLER, animal, draft, now=NOW))
    viewer = Member(SELLER.organisation_id, may_write=False)
    with pytest.raises(PermissionDenied):
        run(create_listing(FakeUnitOfWork(store), viewer, animal, draft, now=NOW))
    assert len(store.events) == 1


def test_a_change_stages_what_changed_before_and_after() -> None:
    store = Store()
    listing = listed(store)
    uow = FakeUnitOfWork(store)
    changes = ListingChanges(price=Money.of(9000, "EUR"), state=ListingState.HIDDEN)
    changed = run(change_listing(uow, SELLER, listing.id, changes, now=NOW))
    assert (changed.price.amount, changed.status) == (9000, ListingState.HIDDEN)
    updated, moved = store.events[-2:]
    assert updated.type == "listing.updated"
    assert updated.payload["before"] == {"price": {"amount": 10000, "currency": "EUR"}}
    assert updated.payload["after"] == {"price": {"amount": 9000, "currency": "EUR"}}
    assert moved.type == "listing.state_changed"
    assert (moved.payload["before"], moved.payload["after"]) == (
        {"state": "available"},
        {"state": "hidden"},
    )
    # nothing to change: nothing written
    same = FakeUnitOfWork(store)
    assert run(change_listing(same, SELLER, listing.id, ListingChanges(title=KEEP), now=NOW))
    assert same.commits == 0


def test_an_order_holds_the_listing_and_a_refused_one_commits_nothing() -> None:
    store = Store()
    listing = listed(store)
    uow = FakeUnitOfWork(store)
    placed = run(place_order(uow, BUYER, OrderRequest(listing.id), "k", fee_basis_points=100))
    assert uow.commits == 1
    assert placed.created
    assert placed.order.platform_fee == Money.of(100, "EUR")
    assert store.listings[listing.id].status is ListingState.ON_HOLD
    assert [e.type for e in store.events][-2:] == ["listing.state_changed", "order.placed"]
    events = len(store.events)
    rival = FakeUnitOfWork(store)
    with pytest.raises(Conflict):
        run(place_order(rival, Member(uuid.uuid4()), OrderRequest(listing.id), "k"))
    assert rival.commits == 0
    assert len(store.events) == events
    assert len(store.orders) == 1
    again = run(place_order(FakeUnitOfWork(store), BUYER, OrderRequest(listing.id), "k"))
    assert (again.created, again.order.id) == (False, placed.order.id)


def test_money_is_posted_only_when_it_moves() -> None:
    store = Store()
    listing = listed(store, 20000)
    order = run(
        place_order(
            FakeUnitOfWork(store), BUYER, OrderRequest(listing.id), "k", fee_basis_points=250
        )
    ).order

    def act(member: Member, action: OrderAction) -> OrderState:
        uow = FakeUnitOfWork(store)
        done = run(act_on_order(uow, member, order.id, action, now=NOW))
        assert uow.commits == 1
        return done.status

    assert act(SELLER, OrderAction.MARK_PAID) is OrderState.PAID
    assert [p.kind.value for p in store.postings] == ["payment", "platform_fee"]
    assert act(SELLER, OrderAction.HAND_OVER) is OrderState.HANDED_OVER
    assert len(store.postings) == 2
    assert act(SELLER, OrderAction.REFUND) is OrderState.REFUNDED
    assert [p.kind.value for p in store.postings][2:] == ["refund", "fee_refund"]
    assert store.listings[listing.id].status is ListingState.AVAILABLE
    assert [s.action for s in store.steps] == [
        OrderAction.PLACE, OrderAction.MARK_PAID, OrderAction.HAND_OVER, OrderAction.REFUND,
    ]  # fmt: skip
    refused = FakeUnitOfWork(store)
    with pytest.raises(Conflict):
        run(act_on_order(refused, BUYER, order.id, OrderAction.COMPLETE, now=NOW))
    assert refused.commits == 0
