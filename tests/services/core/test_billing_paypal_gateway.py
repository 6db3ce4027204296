"""The PayPal adapter of billing against the PayPal stand-in (tests/paypal_stand_in.py, strict
as PayPal's schemas): the catalog product and billing plans, a subscription awaiting approval,
cancellation, and webhooks verified by PayPal's verify-webhook-signature call for billing's
own webhook. The exact bodies sent are asserted here."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from paypal_stand_in import (
    BILLING_WEBHOOK_ID,
    PAYPAL_CLIENT,
    PAYPAL_WEBHOOK_ID,
    PayPalStandIn,
    signed_paypal_event,
)
from reptidex.adapters.payments.paypal_api import PayPalConfig
from reptidex.adapters.payments.paypal_billing import (
    CANCEL_REASON,
    PayPalBillingConfig,
    PayPalSubscriptions,
    create_paypal_plans,
)
from reptidex.domain.billing import (
    PLANS,
    BillingProvider,
    CustomerGateway,
    GatewayUnavailable,
    InvalidWebhook,
    NoticeKind,
    SubscriptionStatus,
)

ORG = uuid.UUID("00000000-0000-4000-8000-00000000000a")
URLS = {"success_url": "https://app.example/billing/ok", "cancel_url": "https://app.example/no"}


@pytest.fixture
def paypal() -> Iterator[PayPalStandIn]:
    with PayPalStandIn() as stand_in:
        yield stand_in


def plan_ids(paypal: PayPalStandIn) -> dict[str, str]:
    return {plan: paypal.add_plan() for plan in ("keeper", "breeder", "business")}


def gateway(
    paypal: PayPalStandIn,
    plans: dict[str, str] | None = None,
    *,
    client: tuple[str, str] = PAYPAL_CLIENT,
    webhook_id: str = BILLING_WEBHOOK_ID,
) -> PayPalSubscriptions:
    config = PayPalBillingConfig.from_values(
        client_id=client[0],
        client_secret=client[1],
        webhook_id=webhook_id,
        plans=plans if plans is not None else plan_ids(paypal),
        api_base=paypal.base,
    )
    assert config is not None
    return PayPalSubscriptions(config)


def test_config_is_none_unless_the_app_the_webhook_and_every_plan_are_set() -> None:
    plans = {"keeper": "P-1", "breeder": "P-2", "business": "P-3"}
    full: dict[str, Any] = {
        "client_id": "id",
        "client_secret": "secret",
        "webhook_id": "WH1",
        "plans": plans,
    }
    config = PayPalBillingConfig.from_values(**full)
    assert config is not None
    assert config.plans == plans
    assert "secret" not in repr(config)
    for missing in ("client_id", "client_secret", "webhook_id"):
        assert PayPalBillingConfig.from_values(**{**full, missing: None}) is None
    partial = {"keeper": "P-1", "breeder": "P-2", "business": ""}
    assert PayPalBillingConfig.from_values(**{**full, "plans": partial}) is None


def test_the_gateway_is_paypals_and_keeps_no_customers(paypal: PayPalStandIn) -> None:
    subscriptions = gateway(paypal)
    assert subscriptions.provider is BillingProvider.PAYPAL
    assert not isinstance(subscriptions, CustomerGateway)


# -- the catalog product and billing plans --------------------------------------------------


async def test_the_plans_are_created_monthly_at_their_prices_under_one_product(
    paypal: PayPalStandIn,
) -> None:
    config = PayPalConfig(*PAYPAL_CLIENT, webhook_id="", api_base=paypal.base)
    created = await create_paypal_plans(config, PLANS.values())
    assert list(created) == ["keeper", "breeder", "business"]
    token, product, *plans = paypal.requests
    assert token.path == "/v1/oauth2/token"
    assert (product.path, product.body) == (
        "/v1/catalogs/products",
        {
            "name": "ReptiDex plans",
            "description": "ReptiDex subscription plans for reptile breeders",
            "type": "SERVICE",
            "category": "SOFTWARE",
        },
    )
    (product_id,) = paypal.products
    assert [request.path for request in plans] == ["/v1/billing/plans"] * 3
    assert plans[1].body == {
        "product_id": product_id,
        "name": "ReptiDex Breeder",
        "description": "ReptiDex Breeder plan, billed monthly",
        "status": "ACTIVE",
        "billing_cycles": [
            {
                "frequency": {"interval_unit": "MONTH", "interval_count": 1},
                "tenure_type": "REGULAR",
                "sequence": 1,
                "total_cycles": 0,
                "pricing_scheme": {"fixed_price": {"value": "29.00", "currency_code": "USD"}},
            }
        ],
        "payment_preferences": {
            "auto_bill_outstanding": True,
            "setup_fee_failure_action": "CANCEL",
            "payment_failure_threshold": 3,
        },
    }
    prices = [
        paypal.plans[created[code]]["billing_cycles"][0]["pricing_scheme"]["fixed_price"]["value"]
        for code in created
    ]
    assert prices == ["9.00", "29.00", "79.00"]
    assert all(paypal.plans[plan_id]["product_id"] == product_id for plan_id in created.values())


async def test_creating_the_plans_with_a_wrong_secret_is_refused(paypal: PayPalStandIn) -> None:
    config = PayPalConfig(PAYPAL_CLIENT[0], "wrong", webhook_id="", api_base=paypal.base)
    with pytest.raises(GatewayUnavailable, match="refused to give a token"):
        await create_paypal_plans(config, PLANS.values())
    assert paypal.products == {}


# -- subscriptions --------------------------------------------------------------------------


async def test_a_checkout_is_a_subscription_awaiting_the_payers_approval(
    paypal: PayPalStandIn,
) -> None:
    plans = plan_ids(paypal)
    session = await gateway(paypal, plans).start_checkout(
        customer_ref=None, organisation_id=ORG, plan="breeder", email="owner@example.com", **URLS
    )
    created = paypal.requests[-1]
    assert (created.method, created.path) == ("POST", "/v1/billing/subscriptions")
    assert created.headers["content-type"] == "application/json"
    assert created.body == {
        "plan_id": plans["breeder"],
        "custom_id": str(ORG),
        "subscriber": {"email_address": "owner@example.com"},
        "application_context": {
            "brand_name": "ReptiDex",
            "shipping_preference": "NO_SHIPPING",
            "user_action": "SUBSCRIBE_NOW",
            "return_url": URLS["success_url"],
            "cancel_url": URLS["cancel_url"],
        },
    }
    (subscription,) = paypal.subscriptions.values()
    assert subscription.status == "APPROVAL_PENDING"
    assert session.reference == subscription.id
    assert session.url.startswith("https://www.paypal.test/webapps/billing/subscriptions?ba_token=")


@pytest.mark.parametrize(
    ("status", "issue"),
    [(None, "INVALID_RESOURCE_ID"), ("INACTIVE", "PLAN_STATUS_INVALID")],
    ids=["a plan PayPal does not have", "an inactive plan"],
)
async def test_a_subscription_paypal_refuses_is_gateway_unavailable(
    paypal: PayPalStandIn, status: str | None, issue: str
) -> None:
    plans = plan_ids(paypal)
    plans["keeper"] = "P-UNKNOWN000000000000000" if status is None else paypal.add_plan(status)
    with pytest.raises(GatewayUnavailable, match=issue):
        await gateway(paypal, plans).start_checkout(
            customer_ref=None, organisation_id=ORG, plan="keeper", email="o@example.com", **URLS
        )
    assert paypal.subscriptions == {}


async def test_cancelling_reads_how_far_it_is_paid_then_cancels_it_once(
    paypal: PayPalStandIn,
) -> None:
    subscriptions = gateway(paypal)
    session = await subscriptions.start_checkout(
        customer_ref=None, organisation_id=ORG, plan="keeper", email="o@example.com", **URLS
    )
    approved = paypal.approve_subscription(session.reference)
    paid_until = dt.datetime.fromisoformat(approved["billing_info"]["next_billing_time"])
    answer = await subscriptions.cancel_at_period_end(session.reference)
    assert (answer.subscription_ref, answer.cancel_at_period_end, answer.current_period_end) == (
        session.reference,
        True,
        paid_until,
    )
    shown, cancelled = paypal.requests[-2:]
    assert (shown.method, shown.path) == ("GET", f"/v1/billing/subscriptions/{session.reference}")
    assert (cancelled.path, cancelled.body) == (
        f"/v1/billing/subscriptions/{session.reference}/cancel",
        {"reason": CANCEL_REASON},
    )
    assert paypal.subscriptions[session.reference].status == "CANCELLED"
    sent = len(paypal.requests)
    again = await subscriptions.cancel_at_period_end(session.reference)  # already cancelled
    assert again.cancel_at_period_end is True
    assert [request.method for request in paypal.requests[sent:]] == ["GET"]


async def test_a_suspended_subscription_is_cancelled_too(paypal: PayPalStandIn) -> None:
    subscriptions = gateway(paypal)
    session = await subscriptions.start_checkout(
        customer_ref=None, organisation_id=ORG, plan="keeper", email="o@example.com", **URLS
    )
    paypal.approve_subscription(session.reference)
    paypal.suspend(session.reference)
    answer = await subscriptions.cancel_at_period_end(session.reference)
    assert answer.cancel_at_period_end is True
    assert paypal.subscriptions[session.reference].status == "CANCELLED"


async def test_a_subscription_that_cannot_be_cancelled_is_gateway_unavailable(
    paypal: PayPalStandIn,
) -> None:
    subscriptions = gateway(paypal)
    with pytest.raises(GatewayUnavailable, match="INVALID_RESOURCE_ID"):
        await subscriptions.cancel_at_period_end("I-UNKNOWN")
    session = await subscriptions.start_checkout(
        customer_ref=None, organisation_id=ORG, plan="keeper", email="o@example.com", **URLS
    )
    with pytest.raises(GatewayUnavailable, match="APPROVAL_PENDING"):
        await subscriptions.cancel_at_period_end(session.reference)
    assert paypal.subscriptions[session.reference].status == "APPROVAL_PENDING"


# -- webhooks -------------------------------------------------------------------------------


def delivery(event_type: str, resource: dict[str, Any], **options: Any) -> tuple[bytes, Any]:
    options.setdefault("webhook_id", BILLING_WEBHOOK_ID)
    body, headers = signed_paypal_event(
        event_type, resource, resource_type="subscription", **options
    )
    return body, {name.lower(): value for name, value in headers.items()}


async def test_the_subscription_events_are_read_in_billings_terms(paypal: PayPalStandIn) -> None:
    plans = plan_ids(paypal)
    subscriptions = gateway(paypal, plans)
    session = await subscriptions.start_checkout(
        customer_ref=None, organisation_id=ORG, plan="business", email="o@example.com", **URLS
    )
    resource = paypal.approve_subscription(session.reference)
    paid_until = dt.datetime.fromisoformat(resource["billing_info"]["next_billing_time"])
    activated = await subscriptions.read_webhook(
        *delivery("BILLING.SUBSCRIPTION.ACTIVATED", resource, event_id="WH-ACTIVATED")
    )
    assert (activated.event_id, activated.event_type, activated.kind) == (
        "WH-ACTIVATED",
        "BILLING.SUBSCRIPTION.ACTIVATED",
        NoticeKind.CHECKOUT_COMPLETED,
    )
    assert (activated.organisation_id, activated.subscription_ref, activated.plan) == (
        ORG,
        session.reference,
        "business",
    )
    assert (activated.status, activated.current_period_end) == (
        SubscriptionStatus.ACTIVE,
        paid_until,
    )
    assert activated.customer_ref is None
    suspended = await subscriptions.read_webhook(
        *delivery("BILLING.SUBSCRIPTION.SUSPENDED", paypal.suspend(session.reference))
    )
    assert (suspended.kind, suspended.status) == (
        NoticeKind.SUBSCRIPTION_UPDATED,
        SubscriptionStatus.UNPAID,
    )
    for ending in ("BILLING.SUBSCRIPTION.CANCELLED", "BILLING.SUBSCRIPTION.EXPIRED"):
        ended = await subscriptions.read_webhook(*delivery(ending, resource))
        assert (ended.kind, ended.subscription_ref) == (
            NoticeKind.SUBSCRIPTION_DELETED,
            session.reference,
        )


async def test_payments_of_a_subscription_are_read_with_their_amounts(
    paypal: PayPalStandIn,
) -> None:
    subscriptions = gateway(paypal)
    sale = {
        "id": "80021663DE681814L",
        "state": "completed",
        "amount": {"total": "29.00", "currency": "USD", "details": {"subtotal": "29.00"}},
        "billing_agreement_id": "I-BW452GLLEP1G",
        "parent_payment": "PAYID-1",
        "create_time": "2027-01-10T12:00:00Z",
    }
    paid = await subscriptions.read_webhook(*delivery("PAYMENT.SALE.COMPLETED", sale))
    assert (paid.kind, paid.subscription_ref, paid.amount_cents, paid.currency) == (
        NoticeKind.INVOICE_PAID,
        "I-BW452GLLEP1G",
        2900,
        "usd",
    )
    one_off = {key: value for key, value in sale.items() if key != "billing_agreement_id"}
    other = await subscriptions.read_webhook(*delivery("PAYMENT.SALE.COMPLETED", one_off))
    assert other.kind is NoticeKind.OTHER
    failed_resource = {
        "id": "I-BW452GLLEP1G",
        "status": "ACTIVE",
        "custom_id": str(ORG),
        "billing_info": {
            "failed_payments_count": 1,
            "last_failed_payment": {
                "amount": {"currency_code": "USD", "value": "9.00"},
                "time": "2027-01-10T12:00:00Z",
            },
        },
    }
    failed = await subscriptions.read_webhook(
        *delivery("BILLING.SUBSCRIPTION.PAYMENT.FAILED", failed_resource)
    )
    assert (failed.kind, failed.organisation_id, failed.amount_cents, failed.currency) == (
        NoticeKind.INVOICE_PAYMENT_FAILED,
        ORG,
        900,
        "usd",
    )
    created = await subscriptions.read_webhook(
        *delivery("BILLING.SUBSCRIPTION.CREATED", failed_resource)
    )
    assert created.kind is NoticeKind.OTHER


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"forge": True}, id="forged signature"),
        pytest.param({"webhook_id": PAYPAL_WEBHOOK_ID}, id="signed for the marketplace's webhook"),
        pytest.param({"sent": time.time() - 600}, id="stale"),
    ],
)
async def test_a_delivery_that_does_not_verify_is_refused(
    paypal: PayPalStandIn, change: dict[str, Any]
) -> None:
    body, headers = delivery("BILLING.SUBSCRIPTION.ACTIVATED", {"id": "I-1"}, **change)
    with pytest.raises(InvalidWebhook):
        await gateway(paypal).read_webhook(body, headers)


async def test_a_delivery_without_its_transmission_headers_is_refused(
    paypal: PayPalStandIn,
) -> None:
    body, headers = delivery("BILLING.SUBSCRIPTION.ACTIVATED", {"id": "I-1"})
    del headers["paypal-transmission-sig"]
    with pytest.raises(InvalidWebhook, match="paypal-transmission-sig"):
        await gateway(paypal).read_webhook(body, headers)
    assert not any(r.path.startswith("/v1/notifications") for r in paypal.requests)
