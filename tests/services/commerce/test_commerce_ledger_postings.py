"""The ledger's postings entry by entry: which accounts a payment, a refund and a payout move,
for which order, parties and time, and why an unbalanced posting is refused."""

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
from reptidex.domain.commerce.money import MINOR_UNITS, Money

AT = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
ORDER, SELLER, BUYER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
BUYER_ACCOUNT = Account(AccountKind.BUYER, BUYER)
SELLER_ACCOUNT = Account(AccountKind.SELLER, SELLER)
FEES = Account(AccountKind.PLATFORM_FEES, None)
PAYOUTS = Account(AccountKind.PAYOUTS, SELLER)


Shape = tuple[
    PostingKind, uuid.UUID | None, uuid.UUID, uuid.UUID | None, dt.datetime,
    list[tuple[Account, int, str]],
]  # fmt: skip


def _shape(posting: Posting) -> Shape:
    entries = [(e.account, e.money.amount, e.money.currency.code) for e in posting.entries]
    return (
        posting.kind,
        posting.order_id,
        posting.seller_organisation_id,
        posting.buyer_organisation_id,
        posting.at,
        entries,
    )


def _ids_are_new(postings: list[Posting]) -> None:
    assert all(isinstance(p.id, uuid.UUID) for p in postings)
    assert len({p.id for p in postings}) == len(postings)


def test_a_payment_moves_the_price_to_the_seller_and_the_fee_to_the_platform() -> None:
    sale = payment(ORDER, SELLER, BUYER, Money.of(20000, "EUR"), Money.of(500, "EUR"), AT)
    assert [_shape(p) for p in sale] == [
        (PostingKind.PAYMENT, ORDER, SELLER, BUYER, AT,
         [(BUYER_ACCOUNT, -20000, "EUR"), (SELLER_ACCOUNT, 20000, "EUR")]),
        (PostingKind.PLATFORM_FEE, ORDER, SELLER, BUYER, AT,
         [(SELLER_ACCOUNT, -500, "EUR"), (FEES, 500, "EUR")]),
    ]  # fmt: skip
    _ids_are_new(sale)


def test_a_refund_moves_the_price_back_to_the_buyer_and_the_fee_back_to_the_seller() -> None:
    back = refund(ORDER, SELLER, BUYER, Money.of(15000, "USD"), Money.of(375, "USD"), AT)
    assert [_shape(p) for p in back] == [
        (PostingKind.REFUND, ORDER, SELLER, BUYER, AT,
         [(SELLER_ACCOUNT, -15000, "USD"), (BUYER_ACCOUNT, 15000, "USD")]),
        (PostingKind.FEE_REFUND, ORDER, SELLER, BUYER, AT,
         [(FEES, -375, "USD"), (SELLER_ACCOUNT, 375, "USD")]),
    ]  # fmt: skip
    _ids_are_new(back)


def test_without_a_fee_there_is_no_fee_posting() -> None:
    free = Money.of(0, "JPY")
    sale = payment(ORDER, SELLER, BUYER, Money.of(900, "JPY"), free, AT)
    back = refund(ORDER, SELLER, BUYER, Money.of(900, "JPY"), free, AT)
    assert [p.kind for p in sale + back] == [PostingKind.PAYMENT, PostingKind.REFUND]


def test_a_payout_moves_the_sellers_balance_to_their_bank() -> None:
    out = payout(SELLER, Money.of(1250, "KWD"), AT)
    assert _shape(out) == (
        PostingKind.PAYOUT, None, SELLER, None, AT,
        [(SELLER_ACCOUNT, -1250, "KWD"), (PAYOUTS, 1250, "KWD")],
    )  # fmt: skip
    assert isinstance(out.id, uuid.UUID)
    assert out.id != payout(SELLER, Money.of(1250, "KWD"), AT).id


def test_balances_sum_each_currency_apart() -> None:
    entries = [
        Entry(SELLER_ACCOUNT, Money.of(300, "EUR")),
        Entry(BUYER_ACCOUNT, Money.of(-100, "EUR")),
        Entry(FEES, Money.of(7, "JPY")),
        Entry(SELLER_ACCOUNT, Money.of(-50, "EUR")),
    ]
    assert balances(entries) == {"EUR": 150, "JPY": 7}
    assert balances([]) == {}


@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(MINOR_UNITS)), st.integers(-(10**12), 10**12)),
        max_size=20,
    )
)
def test_balances_are_the_sums_per_currency(amounts: list[tuple[str, int]]) -> None:
    expected: dict[str, int] = {}
    for code, amount in amounts:
        expected[code] = expected.get(code, 0) + amount
    entries = [Entry(SELLER_ACCOUNT, Money.of(amount, code)) for code, amount in amounts]
    assert balances(entries) == expected


def _posting(*entries: Entry) -> Posting:
    return Posting(uuid.uuid4(), PostingKind.PAYMENT, None, SELLER, BUYER, entries, AT)


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ((Entry(SELLER_ACCOUNT, Money.of(100, "EUR")),), "a posting has at least two entries"),
        ((), "a posting has at least two entries"),
        (
            (
                Entry(SELLER_ACCOUNT, Money.of(0, "EUR")),
                Entry(BUYER_ACCOUNT, Money.of(0, "EUR")),
            ),
            "a posting has no zero entries",
        ),
        (
            (
                Entry(SELLER_ACCOUNT, Money.of(100, "EUR")),
                Entry(BUYER_ACCOUNT, Money.of(-99, "EUR")),
            ),
            "a posting sums to {'EUR': 1}, not zero",
        ),
        (
            (
                Entry(SELLER_ACCOUNT, Money.of(100, "EUR")),
                Entry(BUYER_ACCOUNT, Money.of(-100, "USD")),
            ),
            "a posting sums to {'EUR': 100, 'USD': -100}, not zero",
        ),
    ],
)
def test_an_unbalanced_posting_says_why(entries: tuple[Entry, ...], reason: str) -> None:
    with pytest.raises(UnbalancedPosting) as refused:
        _posting(*entries)
    assert str(refused.value) == reason


def test_a_balanced_posting_in_two_currencies_is_accepted() -> None:
    posting = _posting(
        Entry(SELLER_ACCOUNT, Money.of(100, "EUR")),
        Entry(BUYER_ACCOUNT, Money.of(-100, "EUR")),
        Entry(SELLER_ACCOUNT, Money.of(5, "JPY")),
        Entry(FEES, Money.of(-5, "JPY")),
    )
    assert balances(posting.entries) == {"EUR": 0, "JPY": 0}
