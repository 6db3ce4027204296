"""The Stripe adapter: webhooks with real signatures from a test secret, and the outgoing calls
against local stand-ins of Stripe's HTTP API (localstripe, plus a minimal stand-in for the
Checkout and portal session endpoints localstripe does not implement)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from billing_testkit import (
    PRICES,
    WEBHOOK_SECRET,
    SessionsStandIn,
    running_localstripe,
    stripe_event,
    stripe_signature,
    stripe_subscription,
)

from reptidex.adapters.payments.stripe_gateway import StripeConfig, StripeGateway
from reptidex.domain.billing import (
    GatewayUnavailable,
    InvalidWebhook,
    NoticeKind,
    SubscriptionStatus,
)

# stripe's HTTPX client hands raw bytes to httpx as ``data=``; the warning is theirs, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning:httpx")

ORG = uuid.UUID("00000000-0000-4000-8000-00000000000a")
SECRET_KEY = "sk_test_reptidex"


def gateway(api_base: str | None = None) -> StripeGateway:
    config = StripeConfig.from_values(
        secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, prices=PRICES, api_base=api_base
    )
    assert config is not None
    return StripeGateway(config)


def test_config_is_none_unless_key_secret_and_every_price_are_set() -> None:
    full: dict[str, Any] = {"secret_key": "sk", "webhook_secret": "wh", "prices": PRICES}
    assert StripeConfig.from_values(**full) is not None
    assert StripeConfig.from_values(**{**full, "secret_key": None}) is None
    assert StripeConfig.from_values(**{**full, "webhook_secret": ""}) is None
    assert StripeConfig.from_values(**{**full, "prices": {"keeper": "price_1"}}) is None


# -- webhooks -------------------------------------------------------------------------------


def test_a_signed_checkout_completion_is_read() -> None:
    body = stripe_event(
        "checkout.session.completed",
        {
            "id": "cs_1",
            "object": "checkout.session",
            "mode": "subscription",
            "client_reference_id": str(ORG),
            "customer": "cus_1",
            "subscription": "sub_1",
            "payment_status": "paid",
            "metadata": {"organisation_id": str(ORG), "plan": "breeder"},
        },
        event_id="evt_checkout",
    )
    notice = gateway().read_webhook(body, stripe_signature(body))
    assert notice.event_id == "evt_checkout"
    assert notice.kind is NoticeKind.CHECKOUT_COMPLETED
    assert notice.organisation_id == ORG
    assert (notice.customer_ref, notice.subscription_ref, notice.plan) == (
        "cus_1",
        "sub_1",
        "breeder",
    )
    assert notice.status is SubscriptionStatus.ACTIVE


def test_a_signed_subscription_update_maps_price_status_and_period() -> None:
    obj = stripe_subscription(
        "sub_1", "cus_1", plan="business", status="past_due", cancel_at_period_end=True
    )
    body = stripe_event("customer.subscription.updated", obj)
    notice = gateway().read_webhook(body, stripe_signature(body))
    assert notice.kind is NoticeKind.SUBSCRIPTION_UPDATED
    assert notice.plan == "business"
    assert notice.status is SubscriptionStatus.PAST_DUE
    assert notice.cancel_at_period_end is True
    assert notice.current_period_end == dt.datetime.fromtimestamp(1_900_000_000, dt.UTC)


def test_invoices_name_their_subscription_in_current_and_older_shapes() -> None:
    current = {
        "id": "in_1",
        "object": "invoice",
        "customer": "cus_1",
        "amount_paid": 2900,
        "currency": "usd",
        "parent": {"subscription_details": {"subscription": "sub_1"}},
    }
    older = {"id": "in_2", "object": "invoice", "customer": "cus_1", "subscription": "sub_2"}
    read = gateway().read_webhook
    first = stripe_event("invoice.paid", current)
    second = stripe_event("invoice.payment_failed", older)
    paid = read(first, stripe_signature(first))
    failed = read(second, stripe_signature(second))
    assert (paid.kind, paid.subscription_ref, paid.amount_cents) == (
        NoticeKind.INVOICE_PAID,
        "sub_1",
        2900,
    )
    assert (failed.kind, failed.subscription_ref) == (NoticeKind.INVOICE_PAYMENT_FAILED, "sub_2")


def test_other_event_types_are_read_as_other() -> None:
    body = stripe_event("customer.created", {"id": "cus_1", "object": "customer"})
    assert gateway().read_webhook(body, stripe_signature(body)).kind is NoticeKind.OTHER


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body: None, id="missing header"),
        pytest.param(lambda body: stripe_signature(body, "whsec_someone_else"), id="wrong secret"),
        pytest.param(lambda body: stripe_signature(body + b" "), id="tampered body"),
        pytest.param(
            lambda body: stripe_signature(body, timestamp=int(time.time()) - 3600), id="too old"
        ),
        pytest.param(lambda body: "t=1,v1=00", id="garbage"),
    ],
)
def test_a_webhook_that_does_not_verify_is_refused(forge: object) -> None:
    body = stripe_event("invoice.paid", {"id": "in_1", "object": "invoice"})
    with pytest.raises(InvalidWebhook):
        gateway().read_webhook(body, forge(body))  # type: ignore[operator]


def test_a_signed_body_that_is_not_an_event_is_refused() -> None:
    body = b"not json"
    with pytest.raises(InvalidWebhook):
        gateway().read_webhook(body, stripe_signature(body))


# -- outgoing calls -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def localstripe_url() -> Iterator[str]:
    with running_localstripe() as url:
        yield url


async def test_customer_and_cancel_at_period_end_against_localstripe(localstripe_url: str) -> None:
    stripe_gateway = gateway(localstripe_url)
    customer = await stripe_gateway.create_customer(ORG, "owner@example.com")
    assert customer.startswith("cus_")

    # Set up a subscription the way Checkout would leave one (localstripe has no Checkout).
    client = stripe.StripeClient(
        SECRET_KEY,
        base_addresses={"api": localstripe_url},
        http_client=stripe.HTTPXClient(),
    )
    product = await client.v1.products.create_async({"name": "Keeper"})
    plan_id = f"{PRICES['keeper']}_{uuid.uuid4().hex[:6]}"
    await client.v1.plans.create_async(
        {
            "id": plan_id,
            "amount": 900,
            "currency": "usd",
            "interval": "month",
            "product": product.id,
        }
    )
    subscription = await client.v1.subscriptions.create_async(
        {"customer": customer, "items": [{"plan": plan_id}], "trial_period_days": 14}
    )
    found = await client.v1.customers.retrieve_async(customer)
    assert found.email == "owner@example.com"
    assert found.metadata is not None
    assert found.metadata["organisation_id"] == str(ORG)

    answer = await stripe_gateway.cancel_at_period_end(subscription.id)
    assert answer.subscription_ref == subscription.id
    assert answer.cancel_at_period_end is True
    assert answer.current_period_end is not None
    assert answer.current_period_end > dt.datetime.now(dt.UTC)
    stored = await client.v1.subscriptions.retrieve_async(subscription.id)
    assert stored.cancel_at_period_end is True


async def test_a_refusal_from_stripe_becomes_gateway_unavailable(localstripe_url: str) -> None:
    with pytest.raises(GatewayUnavailable):
        await gateway(localstripe_url).cancel_at_period_end("sub_does_not_exist")


async def test_checkout_and_portal_sessions_send_what_stripe_expects() -> None:
    with SessionsStandIn() as stand_in:
        stripe_gateway = gateway(stand_in.base)
        session = await stripe_gateway.start_checkout(
            customer_ref="cus_1",
            organisation_id=ORG,
            plan="breeder",
            success_url="https://app.example/billing/done",
            cancel_url="https://app.example/billing",
        )
        portal = await stripe_gateway.open_portal(
            customer_ref="cus_1", return_url="https://app.example/billing"
        )
    assert session.reference.startswith("cs_test_")
    assert session.url.startswith("https://")
    assert portal == "https://billing.stripe.test/p/session/bps_test_1"
    checkout, portal_request = stand_in.requests
    assert checkout.path == "/v1/checkout/sessions"
    assert checkout.authorization == f"Bearer {SECRET_KEY}"
    assert checkout.form["mode"] == "subscription"
    assert checkout.form["customer"] == "cus_1"
    assert checkout.form["client_reference_id"] == str(ORG)
    assert checkout.form["line_items[0][price]"] == PRICES["breeder"]
    assert checkout.form["line_items[0][quantity]"] == "1"
    assert checkout.form["metadata[plan]"] == "breeder"
    assert checkout.form["subscription_data[metadata][organisation_id]"] == str(ORG)
    assert checkout.form["success_url"] == "https://app.example/billing/done"
    assert portal_request.path == "/v1/billing_portal/sessions"
    assert portal_request.form == {"customer": "cus_1", "return_url": "https://app.example/billing"}
