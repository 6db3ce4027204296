"""Ports of billing: the payment gateway, and the storage a billing use case writes through."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from reptidex.domain.billing.model import BillingProvider, Subscription, SubscriptionStatus
from reptidex.domain.errors import DomainError, FeatureUnavailable
from reptidex.domain.events import OutboxUnitOfWork


class InvalidWebhook(DomainError):
    """A webhook whose signature does not verify, or whose body is not an event (HTTP 400)."""


class GatewayUnavailable(FeatureUnavailable):
    """The payment gateway refused or failed a call; nothing was changed on our side (HTTP 503)."""


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    """A hosted checkout page the customer is sent to."""

    reference: str
    url: str


@dataclass(frozen=True, slots=True)
class CancellationScheduled:
    """The gateway's answer to "cancel at the end of the period"."""

    subscription_ref: str
    cancel_at_period_end: bool
    current_period_end: dt.datetime | None


class NoticeKind(enum.StrEnum):
    """The webhook notices billing acts on; everything else is acknowledged and ignored."""

    CHECKOUT_COMPLETED = "checkout_completed"
    SUBSCRIPTION_UPDATED = "subscription_updated"
    SUBSCRIPTION_DELETED = "subscription_deleted"
    INVOICE_PAID = "invoice_paid"
    INVOICE_PAYMENT_FAILED = "invoice_payment_failed"
    AD_CREDITS_PAID = "ad_credits_paid"
    """A one-off payment for ad credits succeeded."""
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookNotice:
    """A verified gateway event, translated into billing's terms by the gateway adapter."""

    event_id: str
    event_type: str
    kind: NoticeKind
    organisation_id: uuid.UUID | None = None
    customer_ref: str | None = None
    subscription_ref: str | None = None
    plan: str | None = None
    status: SubscriptionStatus | None = None
    current_period_end: dt.datetime | None = None
    cancel_at_period_end: bool | None = None
    amount_cents: int | None = None
    currency: str | None = None
    payment_ref: str | None = None
    """The provider's payment, for a one-off payment (ad credits)."""


class PaymentGateway(Protocol):
    """A payment provider that sells the plans as subscriptions: Stripe or PayPal."""

    @property
    def provider(self) -> BillingProvider:
        """Which provider this is."""
        ...

    async def start_checkout(
        self,
        *,
        customer_ref: str | None,
        organisation_id: uuid.UUID,
        plan: str,
        email: str,
        success_url: str,
        cancel_url: str,
    ) -> CheckoutSession:
        """Open the provider's page where the payer subscribes to ``plan``.

        ``customer_ref`` is the organisation's customer at a :class:`CustomerGateway` (``None``
        for the others); ``email`` is the payer's, for the provider to fill in.
        """
        ...

    async def cancel_at_period_end(self, subscription_ref: str) -> CancellationScheduled:
        """Stop ``subscription_ref`` renewing; its paid period runs to its end."""
        ...

    async def read_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookNotice:
        """Verify a delivery (its raw ``payload``, its ``headers`` with lower-case names) and
        translate its event.

        Raises:
            InvalidWebhook: when the delivery does not verify or the body is not an event.
            GatewayUnavailable: when the provider could not be asked to verify it.
        """
        ...


@runtime_checkable
class CustomerGateway(PaymentGateway, Protocol):
    """A gateway that keeps a customer per organisation, with a self-service portal (Stripe).

    A gateway without (PayPal) has the payer sign in at the provider and manage the
    subscription in their own account there.
    """

    async def create_customer(self, organisation_id: uuid.UUID, email: str) -> str:
        """Create the customer paying for ``organisation_id``; return its reference."""
        ...

    async def open_portal(self, *, customer_ref: str, return_url: str) -> str:
        """Open the customer's self-service portal; return its URL."""
        ...


@runtime_checkable
class CreditSeller(PaymentGateway, Protocol):
    """A gateway that also takes one-off payments for ad credits (Stripe)."""

    async def start_payment(
        self,
        *,
        customer_ref: str | None,
        organisation_id: uuid.UUID,
        amount: int,
        currency: str,
        success_url: str,
        cancel_url: str,
    ) -> CheckoutSession:
        """Open the provider's page where the payer pays ``amount`` minor units of
        ``currency`` for ad credits once."""
        ...


class SubscriptionRepository(Protocol):
    """Where subscriptions are kept, one per organisation."""

    async def get(self, organisation_id: uuid.UUID) -> Subscription | None:
        """The subscription of ``organisation_id``, if it ever had one."""
        ...

    async def find_by_reference(
        self, *, customer_ref: str | None = None, subscription_ref: str | None = None
    ) -> Subscription | None:
        """The subscription with that gateway customer or subscription reference."""
        ...

    async def save(self, subscription: Subscription) -> None:
        """Insert or update ``subscription``."""
        ...


class ProcessedWebhooks(Protocol):
    """The gateway event ids already handled, so a redelivered webhook has no second effect."""

    async def seen(self, event_id: str) -> bool:
        """Whether ``event_id`` was handled before."""
        ...

    async def record(self, event_id: str, event_type: str) -> None:
        """Remember ``event_id`` (in the transaction that applies its effect)."""
        ...


class BillingUnitOfWork(OutboxUnitOfWork, Protocol):
    """One transaction over subscriptions, processed webhooks and the outbox."""

    @property
    def subscriptions(self) -> SubscriptionRepository:
        """Subscriptions, in this transaction."""
        ...

    @property
    def webhooks(self) -> ProcessedWebhooks:
        """Processed webhook ids, in this transaction."""
        ...
