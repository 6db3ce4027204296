"""The Stripe adapter: webhooks with real signatures from a test secret, and the outgoing calls
against local stand-ins of Stripe's HTTP API: localstripe, and for the Checkout and portal
sessions localstripe does not implement, a stand-in that checks each request as Stripe does
(stripe_stand_in.py) and refuses a malformed one, so the exact parameters are asserted here."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import pytest
import stripe
from billing_testkit import (
    PRICES,
    SECRET_KEY,
    WEBHOOK_SECRET,
    running_localstripe,
    stripe_event,
    stripe_signature,
    stripe_subscription,
)
from stripe_stand_in import StripeStandIn

from reptidex.adapters.payments.stripe_gateway import StripeConfig, StripeGateway
from reptidex.domain.billing import (
    BillingProvider,
    CheckoutSession,
    CustomerGateway,
    GatewayUnavailable,
    InvalidWebhook,
    NoticeKind,
    SubscriptionStatus,
)

# stripe's HTTPX client hands raw bytes to httpx as ``data=``; the warning is theirs, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning:httpx")

ORG = uuid.UUID("00000000-0000-4000-8000-00000000000a")


def gateway(
    api_base: str | None = None,
    *,
    secret_key: str = SECRET_KEY,
    prices: Mapping[str, str] = PRICES,
) -> StripeGateway:
    config = StripeConfig.from_values(
        secret_key=secret_key, webhook_secret=WEBHOOK_SECRET, prices=prices, api_base=api_base
    )
    assert config is not None
    return StripeGateway(config)


def signed(signature: str | None) -> dict[str, str]:
    """A delivery's headers (lower-case names) with its ``Stripe-Signature``, if any."""
    return {} if signature is None else {"stripe-signature": signature}


def test_the_gateway_is_stripes_and_keeps_customers() -> None:
    stripe_gateway = gateway()
    assert stripe_gateway.provider is BillingProvider.STRIPE
    assert isinstance(stripe_gateway, CustomerGateway)


def test_config_is_none_unless_key_secret_and_every_price_are_set() -> None:
    full: dict[str, Any] = {"secret_key": "sk", "webhook_secret": "wh", "prices": PRICES}
    assert StripeConfig.from_values(**full) is not None
    assert StripeConfig.from_values(**{**full, "secret_key": None}) is None
    assert StripeConfig.from_values(**{**full, "webhook_secret": ""}) is None
    assert StripeConfig.from_values(**{**full, "prices": {"keeper": "price_1"}}) is None


# -- webhooks -------------------------------------------------------------------------------


async def test_a_signed_checkout_completion_is_read() -> None:
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
    notice = await gateway().read_webhook(body, signed(stripe_signature(body)))
    assert notice.event_id == "evt_checkout"
    assert notice.kind is NoticeKind.CHECKOUT_COMPLETED
    assert notice.organisation_id == ORG
    assert (notice.customer_ref, notice.subscription_ref, notice.plan) == (
        "cus_1",
        "sub_1",
        "breeder",
    )
    assert notice.status is SubscriptionStatus.ACTIVE


async def test_a_signed_subscription_update_maps_price_status_and_period() -> None:
    obj = stripe_subscription(
        "sub_1", "cus_1", plan="business", status="past_due", cancel_at_period_end=True
    )
    body = stripe_event("customer.subscription.updated", obj)
    notice = await gateway().read_webhook(body, signed(stripe_signature(body)))
    assert notice.kind is NoticeKind.SUBSCRIPTION_UPDATED
    assert notice.plan == "business"
    assert notice.status is SubscriptionStatus.PAST_DUE
    assert notice.cancel_at_period_end is True
    assert notice.current_period_end == dt.datetime.fromtimestamp(1_900_000_000, dt.UTC)


async def test_invoices_name_their_subscription_in_current_and_older_shapes() -> None:
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
    paid = await read(first, signed(stripe_signature(first)))
    failed = await read(second, signed(stripe_signature(second)))
    assert (paid.kind, paid.subscription_ref, paid.amount_cents) == (
        NoticeKind.INVOICE_PAID,
        "sub_1",
        2900,
    )
    assert (failed.kind, failed.subscription_ref) == (NoticeKind.INVOICE_PAYMENT_FAILED, "sub_2")


async def test_other_event_types_are_read_as_other() -> None:
    body = stripe_event("customer.created", {"id": "cus_1", "object": "customer"})
    notice = await gateway().read_webhook(body, signed(stripe_signature(body)))
    assert notice.kind is NoticeKind.OTHER


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
async def test_a_webhook_that_does_not_verify_is_refused(forge: object) -> None:
    body = stripe_event("invoice.paid", {"id": "in_1", "object": "invoice"})
    with pytest.raises(InvalidWebhook):
        await gateway().read_webhook(body, signed(forge(body)))  # type: ignore[operator]


async def test_a_signed_body_that_is_not_an_event_is_refused() -> None:
    body = b"not json"
    with pytest.raises(InvalidWebhook):
        await gateway().read_webhook(body, signed(stripe_signature(body)))


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


async def test_checkout_sends_exactly_what_stripe_needs_and_reads_its_answer() -> None:
    with StripeStandIn() as stripe_api:
        stripe_gateway = gateway(stripe_api.base)
        customer = await stripe_gateway.create_customer(ORG, "owner@example.com")
        session = await stripe_gateway.start_checkout(
            customer_ref=customer,
            organisation_id=ORG,
            plan="breeder",
            email="owner@example.com",
            success_url="https://app.example/billing/done?session={CHECKOUT_SESSION_ID}",
            cancel_url="https://app.example/billing",
        )
    created, checkout = stripe_api.requests
    assert (created.path, created.status) == ("/v1/customers", 200)
    assert created.form == {"email": "owner@example.com", "metadata[organisation_id]": str(ORG)}
    assert created.idempotency_key == f"customer-{ORG}"
    assert customer == created.answer["id"]

    assert (checkout.path, checkout.status) == ("/v1/checkout/sessions", 200)
    assert checkout.authorization == f"Bearer {SECRET_KEY}"
    assert checkout.form == {
        "mode": "subscription",
        "customer": customer,
        "client_reference_id": str(ORG),
        "line_items[0][price]": PRICES["breeder"],
        "line_items[0][quantity]": "1",
        "success_url": "https://app.example/billing/done?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://app.example/billing",
        "metadata[organisation_id]": str(ORG),
        "metadata[plan]": "breeder",
        "subscription_data[metadata][organisation_id]": str(ORG),
        "subscription_data[metadata][plan]": "breeder",
    }
    assert checkout.answer["object"] == "checkout.session"
    assert session == CheckoutSession(reference=checkout.answer["id"], url=checkout.answer["url"])


async def test_the_portal_is_opened_for_the_customer_with_the_return_url() -> None:
    with StripeStandIn(customers=["cus_known"]) as stripe_api:
        url = await gateway(stripe_api.base).open_portal(
            customer_ref="cus_known", return_url="https://app.example/billing"
        )
    (portal,) = stripe_api.requests
    assert (portal.path, portal.status) == ("/v1/billing_portal/sessions", 200)
    assert portal.authorization == f"Bearer {SECRET_KEY}"
    assert portal.form == {"customer": "cus_known", "return_url": "https://app.example/billing"}
    assert portal.answer["object"] == "billing_portal.session"
    assert url == portal.answer["url"]


async def test_creating_the_customer_twice_gets_stripes_first_answer() -> None:
    # A retry after a lost answer must not leave the organisation with two Stripe customers.
    with StripeStandIn() as stripe_api:
        stripe_gateway = gateway(stripe_api.base)
        first = await stripe_gateway.create_customer(ORG, "owner@example.com")
        again = await stripe_gateway.create_customer(ORG, "owner@example.com")
    assert first == again
    assert list(stripe_api.customers) == [first]


async def open_checkout(stripe_gateway: StripeGateway, customer_ref: str = "cus_known") -> None:
    await stripe_gateway.start_checkout(
        customer_ref=customer_ref,
        organisation_id=ORG,
        plan="keeper",
        email="owner@example.com",
        success_url="https://app.example/ok",
        cancel_url="https://app.example/no",
    )


@pytest.mark.parametrize(
    ("call", "status", "param"),
    [
        pytest.param(
            lambda base: open_checkout(gateway(base, prices={**PRICES, "keeper": "price_gone"})),
            400,
            "line_items[0][price]",
            id="a price Stripe does not know",
        ),
        pytest.param(
            lambda base: open_checkout(gateway(base), customer_ref="cus_deleted"),
            400,
            "customer",
            id="a customer Stripe does not know",
        ),
        pytest.param(
            lambda base: gateway(base).open_portal(
                customer_ref="cus_deleted", return_url="https://app.example"
            ),
            400,
            "customer",
            id="a portal for a customer Stripe does not know",
        ),
        pytest.param(
            lambda base: open_checkout(gateway(base, secret_key="sk_test_revoked")),
            401,
            None,
            id="a revoked secret key",
        ),
    ],
)
async def test_a_request_stripe_refuses_becomes_gateway_unavailable(
    call: Callable[[str], Awaitable[object]], status: int, param: str | None
) -> None:
    with StripeStandIn(customers=["cus_known"]) as stripe_api, pytest.raises(GatewayUnavailable):
        await call(stripe_api.base)
    (refused,) = stripe_api.requests  # a refusal is not retried
    assert refused.status == status
    assert refused.answer["error"].get("param") == param
