"""The Stripe payment gateway, through the ``stripe`` library's :class:`stripe.StripeClient`.

Customers, Checkout Sessions for subscriptions, customer portal sessions and cancellation at the
end of the period go out through the async API; webhooks are verified with the endpoint's signing
secret over the raw body and translated into :class:`~reptidex.domain.billing.WebhookNotice`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import stripe

from reptidex.domain.billing import (
    PAID_PLANS,
    BillingProvider,
    CancellationScheduled,
    CheckoutSession,
    GatewayUnavailable,
    InvalidWebhook,
    NoticeKind,
    SubscriptionStatus,
    WebhookNotice,
)

AD_CREDITS = "ad_credits"
"""The ``purpose`` in the metadata of a Checkout Session that buys ad credits."""

_NOTICE_KINDS = {
    "checkout.session.completed": NoticeKind.CHECKOUT_COMPLETED,
    "customer.subscription.created": NoticeKind.SUBSCRIPTION_UPDATED,
    "customer.subscription.updated": NoticeKind.SUBSCRIPTION_UPDATED,
    "customer.subscription.deleted": NoticeKind.SUBSCRIPTION_DELETED,
    "invoice.paid": NoticeKind.INVOICE_PAID,
    "invoice.payment_failed": NoticeKind.INVOICE_PAYMENT_FAILED,
}

# Stripe's statuses reduced to ours: a subscription waiting on its first payment is incomplete.
_STATUSES = {
    "incomplete": SubscriptionStatus.INCOMPLETE,
    "incomplete_expired": SubscriptionStatus.CANCELED,
    "trialing": SubscriptionStatus.TRIALING,
    "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.UNPAID,
    "canceled": SubscriptionStatus.CANCELED,
    "paused": SubscriptionStatus.UNPAID,
}


@dataclass(frozen=True, slots=True)
class StripeConfig:
    """What the Stripe gateway needs; billing is off unless every part is present."""

    secret_key: str
    webhook_secret: str
    prices: Mapping[str, str]
    api_base: str | None = None
    timeout: float = 10.0
    max_network_retries: int = 2

    @classmethod
    def from_values(
        cls,
        *,
        secret_key: str | None,
        webhook_secret: str | None,
        prices: Mapping[str, str],
        api_base: str | None = None,
        timeout: float = 10.0,
    ) -> StripeConfig | None:
        """The configuration, or ``None`` (billing off) when a key, secret or price is missing."""
        if not secret_key or not webhook_secret or any(plan not in prices for plan in PAID_PLANS):
            return None
        return cls(
            secret_key=secret_key,
            webhook_secret=webhook_secret,
            prices=dict(prices),
            api_base=api_base,
            timeout=timeout,
        )


def _timestamp(value: Any) -> dt.datetime | None:
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return None


def _reference(value: Any) -> str | None:
    """An id, whether Stripe sent the id alone or the expanded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _organisation(*candidates: Any) -> uuid.UUID | None:
    for candidate in candidates:
        if isinstance(candidate, str):
            try:
                return uuid.UUID(candidate)
            except ValueError:
                continue
    return None


class StripeGateway:
    """:class:`~reptidex.domain.billing.CustomerGateway` backed by Stripe."""

    provider = BillingProvider.STRIPE

    def __init__(self, config: StripeConfig) -> None:
        self._config = config
        self._plans_by_price = {price: plan for plan, price in config.prices.items()}
        self._client = stripe.StripeClient(
            config.secret_key,
            base_addresses={"api": config.api_base} if config.api_base else None,
            http_client=stripe.HTTPXClient(timeout=config.timeout),
            max_network_retries=config.max_network_retries,
        )

    # -- outgoing calls -------------------------------------------------------------------

    async def create_customer(self, organisation_id: uuid.UUID, email: str) -> str:
        """Create the Stripe customer of ``organisation_id``."""
        try:
            customer = await self._client.v1.customers.create_async(
                {"email": email, "metadata": {"organisation_id": str(organisation_id)}},
                {"idempotency_key": f"customer-{organisation_id}"},
            )
        except stripe.StripeError as exc:
            raise GatewayUnavailable(f"Stripe refused to create the customer: {exc}") from exc
        return str(customer.id)

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
        """Create a Checkout Session in subscription mode for ``plan``'s price, for the
        organisation's customer (which has the e-mail address already)."""
        if customer_ref is None:
            raise ValueError("a Stripe checkout is for the organisation's customer")
        metadata = {"organisation_id": str(organisation_id), "plan": plan}
        try:
            session = await self._client.v1.checkout.sessions.create_async(
                {
                    "mode": "subscription",
                    "customer": customer_ref,
                    "client_reference_id": str(organisation_id),
                    "line_items": [{"price": self._config.prices[plan], "quantity": 1}],
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                    "metadata": metadata,
                    "subscription_data": {"metadata": metadata},
                }
            )
        except stripe.StripeError as exc:
            raise GatewayUnavailable(f"Stripe refused to open a checkout: {exc}") from exc
        return CheckoutSession(reference=str(session.id), url=str(session.url))

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
        """Create a Checkout Session in payment mode for ``amount`` minor units of ad
        credits, for the organisation's customer."""
        if customer_ref is None:
            raise ValueError("a Stripe checkout is for the organisation's customer")
        metadata = {"organisation_id": str(organisation_id), "purpose": AD_CREDITS}
        try:
            session = await self._client.v1.checkout.sessions.create_async(
                {
                    "mode": "payment",
                    "customer": customer_ref,
                    "client_reference_id": str(organisation_id),
                    "line_items": [
                        {
                            "price_data": {
                                "currency": currency.lower(),
                                "unit_amount": amount,
                                "product_data": {"name": "ReptiDex ad credits"},
                            },
                            "quantity": 1,
                        }
                    ],
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                    "metadata": metadata,
                    "payment_intent_data": {"metadata": metadata},
                }
            )
        except stripe.StripeError as exc:
            raise GatewayUnavailable(f"Stripe refused to open a checkout: {exc}") from exc
        return CheckoutSession(reference=str(session.id), url=str(session.url))

    async def open_portal(self, *, customer_ref: str, return_url: str) -> str:
        """Create a customer portal session."""
        try:
            portal = await self._client.v1.billing_portal.sessions.create_async(
                {"customer": customer_ref, "return_url": return_url}
            )
        except stripe.StripeError as exc:
            raise GatewayUnavailable(f"Stripe refused to open the portal: {exc}") from exc
        return str(portal.url)

    async def cancel_at_period_end(self, subscription_ref: str) -> CancellationScheduled:
        """Set ``cancel_at_period_end`` on the subscription."""
        try:
            updated = await self._client.v1.subscriptions.update_async(
                subscription_ref, {"cancel_at_period_end": True}
            )
        except stripe.StripeError as exc:
            raise GatewayUnavailable(f"Stripe refused to cancel the subscription: {exc}") from exc
        body = updated.to_dict()
        return CancellationScheduled(
            subscription_ref=str(body["id"]),
            cancel_at_period_end=bool(body.get("cancel_at_period_end")),
            current_period_end=self._period_end(body),
        )

    # -- webhooks -------------------------------------------------------------------------

    async def read_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookNotice:
        """Verify the ``Stripe-Signature`` header over ``payload`` and translate the event."""
        signature = headers.get("stripe-signature")
        if not signature:
            raise InvalidWebhook("the Stripe-Signature header is missing")
        try:
            event = self._client.construct_event(payload, signature, self._config.webhook_secret)
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook("the Stripe-Signature does not verify") from exc
        except ValueError as exc:
            raise InvalidWebhook("the body is not a Stripe event") from exc
        body = event.to_dict()
        return self.translate(body)

    def translate(self, event: Mapping[str, Any]) -> WebhookNotice:
        """Translate a verified Stripe event (as a plain mapping) into billing's terms."""
        event_type = str(event.get("type", ""))
        kind = _NOTICE_KINDS.get(event_type, NoticeKind.OTHER)
        data = event.get("data")
        obj: Mapping[str, Any] = {}
        if isinstance(data, Mapping) and isinstance(data.get("object"), Mapping):
            obj = data["object"]
        event_id = event.get("id")
        if not isinstance(event_id, str) or not event_id:
            raise InvalidWebhook("the Stripe event has no id")
        base = WebhookNotice(event_id=event_id, event_type=event_type, kind=kind)
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
        assert isinstance(metadata, Mapping)
        if kind is NoticeKind.CHECKOUT_COMPLETED and metadata.get("purpose") == AD_CREDITS:
            return self._credits_paid(base, obj, metadata)
        if kind is NoticeKind.CHECKOUT_COMPLETED:
            plan = metadata.get("plan")
            return replace(
                base,
                organisation_id=_organisation(
                    obj.get("client_reference_id"), metadata.get("organisation_id")
                ),
                customer_ref=_reference(obj.get("customer")),
                subscription_ref=_reference(obj.get("subscription")),
                plan=plan if plan in PAID_PLANS else None,
                status=SubscriptionStatus.ACTIVE
                if obj.get("payment_status") in (None, "paid", "no_payment_required")
                else SubscriptionStatus.INCOMPLETE,
            )
        if kind in (NoticeKind.SUBSCRIPTION_UPDATED, NoticeKind.SUBSCRIPTION_DELETED):
            return replace(
                base,
                organisation_id=_organisation(metadata.get("organisation_id")),
                customer_ref=_reference(obj.get("customer")),
                subscription_ref=_reference(obj.get("id")),
                plan=self._plan_of(obj),
                status=_STATUSES.get(str(obj.get("status"))),
                current_period_end=self._period_end(obj),
                cancel_at_period_end=bool(obj.get("cancel_at_period_end"))
                or obj.get("cancel_at") is not None,
            )
        if kind in (NoticeKind.INVOICE_PAID, NoticeKind.INVOICE_PAYMENT_FAILED):
            amount = obj.get("amount_paid" if kind is NoticeKind.INVOICE_PAID else "amount_due")
            return replace(
                base,
                customer_ref=_reference(obj.get("customer")),
                subscription_ref=self._invoice_subscription(obj),
                amount_cents=amount if isinstance(amount, int) else None,
                currency=obj.get("currency") if isinstance(obj.get("currency"), str) else None,
            )
        return base

    # -- reading Stripe objects -----------------------------------------------------------

    @staticmethod
    def _credits_paid(
        base: WebhookNotice, session: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> WebhookNotice:
        """A completed payment-mode session for ad credits: paid, or nothing to act on."""
        if session.get("mode") != "payment" or session.get("payment_status") != "paid":
            return replace(base, kind=NoticeKind.OTHER)
        amount = session.get("amount_total")
        currency = session.get("currency")
        return replace(
            base,
            kind=NoticeKind.AD_CREDITS_PAID,
            organisation_id=_organisation(
                session.get("client_reference_id"), metadata.get("organisation_id")
            ),
            customer_ref=_reference(session.get("customer")),
            payment_ref=_reference(session.get("payment_intent")) or _reference(session.get("id")),
            amount_cents=amount
            if isinstance(amount, int) and not isinstance(amount, bool)
            else None,
            currency=currency.upper() if isinstance(currency, str) else None,
        )

    def _plan_of(self, subscription: Mapping[str, Any]) -> str | None:
        for item in self._items(subscription):
            price = item.get("price")
            price_id = _reference(price) or _reference(item.get("plan"))
            if price_id in self._plans_by_price:
                return self._plans_by_price[price_id]
        return None

    @staticmethod
    def _items(subscription: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        items = subscription.get("items")
        if isinstance(items, Mapping) and isinstance(items.get("data"), list):
            return [item for item in items["data"] if isinstance(item, Mapping)]
        return []

    def _period_end(self, subscription: Mapping[str, Any]) -> dt.datetime | None:
        # Current API versions keep the period on each item; older ones on the subscription.
        ends = [_timestamp(item.get("current_period_end")) for item in self._items(subscription)]
        known = [end for end in ends if end is not None]
        if known:
            return max(known)
        return _timestamp(subscription.get("current_period_end"))

    @staticmethod
    def _invoice_subscription(invoice: Mapping[str, Any]) -> str | None:
        parent = invoice.get("parent")
        if isinstance(parent, Mapping):
            details = parent.get("subscription_details")
            if isinstance(details, Mapping):
                found = _reference(details.get("subscription"))
                if found:
                    return found
        return _reference(invoice.get("subscription"))
