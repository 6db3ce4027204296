"""Completing an order asks for its animal's transfer, in the same commit; the worker's use
case retries what repti-animal could not take, ends what it refused, and stages the events."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest
from commerce_fakes import FakeUnitOfWork, Store
from test_commerce_use_cases import BUYER, NOW, SELLER, listed, run

from reptidex.domain.commerce.order_model import OrderAction
from reptidex.domain.commerce.orders import OrderRequest, act_on_order, place_order
from reptidex.domain.commerce.ownership import (
    OwnershipTransfer,
    TransferRefused,
    TransferStatus,
    carry_out_due_transfers,
    retry_delay,
)
from reptidex.domain.commerce.ports import AnimalsUnavailable


def completed(store: Store) -> tuple[FakeUnitOfWork, OwnershipTransfer]:
    listing = listed(store)
    placed = run(place_order(FakeUnitOfWork(store), BUYER, OrderRequest(listing.id), "k"))
    order_id = placed.order.id
    for actor, action in (
        (SELLER, OrderAction.MARK_PAID),
        (SELLER, OrderAction.HAND_OVER),
    ):
        run(act_on_order(FakeUnitOfWork(store), actor, order_id, action, now=NOW))
        assert store.transfers == {}
    uow = FakeUnitOfWork(store)
    run(act_on_order(uow, BUYER, order_id, OrderAction.COMPLETE, now=NOW))
    return uow, store.transfers[order_id]


def test_completing_an_order_requests_the_animal_transfer_in_its_commit() -> None:
    store = Store()
    uow, request = completed(store)
    assert uow.commits == 1
    listing = next(iter(store.listings.values()))
    assert (request.animal_id, request.listing_id) == (listing.animal.animal_id, listing.id)
    assert (request.seller_organisation_id, request.buyer_organisation_id) == (
        SELLER.organisation_id,
        BUYER.organisation_id,
    )
    assert (request.status, request.attempts, request.next_attempt_at) == (
        TransferStatus.PENDING,
        0,
        NOW,
    )


class Handover:
    def __init__(self, *answers: Exception | None) -> None:
        self.answers = list(answers)
        self.asked: list[OwnershipTransfer] = []

    async def transfer(self, request: OwnershipTransfer) -> None:
        self.asked.append(request)
        answer = self.answers.pop(0)
        if answer is not None:
            raise answer


def _units(store: Store) -> Callable[[], AbstractAsyncContextManager[FakeUnitOfWork]]:
    @contextlib.asynccontextmanager
    async def open_unit() -> AsyncIterator[FakeUnitOfWork]:
        yield FakeUnitOfWork(store)

    return open_unit


def test_unreachable_animal_is_retried_later_then_done_with_its_event() -> None:
    store = Store()
    _, request = completed(store)
    handover = Handover(AnimalsUnavailable("down"), AnimalsUnavailable("still down"), None)
    assert run(carry_out_due_transfers(_units(store), handover, NOW)) == 1
    kept = store.transfers[request.order_id]
    assert (kept.status, kept.attempts, kept.last_error) == (TransferStatus.PENDING, 1, "down")
    assert kept.next_attempt_at == NOW + dt.timedelta(seconds=5)
    soon = NOW + dt.timedelta(seconds=4)
    assert run(carry_out_due_transfers(_units(store), handover, soon)) == 0
    later = NOW + dt.timedelta(seconds=5)
    assert run(carry_out_due_transfers(_units(store), handover, later)) == 1
    assert store.transfers[request.order_id].next_attempt_at == later + dt.timedelta(seconds=10)
    events_before = len(store.events)
    done_at = later + dt.timedelta(seconds=10)
    assert run(carry_out_due_transfers(_units(store), handover, done_at)) == 1
    done = store.transfers[request.order_id]
    assert (done.status, done.attempts, done.last_error, done.finished_at) == (
        TransferStatus.DONE,
        3,
        None,
        done_at,
    )
    (event,) = store.events[events_before:]
    assert event.type == "order.animal_transferred"
    assert event.payload["order_id"] == str(request.order_id)
    assert event.payload["buyer_organisation_id"] == str(BUYER.organisation_id)
    assert run(carry_out_due_transfers(_units(store), handover, done_at)) == 0
    assert len(handover.asked) == 3
    finished = store.audit[-1]  # the outcome is recorded; the retries' bookkeeping is not
    assert [r.resource_kind for r in store.audit].count("ownership_transfer") == 1
    assert (finished.resource_kind, finished.resource_id, finished.action) == (
        "ownership_transfer",
        str(request.order_id),
        "done",
    )
    assert (finished.before, finished.after) == (
        {"status": "pending"},
        {"status": "done", "attempts": 3},
    )


def test_a_refusal_ends_the_request_with_its_event() -> None:
    store = Store()
    _, request = completed(store)
    handover = Handover(TransferRefused("no such animal"))
    assert run(carry_out_due_transfers(_units(store), handover, NOW)) == 1
    refused = store.transfers[request.order_id]
    assert (refused.status, refused.last_error, refused.next_attempt_at) == (
        TransferStatus.REFUSED,
        "no such animal",
        None,
    )
    assert store.events[-1].type == "order.animal_transfer_refused"
    assert store.events[-1].payload["error"] == "no such animal"
    assert store.audit[-1].after == {"status": "refused", "attempts": 1, "error": "no such animal"}
    assert run(carry_out_due_transfers(_units(store), handover, NOW + dt.timedelta(days=9))) == 0


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 5), (2, 10), (3, 20), (10, 2560), (11, 3600), (10_000, 3600)]
)
def test_the_wait_doubles_up_to_an_hour(attempts: int, seconds: int) -> None:
    assert retry_delay(attempts) == dt.timedelta(seconds=seconds)


def test_a_batch_stops_at_its_limit() -> None:
    store = Store()
    completed(store)
    handover = Handover(None)
    assert run(carry_out_due_transfers(_units(store), handover, NOW, limit=0)) == 0
    assert handover.asked == []
