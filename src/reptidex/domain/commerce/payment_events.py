"""Payloads of the ``transaction.*`` events (version 1): ``transaction.started``,
``transaction.succeeded``, ``transaction.refunded``, ``transaction.payout_paid``,
``transaction.payout_account_set`` and ``transaction.payout_account_status_changed``."""

from __future__ import annotations

import msgspec


class TransactionChanged(msgspec.Struct, frozen=True):
    """A payment after a change: its state, amounts and refunds so far (minor units)."""

    payment_id: str
    order_id: str
    provider: str
    status: str
    amount: int
    currency: str
    platform_fee: int
    refunded: int
    refund: int = 0


class PayoutPaid(msgspec.Struct, frozen=True):
    """``transaction.payout_paid``: a provider paid a seller's balance out to their bank."""

    organisation_id: str
    provider: str
    amount: int
    currency: str
    event_id: str


class PayoutAccountSet(msgspec.Struct, frozen=True):
    """``transaction.payout_account_set``: a seller named the account a provider pays into,
    or had one opened through the platform's onboarding (``pending`` until the provider takes
    charges for it)."""

    organisation_id: str
    provider: str
    account: str
    status: str = "enabled"


class PayoutAccountStatusChanged(msgspec.Struct, frozen=True):
    """``transaction.payout_account_status_changed``: the provider now takes charges for a
    seller's account (``enabled``), or no longer does (``pending``)."""

    organisation_id: str
    provider: str
    account: str
    status: str
    previous_status: str
    charges_enabled: bool
    payouts_enabled: bool
