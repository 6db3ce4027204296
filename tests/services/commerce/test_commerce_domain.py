"""The commerce domain without a database: money, the listing's and the order's state machines,
and the double-entry ledger (a property test: it always sums to zero per currency)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reptidex.domain.commerce.ledger import (
    Account,
    AccountKind,
    Entry,
    Posting,
    PostingKind,
    UnbalancedPosting,
    balances,
    payment,
    payout,
    refund,
)
from reptidex.domain.commerce.listing_model import (
    TRANSITIONS,
    AnimalSnapshot,
    Listing,
    ListingState,
)
from reptidex.domain.commerce.money import MINOR_UNITS, Currency, Money
from reptidex.domain.commerce.order_model import Order, OrderAction, OrderState, Party
from reptidex.domain.errors import Conflict, InvalidInput, PermissionDenied

AT = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
SELLER, BUYER = uuid.uuid4(), uuid.uuid4()


def test_currencies_carry_their_minor_unit_exponent() -> None:
    assert Currency.of("eur") == Currency("EUR", 2)
    assert Currency.of("JPY").exponent == 0
    assert Currency.of("KWD").exponent == 3
    for code in ("XXX", "EURO", "", "eu"):
        with pytest.raises(InvalidInput):
            Currency.of(code)


def test_money_is_integer_minor_units_of_one_currency() -> None:
    assert Money.of(1999, "EUR").display() == "19.99 EUR"
    assert Money.of(-5, "KWD").display() == "-0.005 KWD"
    assert Money.of(1999, "JPY").display() == "1999 JPY"
    assert (Money.of(100, "USD") - Money.of(150, "USD")).amount == -50
    with pytest.raises(TypeError):
        Money(19.99, Currency.of("EUR"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, Currency.of("EUR"))
    with pytest.raises(InvalidInput):
        Money.of(1, "EUR") + Money.of(1, "USD")
    with pytest.raises(InvalidInput):
        Money.of(10**14, "EUR")


@pytest.mark.parametrize(
    ("amount", "bps", "fee"),
    [(1999, 250, 50), (100, 0, 0), (1, 5000, 1), (3, 5000, 2), (7, 10_000, 7)],
)
def test_a_share_rounds_half_up_to_a_minor_unit(amount: int, bps: int, fee: int) -> None:
    assert Money.of(amount, "EUR").share(bps).amount == fee


def _listing(state: ListingState) -> Listing:
    snapshot = AnimalSnapshot(uuid.uuid4(), "ball_python", "male", None, "Clown", "Clown")
    return Listing(uuid.uuid4(), SELLER, snapshot, "Clown", "", Money.of(20000, "EUR"), state, "DE")


@pytest.mark.parametrize("start", list(ListingState))
@pytest.mark.parametrize("target", list(ListingState))
def test_listing_moves_only_along_the_allowed_transitions(
    start: ListingState, target: ListingState
) -> None:
    listing = _listing(start)
    if target in TRANSITIONS[start]:
        assert listing.moved_to(target, AT).status is target
    else:
        with pytest.raises(Conflict):
            listing.moved_to(target, AT)


def test_the_listing_machine_is_as_documented() -> None:
    S = ListingState
    assert TRANSITIONS[S.SOLD] == frozenset()
    assert TRANSITIONS[S.ON_HOLD] == {S.AVAILABLE, S.SOLD}
    assert S.ON_HOLD not in TRANSITIONS[S.DRAFT]  # a draft cannot be ordered
    assert not _listing(S.ON_HOLD).is_open(AT)
    open_listing = _listing(S.AVAILABLE)
    assert open_listing.is_open(AT)
    from dataclasses import replace

    assert not replace(open_listing, expires_at=AT).is_open(AT)
    with pytest.raises(Conflict):
        _listing(S.ON_HOLD).require_editable()


def _order() -> Order:
    order, step = Order.place(
        listing_id=uuid.uuid4(),
        seller_organisation_id=SELLER,
        buyer_organisation_id=BUYER,
        buyer_user_id=None,
        price=Money.of(20000, "EUR"),
        platform_fee=Money.of(500, "EUR"),
        at=AT,
    )
    assert (step.action, step.party, step.to_state) == (
        OrderAction.PLACE,
        Party.BUYER,
        order.status,
    )
    return order


def test_an_order_goes_pending_paid_handed_over_completed_recording_who_and_when() -> None:
    order = _order()
    user = uuid.uuid4()
    steps = []
    for action, org, minutes in (
        (OrderAction.MARK_PAID, SELLER, 1),
        (OrderAction.HAND_OVER, SELLER, 2),
        (OrderAction.COMPLETE, BUYER, 3),
    ):
        order, step = order.act(action, org, user, AT + dt.timedelta(minutes=minutes))
        steps.append(step)
    assert order.status is OrderState.COMPLETED
    assert [(s.from_state, s.to_state, s.party) for s in steps] == [
        (OrderState.PENDING, OrderState.PAID, Party.SELLER),
        (OrderState.PAID, OrderState.HANDED_OVER, Party.SELLER),
        (OrderState.HANDED_OVER, OrderState.COMPLETED, Party.BUYER),
    ]
    assert steps[-1].at == AT + dt.timedelta(minutes=3)
    assert steps[-1].user_id == user
    assert not order.is_active


def test_the_wrong_party_is_refused_and_the_wrong_state_conflicts() -> None:
    order = _order()
    with pytest.raises(PermissionDenied):
        order.act(OrderAction.MARK_PAID, BUYER, None, AT)  # the seller records payment
    with pytest.raises(PermissionDenied):
        order.act(OrderAction.CANCEL, uuid.uuid4(), None, AT)  # no party
    with pytest.raises(Conflict):
        order.act(OrderAction.COMPLETE, BUYER, None, AT)  # not handed over yet
    with pytest.raises(Conflict):
        order.act(OrderAction.PLACE, BUYER, None, AT)
    cancelled, _ = order.act(OrderAction.CANCEL, BUYER, None, AT)
    for action in OrderAction:
        if action is not OrderAction.PLACE:
            with pytest.raises((Conflict, PermissionDenied)):
                cancelled.act(action, SELLER, None, AT)
    paid, _ = order.act(OrderAction.MARK_PAID, SELLER, None, AT)
    with pytest.raises(Conflict):
        paid.act(OrderAction.CANCEL, BUYER, None, AT)  # paid: only a refund undoes it
    refunded, _ = paid.act(OrderAction.REFUND, SELLER, None, AT)
    assert refunded.status is OrderState.REFUNDED


def test_a_posting_that_does_not_balance_is_refused() -> None:
    eur = Money.of(100, "EUR")
    seller = Account(AccountKind.SELLER, SELLER)
    buyer = Account(AccountKind.BUYER, BUYER)
    for entries in (
        (Entry(seller, eur),),
        (Entry(seller, eur), Entry(buyer, Money.of(-99, "EUR"))),
        (Entry(seller, eur), Entry(buyer, Money.of(-100, "USD"))),
        (Entry(seller, Money.of(0, "EUR")), Entry(buyer, Money.of(0, "EUR"))),
    ):
        with pytest.raises(UnbalancedPosting):
            Posting(uuid.uuid4(), PostingKind.PAYMENT, None, SELLER, BUYER, entries, AT)


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["sale", "refunded_sale", "payout"]),
        st.integers(min_value=1, max_value=10**12),
        st.integers(min_value=0, max_value=10_000),
        st.sampled_from(sorted(MINOR_UNITS)),
    ),
    max_size=30,
)


@given(OPERATIONS)
def test_the_ledger_always_sums_to_zero_per_currency(
    operations: list[tuple[str, int, int, str]],
) -> None:
    postings: list[Posting] = []
    for kind, amount, bps, code in operations:
        price = Money.of(amount, code)
        fee = price.share(bps)
        order = uuid.uuid4()
        if kind == "payout":
            postings.append(payout(SELLER, price, AT))
            continue
        postings += payment(order, SELLER, BUYER, price, fee, AT)
        if kind == "refunded_sale":
            postings += refund(order, SELLER, BUYER, price, fee, AT)
    entries = [e for p in postings for e in p.entries]
    assert all(total == 0 for total in balances(entries).values())
    assert set(balances(entries)) == {e.money.currency.code for e in entries}
    # per posting, too
    for posting in postings:
        assert set(balances(posting.entries).values()) <= {0}


def test_a_refunded_sale_leaves_every_account_where_it_started() -> None:
    order = uuid.uuid4()
    price, fee = Money.of(15000, "USD"), Money.of(375, "USD")
    postings = payment(order, SELLER, BUYER, price, fee, AT) + refund(
        order, SELLER, BUYER, price, fee, AT
    )
    per_account: dict[Account, int] = {}
    for entry in (e for p in postings for e in p.entries):
        per_account[entry.account] = per_account.get(entry.account, 0) + entry.money.amount
    assert set(per_account.values()) == {0}
    sale = payment(order, SELLER, BUYER, price, fee, AT)
    seller_net = sum(
        e.money.amount for p in sale for e in p.entries if e.account.kind is AccountKind.SELLER
    )
    assert seller_net == 15000 - 375
