"""Request and response bodies of payments through providers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from reptidex.domain.commerce.money import MAX_AMOUNT, Money
from reptidex.domain.commerce.onboarding import Onboarding
from reptidex.domain.commerce.payment_model import Payment
from reptidex.domain.commerce.payment_ports import ConnectedAccount, PayoutAccount
from reptidex.services.commerce.schemas import MoneyView, money_view

ProviderLabel = Literal["stripe", "paypal"]
ReturnUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^https?://[^\s]+$",
        max_length=2000,
        description="Where the provider sends the buyer back (http or https)",
        examples=["https://reptidex.example/orders/paid"],
    ),
]


class TransactionCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Pay an order through the provider the buyer chose."""

    order_id: uuid.UUID
    provider: ProviderLabel
    return_url: ReturnUrl
    cancel_url: ReturnUrl


class RefundCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A refund of part of a payment (``amount`` minor units) or, without it, of all left."""

    amount: Annotated[int, msgspec.Meta(ge=1, le=MAX_AMOUNT)] | None = None


class PayoutAccountBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The seller's account with a provider: a Stripe connected account (``acct_…``) or a
    PayPal merchant id (13 of 2-9 and A-Z without I and O)."""

    account: Annotated[str, msgspec.Meta(min_length=3, max_length=255)]


class PayoutAccountView(msgspec.Struct, frozen=True):
    """A seller's payout account: ``enabled`` when buyers may pay into it, ``pending`` while
    its onboarding at the provider is not finished."""

    provider: str
    account: str
    status: Literal["pending", "enabled"]


RedirectUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^https?://[^\s]+$",
        max_length=2000,
        description="Where Stripe sends the seller's browser: https, or http to localhost",
        examples=["https://reptidex.example/payouts/stripe"],
    ),
]


class OnboardingCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Onboard the organisation at Stripe: ``return_url`` is where Stripe sends the seller
    when they leave its onboarding, ``refresh_url`` where it sends them when the link has
    expired or was used (ask for a new one there). ``country`` (ISO 3166-1 alpha-2, needed)
    and ``email`` (optional) open the account on the first call; later calls reuse it."""

    refresh_url: RedirectUrl
    return_url: RedirectUrl
    country: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2}$", examples=["DE"])] | None = None
    email: Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)] | None = None


class OnboardingView(msgspec.Struct, frozen=True):
    """The organisation's Stripe account and where the seller completes its onboarding
    (``url``, valid until ``expires_at``: a few minutes, and once)."""

    provider: str
    account: str
    status: Literal["pending", "enabled"]
    url: str
    expires_at: dt.datetime


class PayoutStatusView(msgspec.Struct, frozen=True):
    """The organisation's Stripe account as Stripe shows it now, and its stored status."""

    provider: str
    account: str
    status: Literal["pending", "enabled"]
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool


class TransactionView(msgspec.Struct, frozen=True):
    """A payment of an order through a provider."""

    id: uuid.UUID
    order_id: uuid.UUID
    provider: str
    status: Literal["created", "succeeded", "partially_refunded", "refunded"]
    amount: MoneyView
    platform_fee: MoneyView
    refunded: MoneyView
    fee_refunded: MoneyView
    approval_url: str
    reference: str
    charge_reference: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ProvidersView(msgspec.Struct, frozen=True):
    """The providers a buyer may choose at checkout (none: offline sales only)."""

    providers: list[str]


class NoticeOutcome(msgspec.Struct, frozen=True):
    """What a webhook did: ``applied``, ``duplicate`` (handled before) or ``ignored``."""

    received: bool
    outcome: str


def transaction_view(payment: Payment) -> TransactionView:
    """The response body of a payment."""
    currency = payment.amount.currency
    return TransactionView(
        id=payment.id,
        order_id=payment.order_id,
        provider=payment.provider.value,
        status=payment.status.value,
        amount=money_view(payment.amount),
        platform_fee=money_view(payment.fee),
        refunded=money_view(Money(payment.refunded, currency)),
        fee_refunded=money_view(Money(payment.fee_refunded, currency)),
        approval_url=payment.approval_url,
        reference=payment.reference,
        charge_reference=payment.charge_reference,
        created_at=payment.created_at,
        updated_at=payment.updated_at,
    )


def payout_account_view(account: PayoutAccount) -> PayoutAccountView:
    """The response body of a payout account."""
    return PayoutAccountView(account.provider.value, account.account, account.status.value)


def onboarding_view(onboarding: Onboarding) -> OnboardingView:
    """The response body of an onboarding link."""
    account = onboarding.account
    return OnboardingView(
        provider=account.provider.value,
        account=account.account,
        status=account.status.value,
        url=onboarding.link.url,
        expires_at=onboarding.link.expires_at,
    )


def payout_status_view(account: PayoutAccount, shown: ConnectedAccount) -> PayoutStatusView:
    """The response body of an account's status at the provider."""
    return PayoutStatusView(
        provider=account.provider.value,
        account=account.account,
        status=account.status.value,
        charges_enabled=shown.charges_enabled,
        payouts_enabled=shown.payouts_enabled,
        details_submitted=shown.details_submitted,
    )
