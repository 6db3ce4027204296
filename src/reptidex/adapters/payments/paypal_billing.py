"""Billing's plans through PayPal's Subscriptions API, on the calls, token and webhook
verification of :mod:`~reptidex.adapters.payments.paypal_api`.

Each paid plan is a PayPal billing plan (``P-…``) of one catalog product, monthly at the
plan's price, created once by :func:`create_paypal_plans` (``reptidex billing paypal-plans``).
A checkout is a subscription to that billing plan (``POST /v1/billing/subscriptions``), with
the organisation's id as ``custom_id``; the payer approves it at PayPal's ``approve`` link.
Cancelling reads the subscription (how far it is paid: ``billing_info.next_billing_time``)
and cancels it: PayPal takes no further payment, and ReptiDex keeps the plan until then.
Webhooks are translated into :class:`~reptidex.domain.billing.WebhookNotice`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import httpx

from reptidex.adapters.payments.paypal_api import (
    LIVE_API,
    PAYPAL_PLACES,
    PayPalApi,
    PayPalConfig,
    as_mapping,
    link,
)
from reptidex.domain.billing import (
    PAID_PLANS,
    BillingProvider,
    CancellationScheduled,
    CheckoutSession,
    GatewayUnavailable,
    InvalidWebhook,
    NoticeKind,
    Plan,
    SubscriptionStatus,
    WebhookNotice,
)
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.money_text import decimal_text, parse_decimal_text
from reptidex.domain.errors import InvalidInput

BRAND = "ReptiDex"
CANCEL_REASON = "Cancelled by the organisation in ReptiDex"

_NOTICE_KINDS = {
    "BILLING.SUBSCRIPTION.ACTIVATED": NoticeKind.CHECKOUT_COMPLETED,
    "BILLING.SUBSCRIPTION.UPDATED": NoticeKind.SUBSCRIPTION_UPDATED,
    "BILLING.SUBSCRIPTION.SUSPENDED": NoticeKind.SUBSCRIPTION_UPDATED,
    "BILLING.SUBSCRIPTION.CANCELLED": NoticeKind.SUBSCRIPTION_DELETED,
    "BILLING.SUBSCRIPTION.EXPIRED": NoticeKind.SUBSCRIPTION_DELETED,
    "BILLING.SUBSCRIPTION.PAYMENT.FAILED": NoticeKind.INVOICE_PAYMENT_FAILED,
}
"""The subscription events billing acts on (their resource is the subscription)."""

SALE_COMPLETED = "PAYMENT.SALE.COMPLETED"
"""A payment taken for a subscription (its resource is the sale)."""

# PayPal's statuses reduced to ours: a suspended subscription takes no payment, so no plan.
_STATUSES = {
    "APPROVAL_PENDING": SubscriptionStatus.INCOMPLETE,
    "APPROVED": SubscriptionStatus.INCOMPLETE,
    "ACTIVE": SubscriptionStatus.ACTIVE,
    "SUSPENDED": SubscriptionStatus.UNPAID,
    "CANCELLED": SubscriptionStatus.CANCELED,
    "EXPIRED": SubscriptionStatus.CANCELED,
}


@dataclass(frozen=True, slots=True)
class PayPalBillingConfig:
    """The platform's PayPal app with billing's webhook, and the PayPal billing plan id of each
    paid plan; billing through PayPal is off unless every part is present."""

    api: PayPalConfig
    plans: Mapping[str, str]

    @classmethod
    def from_values(
        cls,
        *,
        client_id: str | None,
        client_secret: str | None,
        webhook_id: str | None,
        plans: Mapping[str, str],
        api_base: str = LIVE_API,
        timeout: float = 10.0,
    ) -> PayPalBillingConfig | None:
        """The configuration, or ``None`` (no PayPal for plans) when a part is missing."""
        if not client_id or not client_secret or not webhook_id:
            return None
        if any(not plans.get(plan) for plan in PAID_PLANS):
            return None
        api = PayPalConfig(client_id, client_secret, webhook_id, api_base, timeout)
        return cls(api=api, plans={plan: plans[plan] for plan in PAID_PLANS})


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        found = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


def _organisation(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _cents(value: Any, currency: Any) -> tuple[int | None, str | None]:
    """An amount PayPal wrote as decimal text, in minor units, and its currency (lower case)."""
    if not isinstance(value, str) or not isinstance(currency, str):
        return None, None
    try:
        money = parse_decimal_text(value, currency)
    except (InvalidInput, ValueError):
        return None, None
    return money.amount, currency.lower()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class PayPalSubscriptions:
    """:class:`~reptidex.domain.billing.PaymentGateway` backed by PayPal's Subscriptions API.

    PayPal keeps no customer of ours: the payer signs in at PayPal when approving, and manages
    the subscription in their PayPal account afterwards.
    """

    provider = BillingProvider.PAYPAL

    def __init__(
        self, config: PayPalBillingConfig, client: httpx.AsyncClient | None = None
    ) -> None:
        self._plans = dict(config.plans)
        self._plans_by_id = {plan_id: plan for plan, plan_id in config.plans.items()}
        self._api = PayPalApi(
            config.api,
            unavailable=GatewayUnavailable,
            invalid_webhook=InvalidWebhook,
            client=client,
        )

    # -- outgoing calls -------------------------------------------------------------------

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
        """Create a subscription to ``plan``'s billing plan, waiting for the payer's approval."""
        payload = {
            "plan_id": self._plans[plan],
            "custom_id": str(organisation_id),
            "subscriber": {"email_address": email},
            "application_context": {
                "brand_name": BRAND,
                "shipping_preference": "NO_SHIPPING",
                "user_action": "SUBSCRIBE_NOW",
                "return_url": success_url,
                "cancel_url": cancel_url,
            },
        }
        what = "create a subscription"
        answer = await self._api.call("POST", "/v1/billing/subscriptions", payload, what=what)
        body = self._api.body(answer, what)
        approve = link(body, "approve")
        if not isinstance(body.get("id"), str) or approve is None:
            raise GatewayUnavailable("PayPal's subscription has no id or approval link.")
        return CheckoutSession(reference=str(body["id"]), url=approve)

    async def subscription(self, subscription_ref: str) -> Mapping[str, Any]:
        """PayPal's subscription ``subscription_ref``."""
        path = f"/v1/billing/subscriptions/{quote(subscription_ref, safe='')}"
        answer = await self._api.call("GET", path, None, what="show the subscription")
        return self._api.body(answer, "show the subscription")

    async def cancel_at_period_end(self, subscription_ref: str) -> CancellationScheduled:
        """Cancel the subscription at PayPal (already cancelled is fine); the answer says until
        when it is paid for (``next_billing_time``, read before cancelling)."""
        found = await self.subscription(subscription_ref)
        paid_until = _time(as_mapping(found.get("billing_info")).get("next_billing_time"))
        status = found.get("status")
        if status in ("ACTIVE", "SUSPENDED"):
            path = f"/v1/billing/subscriptions/{quote(subscription_ref, safe='')}/cancel"
            what = "cancel the subscription"
            answer = await self._api.call("POST", path, {"reason": CANCEL_REASON}, what=what)
            if answer.status_code != 204:
                raise self._api.refused(answer, what)
        elif status not in ("CANCELLED", "EXPIRED"):
            raise GatewayUnavailable(f"PayPal's subscription is {status}: it cannot be cancelled.")
        return CancellationScheduled(
            subscription_ref=subscription_ref,
            cancel_at_period_end=True,
            current_period_end=paid_until,
        )

    # -- webhooks -------------------------------------------------------------------------

    async def read_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookNotice:
        """Have PayPal verify the delivery for billing's webhook, then translate the event."""
        return self.translate(await self._api.verified_event(payload, headers))

    def translate(self, event: Mapping[str, Any]) -> WebhookNotice:
        """Translate a verified PayPal event into billing's terms."""
        event_id, event_type = event.get("id"), str(event.get("event_type", ""))
        if not isinstance(event_id, str) or not event_id:
            raise InvalidWebhook("the PayPal event has no id")
        resource = as_mapping(event.get("resource"))
        base = WebhookNotice(event_id=event_id, event_type=event_type, kind=NoticeKind.OTHER)
        if event_type == SALE_COMPLETED:
            agreement = _text(resource.get("billing_agreement_id"))
            if agreement is None:  # a payment that is not a subscription's
                return base
            amount = as_mapping(resource.get("amount"))
            cents, currency = _cents(amount.get("total"), amount.get("currency"))
            return replace(
                base,
                kind=NoticeKind.INVOICE_PAID,
                subscription_ref=agreement,
                amount_cents=cents,
                currency=currency,
            )
        kind = _NOTICE_KINDS.get(event_type)
        if kind is None:
            return base
        billing = as_mapping(resource.get("billing_info"))
        notice = replace(
            base,
            kind=kind,
            organisation_id=_organisation(resource.get("custom_id")),
            subscription_ref=_text(resource.get("id")),
            plan=self._plans_by_id.get(str(resource.get("plan_id"))),
            status=_STATUSES.get(str(resource.get("status"))),
            current_period_end=_time(billing.get("next_billing_time")),
        )
        if kind is NoticeKind.INVOICE_PAYMENT_FAILED:
            failed = as_mapping(as_mapping(billing.get("last_failed_payment")).get("amount"))
            cents, currency = _cents(failed.get("value"), failed.get("currency_code"))
            notice = replace(notice, amount_cents=cents, currency=currency)
        return notice


# -- the catalog product and billing plans --------------------------------------------------


def plan_request(product_id: str, plan: Plan) -> dict[str, Any]:
    """PayPal's billing plan of ``plan``: monthly at its price, until cancelled (0 cycles);
    after three failed payments PayPal suspends the subscription."""
    code = plan.currency.upper()
    price = decimal_text(Money.of(plan.monthly_price_cents, code), PAYPAL_PLACES[code])
    return {
        "product_id": product_id,
        "name": f"{BRAND} {plan.name}",
        "description": f"{BRAND} {plan.name} plan, billed monthly",
        "status": "ACTIVE",
        "billing_cycles": [
            {
                "frequency": {"interval_unit": "MONTH", "interval_count": 1},
                "tenure_type": "REGULAR",
                "sequence": 1,
                "total_cycles": 0,
                "pricing_scheme": {"fixed_price": {"value": price, "currency_code": code}},
            }
        ],
        "payment_preferences": {
            "auto_bill_outstanding": True,
            "setup_fee_failure_action": "CANCEL",
            "payment_failure_threshold": 3,
        },
    }


async def create_paypal_plans(
    config: PayPalConfig, plans: Iterable[Plan], client: httpx.AsyncClient | None = None
) -> dict[str, str]:
    """Create the catalog product of ReptiDex's plans and a billing plan for each paid one
    of ``plans``; their PayPal ids by plan code.

    Raises:
        GatewayUnavailable: when PayPal refuses or does not answer.
    """
    api = PayPalApi(
        config, unavailable=GatewayUnavailable, invalid_webhook=InvalidWebhook, client=client
    )
    product = {
        "name": f"{BRAND} plans",
        "description": f"{BRAND} subscription plans for reptile breeders",
        "type": "SERVICE",
        "category": "SOFTWARE",
    }
    what = "create the catalog product"
    answer = await api.call("POST", "/v1/catalogs/products", product, what=what)
    product_id = api.body(answer, what).get("id")
    if not isinstance(product_id, str):
        raise GatewayUnavailable("PayPal's catalog product has no id.")
    created: dict[str, str] = {}
    for plan in plans:
        if not plan.is_paid:
            continue
        what = f"create the {plan.name} billing plan"
        answer = await api.call(
            "POST", "/v1/billing/plans", plan_request(product_id, plan), what=what
        )
        plan_id = api.body(answer, what).get("id")
        if not isinstance(plan_id, str):
            raise GatewayUnavailable(f"PayPal's {plan.name} billing plan has no id.")
        created[plan.code] = plan_id
    return created
