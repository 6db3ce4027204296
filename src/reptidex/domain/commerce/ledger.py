"""The double-entry ledger: every movement of money is a :class:`Posting`, a set of entries
in integer minor units that sums to zero in each currency.

Accounts are the parties' positions: ``buyer`` (money the buyer paid out), ``seller`` (what
the seller is owed or holds for a sale), ``platform_fees`` (the platform's fee income) and
``payouts`` (money paid out to the seller's bank). A payment moves the price from the buyer to
the seller, the fee from the seller to the platform; a refund reverses both; a payout moves the
seller's balance out.

>>> import uuid, datetime as dt
>>> from reptidex.domain.commerce.money import Money
>>> seller, buyer, order = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
>>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
>>> sale = payment(order, seller, buyer, Money.of(20000, "EUR"), Money.of(500, "EUR"), at)
>>> [(e.account.kind.value, e.money.amount) for p in sale for e in p.entries]
[('buyer', -20000), ('seller', 20000), ('seller', -500), ('platform_fees', 500)]
>>> balances([e for p in sale for e in p.entries])
{'EUR': 0}
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from reptidex.domain.commerce.money import Money


class AccountKind(enum.StrEnum):
    """Whose position an entry changes."""

    BUYER = "buyer"
    SELLER = "seller"
    PLATFORM_FEES = "platform_fees"
    PAYOUTS = "payouts"


class PostingKind(enum.StrEnum):
    """Why money moved."""

    PAYMENT = "payment"
    PLATFORM_FEE = "platform_fee"
    REFUND = "refund"
    FEE_REFUND = "fee_refund"
    PAYOUT = "payout"


@dataclass(frozen=True, slots=True)
class Account:
    """An account: its kind and, for a party's, the organisation (``None``: the platform's)."""

    kind: AccountKind
    organisation_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One side of a posting: an amount (positive: in, negative: out) on an account."""

    account: Account
    money: Money


class UnbalancedPosting(ValueError):
    """Entries that do not sum to zero in every currency: a bug, never a user's mistake."""


@dataclass(frozen=True, slots=True)
class Posting:
    """A balanced set of entries: one movement of money, for an order."""

    id: uuid.UUID
    kind: PostingKind
    order_id: uuid.UUID | None
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID | None
    entries: tuple[Entry, ...]
    at: dt.datetime

    def __post_init__(self) -> None:
        if len(self.entries) < 2:
            raise UnbalancedPosting("a posting has at least two entries")
        if any(e.money.amount == 0 for e in self.entries):
            raise UnbalancedPosting("a posting has no zero entries")
        unbalanced = {code: total for code, total in balances(self.entries).items() if total}
        if unbalanced:
            raise UnbalancedPosting(f"a posting sums to {unbalanced}, not zero")


def balances(entries: Iterable[Entry]) -> dict[str, int]:
    """The sum of ``entries`` in each currency, by currency code."""
    totals: dict[str, int] = {}
    for entry in entries:
        code = entry.money.currency.code
        totals[code] = totals.get(code, 0) + entry.money.amount
    return totals


def _transfer(
    kind: PostingKind,
    order_id: uuid.UUID | None,
    seller: uuid.UUID,
    buyer: uuid.UUID | None,
    source: Account,
    target: Account,
    money: Money,
    at: dt.datetime,
) -> Posting:
    entries = (Entry(source, -money), Entry(target, money))
    return Posting(uuid.uuid4(), kind, order_id, seller, buyer, entries, at)


def payment(
    order_id: uuid.UUID,
    seller: uuid.UUID,
    buyer: uuid.UUID,
    price: Money,
    fee: Money,
    at: dt.datetime,
) -> list[Posting]:
    """The postings of a paid order: the price from the buyer to the seller and, when there is
    a fee, the fee from the seller to the platform."""
    postings = [
        _transfer(
            PostingKind.PAYMENT, order_id, seller, buyer,
            Account(AccountKind.BUYER, buyer), Account(AccountKind.SELLER, seller), price, at,
        )
    ]  # fmt: skip
    if fee.amount:
        postings.append(
            _transfer(
                PostingKind.PLATFORM_FEE, order_id, seller, buyer,
                Account(AccountKind.SELLER, seller), Account(AccountKind.PLATFORM_FEES), fee, at,
            )
        )  # fmt: skip
    return postings


def refund(
    order_id: uuid.UUID,
    seller: uuid.UUID,
    buyer: uuid.UUID,
    price: Money,
    fee: Money,
    at: dt.datetime,
) -> list[Posting]:
    """The postings of a refund: the price back to the buyer and the fee back to the seller."""
    postings = [
        _transfer(
            PostingKind.REFUND, order_id, seller, buyer,
            Account(AccountKind.SELLER, seller), Account(AccountKind.BUYER, buyer), price, at,
        )
    ]  # fmt: skip
    if fee.amount:
        postings.append(
            _transfer(
                PostingKind.FEE_REFUND, order_id, seller, buyer,
                Account(AccountKind.PLATFORM_FEES), Account(AccountKind.SELLER, seller), fee, at,
            )
        )  # fmt: skip
    return postings


def payout(seller: uuid.UUID, money: Money, at: dt.datetime) -> Posting:
    """The posting of a payout of the seller's balance to their bank."""
    return _transfer(
        PostingKind.PAYOUT, None, seller, None,
        Account(AccountKind.SELLER, seller), Account(AccountKind.PAYOUTS, seller), money, at,
    )  # fmt: skip
