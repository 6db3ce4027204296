"""The ports of payments through providers: the provider itself (create a payment, capture
it, refund it, read its webhook notices), the onboarding of sellers' connected accounts, and
the storage of payments, payout accounts and handled notices, in the commerce unit of work."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Literal, Protocol

from reptidex.domain.commerce.ledger import Posting
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.payment_model import Payment, ProviderName
from reptidex.domain.commerce.ports import CommerceUnitOfWork
from reptidex.domain.errors import Conflict, DomainError, FeatureUnavailable


class InvalidNotice(DomainError):
    """A webhook whose signature does not verify, is stale, or is not an event (HTTP 400)."""


class ProviderUnavailable(FeatureUnavailable):
    """The provider is not configured, refused a call or did not answer (HTTP 503)."""


class UnknownAccount(Conflict):
    """The provider does not know the connected account, or it is not the platform's to read
    (HTTP 409)."""


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What a provider is asked to collect: the order's price from the buyer, for the seller's
    account (``payee``), less the platform's fee."""

    payment_id: uuid.UUID
    order_id: uuid.UUID
    amount: Money
    platform_fee: Money
    payee: str
    description: str
    return_url: str
    cancel_url: str


@dataclass(frozen=True, slots=True)
class StartedPayment:
    """The provider's checkout (or order) the buyer approves at ``approval_url``."""

    reference: str
    approval_url: str


@dataclass(frozen=True, slots=True)
class Settlement:
    """Whether an approved payment's money is taken, and where it is held."""

    succeeded: bool
    charge_reference: str | None


@dataclass(frozen=True, slots=True)
class RefundReceipt:
    """A refund the provider accepted."""

    reference: str
    amount: Money


class NoticeKind(enum.StrEnum):
    """What a webhook tells; anything else is acknowledged and ignored."""

    APPROVED = "approved"
    """The buyer approved; the money is taken by capturing (PayPal)."""
    SUCCEEDED = "succeeded"
    REFUNDED = "refunded"
    PAYOUT_PAID = "payout_paid"
    ACCOUNT_UPDATED = "account_updated"
    """A seller's connected account changed (``payee``): read it again for what it may do."""
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentNotice:
    """A verified webhook event in the marketplace's terms.

    ``payment_id`` (the metadata the payment was created with), ``reference`` or
    ``charge_reference`` find the payment; ``refunded_total`` is the running
    total of its refunds (``refund``: the one refund, when the provider reports no total);
    ``payee`` and ``payout`` are a payout's account and amount; ``payee`` alone, the account
    an ``account_updated`` notice is about."""

    provider: ProviderName
    event_id: str
    event_type: str
    kind: NoticeKind
    payment_id: uuid.UUID | None = None
    reference: str | None = None
    charge_reference: str | None = None
    refunded_total: int | None = None
    refund: Money | None = None
    payee: str | None = None
    payout: Money | None = None


class PaymentProvider(Protocol):
    """A payment provider, collecting for a seller's connected account with the platform's
    fee."""

    @property
    def name(self) -> ProviderName:
        """Which provider this is."""
        ...

    async def create_payment(self, request: PaymentRequest) -> StartedPayment:
        """Open a checkout of ``request`` for the buyer to approve."""
        ...

    async def capture(self, reference: str, *, idempotency_key: str) -> Settlement:
        """Take the money of an approved checkout (or report that it is not taken yet)."""
        ...

    async def refund(
        self, charge_reference: str, amount: Money, *, idempotency_key: str
    ) -> RefundReceipt:
        """Refund ``amount`` of the money held at ``charge_reference`` (part or all)."""
        ...

    async def read_notice(self, payload: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        """Verify a webhook (its signature headers over the raw ``payload``) and translate it;
        :class:`InvalidNotice` when it does not verify."""
        ...


class Payments(Protocol):
    """Payments as stored; reads see the payments of orders the organisation is party to, and
    the one with the reference the transaction was given (:meth:`PaymentUnitOfWork.scope`)."""

    async def get(self, payment_id: uuid.UUID) -> Payment | None:
        """The payment with this id, if the transaction may see it."""

    async def add(self, payment: Payment) -> Payment:
        """Store a new payment; :class:`~reptidex.domain.errors.Conflict` when its order has
        another open or taken payment."""

    async def update(self, payment: Payment) -> Payment:
        """Store a changed payment (compare-and-set on its version)."""

    async def by_reference(self, provider: ProviderName, reference: str) -> Payment | None:
        """The payment whose ``reference`` or ``charge_reference`` this is."""

    async def of_order(self, order_id: uuid.UUID) -> list[Payment]:
        """The order's payments, oldest first."""


class PayoutStatus(enum.StrEnum):
    """Whether buyers may pay into a payout account."""

    PENDING = "pending"
    """Made through the platform's onboarding, and the provider does not take charges for it
    yet (or no longer)."""
    ENABLED = "enabled"
    """The provider takes charges for it (or the seller named an account it already has)."""


@dataclass(frozen=True, slots=True)
class PayoutAccount:
    """The account a provider pays a seller's sales into (Stripe ``acct_…``, PayPal merchant
    id), and whether it takes payments yet."""

    organisation_id: uuid.UUID
    provider: ProviderName
    account: str
    status: PayoutStatus = PayoutStatus.ENABLED


@dataclass(frozen=True, slots=True)
class AccountRequest:
    """A connected account to open for a seller: where it is established (ISO 3166-1
    alpha-2) and, optionally, the email address the provider prefills."""

    organisation_id: uuid.UUID
    country: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectedAccount:
    """A seller's connected account as the provider shows it."""

    account: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool

    @property
    def status(self) -> PayoutStatus:
        """Buyers may pay into it once the provider takes charges for it."""
        return PayoutStatus.ENABLED if self.charges_enabled else PayoutStatus.PENDING


@dataclass(frozen=True, slots=True)
class OnboardingLink:
    """Where the seller completes the provider's onboarding of an account, until when."""

    url: str
    expires_at: dt.datetime


class AccountOnboarding(Protocol):
    """The provider's onboarding of sellers' connected accounts (Stripe Connect)."""

    async def create_account(
        self, request: AccountRequest, *, idempotency_key: str
    ) -> ConnectedAccount:
        """Open a connected account for the seller, to be onboarded."""
        ...

    async def account_link(
        self, account: str, *, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        """A new, short-lived link to the provider's onboarding of ``account``; the provider
        sends the seller to ``return_url`` when they leave it, to ``refresh_url`` when the
        link has expired or was used."""
        ...

    async def retrieve_account(self, account: str) -> ConnectedAccount:
        """The account as it is now; :class:`UnknownAccount` when the provider does not show
        it to the platform."""
        ...


class PayoutAccounts(Protocol):
    """The sellers' payout accounts."""

    async def get(self, organisation_id: uuid.UUID, provider: ProviderName) -> PayoutAccount | None:
        """The organisation's account with ``provider``, if the transaction may see it."""

    async def of_organisation(self, organisation_id: uuid.UUID) -> list[PayoutAccount]:
        """The organisation's accounts."""

    async def put(self, account: PayoutAccount) -> None:
        """Set the organisation's account with a provider, and its status;
        :class:`Conflict` when another organisation has it."""

    async def find(self, provider: ProviderName, account: str) -> PayoutAccount | None:
        """The account with this provider id (the transaction was given it to find)."""


class HandledNotices(Protocol):
    """The providers' webhook event ids already handled."""

    async def claim(self, provider: ProviderName, event_id: str, event_type: str) -> bool:
        """Remember the event in this transaction; ``False`` when it was handled before."""


class LedgerBook(Protocol):
    """An organisation's postings across its orders and payouts."""

    async def of_organisation(self, organisation_id: uuid.UUID) -> list[Posting]:
        """Every posting of the organisation as seller or buyer, oldest first."""


class PaymentUnitOfWork(CommerceUnitOfWork, Protocol):
    """The commerce unit of work with payments, payout accounts and handled notices."""

    @property
    def payments(self) -> Payments:
        """The payments."""

    @property
    def payout_accounts(self) -> PayoutAccounts:
        """The payout accounts."""

    @property
    def notices(self) -> HandledNotices:
        """The handled webhook events."""

    @property
    def book(self) -> LedgerBook:
        """The organisation's ledger."""

    async def scope(
        self, organisation_id: uuid.UUID | None = None, *, reference: str | None = None
    ) -> None:
        """Scope the transaction to ``organisation_id``, and let it find the payment or
        payout account with the provider's ``reference`` (a verified webhook's)."""


class ProviderChoice(Protocol):
    """The configured providers, by name."""

    def get(self, name: ProviderName) -> PaymentProvider:
        """The provider; :class:`ProviderUnavailable` when it is not configured."""
        ...

    def names(self) -> list[ProviderName]:
        """The configured providers."""
        ...

    def onboarding(self, name: ProviderName) -> AccountOnboarding:
        """The provider's onboarding of connected accounts; :class:`ProviderUnavailable` when
        the provider is not configured or onboards no accounts."""
        ...


OpenUnit = Callable[[uuid.UUID | None], AbstractAsyncContextManager[PaymentUnitOfWork]]
"""Opens a unit of work scoped to an organisation (``None``: to nobody yet)."""
Outcome = Literal["applied", "duplicate", "ignored"]
"""What a webhook did."""
