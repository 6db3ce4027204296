"""Billing use cases with an in-memory unit of work and a fake gateway: no database, no HTTP."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from billing_testkit import GOOD, FakeGateway, MemoryBillingStore, notice

from reptidex.domain.billing import (
    PLANS,
    Billing,
    BillingNotConfigured,
    BillingProvider,
    InvalidWebhook,
    Subscription,
    SubscriptionStatus,
    WebhookOutcome,
    plan_by_code,
)
from reptidex.domain.errors import Conflict, FeatureUnavailable, InvalidInput

ORG = uuid.UUID("00000000-0000-4000-8000-00000000000a")
USER = uuid.UUID("00000000-0000-4000-8000-0000000000b0")
NOW = dt.datetime(2027, 1, 10, 12, tzinfo=dt.UTC)
STRIPE = BillingProvider.STRIPE


@pytest.fixture
def store() -> MemoryBillingStore:
    return MemoryBillingStore()


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def billing(store: MemoryBillingStore, gateway: FakeGateway) -> Billing:
    return Billing([gateway], store.unit_of_work, clock=lambda: NOW)


async def checkout(billing: Billing, plan: str = "keeper") -> str:
    session = await billing.start_checkout(
        organisation_id=ORG,
        actor_id=USER,
        email="owner@example.com",
        plan=plan,
        success_url="https://app.example/ok",
        cancel_url="https://app.example/no",
    )
    return session.url


def test_plans_are_data_cheapest_first_with_entitlements() -> None:
    codes = [plan.code for plan in Billing.plans()]
    assert codes == ["free", "keeper", "breeder", "business"]
    prices = [plan.monthly_price_cents for plan in Billing.plans()]
    assert prices == sorted(prices)
    assert prices[0] == 0
    assert PLANS["free"].entitlements.certificate_printing is False
    assert PLANS["business"].entitlements.max_animals is None
    assert PLANS["breeder"].entitlements.grants() == {"certificate_printing", "api_access"}
    with pytest.raises(InvalidInput) as raised:
        plan_by_code("platinum")
    assert "plan" in raised.value.field_errors


async def test_billing_off_puts_everyone_on_free_and_refuses_payments(
    store: MemoryBillingStore,
) -> None:
    billing = Billing([], store.unit_of_work)
    store.subscriptions[ORG] = Subscription(
        organisation_id=ORG, plan="business", subscription_ref="sub_x"
    )
    overview = await billing.overview(ORG)
    assert not overview.billing_enabled
    assert overview.plan.code == "free"
    with pytest.raises(BillingNotConfigured) as raised:
        await checkout(billing)
    assert isinstance(raised.value, FeatureUnavailable)
    assert "not configured" in raised.value.detail
    for call in (
        billing.open_portal(organisation_id=ORG, return_url="https://a.example"),
        billing.cancel(organisation_id=ORG, actor_id=USER),
        billing.receive_webhook(STRIPE, b"{}", GOOD),
    ):
        with pytest.raises(BillingNotConfigured):
            await call


async def test_checkout_creates_the_customer_once_and_records_an_event(
    billing: Billing, store: MemoryBillingStore, gateway: FakeGateway
) -> None:
    first = await checkout(billing)
    second = await checkout(billing, "breeder")
    assert first != second
    assert gateway.customers == [(ORG, "owner@example.com")]
    assert [c["customer_ref"] for c in gateway.checkouts] == ["cus_1", "cus_1"]
    assert store.subscriptions[ORG].customer_ref == "cus_1"
    assert store.subscriptions[ORG].effective_plan_at(NOW).code == "free"  # nothing paid yet
    assert store.event_types() == ["billing.checkout_started"] * 2
    assert store.events[0].organisation_id == ORG
    assert store.events[0].actor_id == USER
    assert store.events[1].payload["plan"] == "breeder"


@pytest.mark.parametrize("plan", ["free", "gold"])
async def test_checkout_refuses_free_or_unknown_plans(billing: Billing, plan: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        await checkout(billing, plan)
    assert "plan" in raised.value.field_errors


async def test_checkout_refuses_an_organisation_that_already_pays(
    billing: Billing, store: MemoryBillingStore
) -> None:
    store.subscriptions[ORG] = Subscription(
        organisation_id=ORG, plan="keeper", customer_ref="cus_9", subscription_ref="sub_9"
    )
    with pytest.raises(Conflict):
        await checkout(billing, "breeder")


async def test_portal_needs_a_billing_account(billing: Billing) -> None:
    with pytest.raises(Conflict):
        await billing.open_portal(organisation_id=ORG, return_url="https://app.example")
    await checkout(billing)
    url = await billing.open_portal(organisation_id=ORG, return_url="https://app.example")
    assert url.endswith("cus_1")


async def test_cancel_schedules_the_end_of_a_paid_subscription(
    billing: Billing, store: MemoryBillingStore, gateway: FakeGateway
) -> None:
    with pytest.raises(Conflict):
        await billing.cancel(organisation_id=ORG, actor_id=USER)
    store.subscriptions[ORG] = Subscription(
        organisation_id=ORG,
        plan="keeper",
        provider=STRIPE,
        customer_ref="cus_1",
        subscription_ref="sub_1",
    )
    updated = await billing.cancel(organisation_id=ORG, actor_id=USER)
    assert updated.cancel_at_period_end
    assert updated.effective_plan_at(NOW).code == "keeper"
    assert gateway.cancelled == ["sub_1"]
    assert store.event_types() == ["billing.cancellation_scheduled"]


async def test_webhooks_drive_the_subscription_and_apply_once(
    billing: Billing, store: MemoryBillingStore
) -> None:
    await checkout(billing)
    completed = notice(
        id="evt_1",
        kind="checkout_completed",
        organisation_id=str(ORG),
        customer_ref="cus_1",
        subscription_ref="sub_1",
        plan="keeper",
    )
    assert await billing.receive_webhook(STRIPE, completed, GOOD) is WebhookOutcome.APPLIED
    assert (await billing.overview(ORG)).plan.code == "keeper"
    assert await billing.receive_webhook(STRIPE, completed, GOOD) is WebhookOutcome.DUPLICATE
    assert store.event_types().count("billing.subscription_activated") == 1

    failed = notice(kind="invoice_payment_failed", customer_ref="cus_1", subscription_ref="sub_1")
    assert await billing.receive_webhook(STRIPE, failed, GOOD) is WebhookOutcome.APPLIED
    assert store.subscriptions[ORG].status is SubscriptionStatus.PAST_DUE
    assert (await billing.overview(ORG)).plan.code == "keeper"  # kept during retries

    paid = notice(kind="invoice_paid", customer_ref="cus_1", amount_cents=900)
    await billing.receive_webhook(STRIPE, paid, GOOD)
    assert store.subscriptions[ORG].status is SubscriptionStatus.ACTIVE

    upgraded = notice(
        kind="subscription_updated", subscription_ref="sub_1", plan="business", status="active"
    )
    await billing.receive_webhook(STRIPE, upgraded, GOOD)
    assert (await billing.overview(ORG)).plan.code == "business"

    deleted = notice(kind="subscription_deleted", subscription_ref="sub_1")
    await billing.receive_webhook(STRIPE, deleted, GOOD)
    assert store.subscriptions[ORG].status is SubscriptionStatus.CANCELED
    assert (await billing.overview(ORG)).plan.code == "free"
    assert store.event_types() == [
        "billing.checkout_started",
        "billing.subscription_activated",
        "billing.payment_failed",
        "billing.invoice_paid",
        "billing.subscription_updated",
        "billing.subscription_canceled",
    ]


async def test_unknown_or_unrelated_webhooks_are_acknowledged_and_ignored(
    billing: Billing, store: MemoryBillingStore
) -> None:
    other = notice(id="evt_other", kind="other")
    assert await billing.receive_webhook(STRIPE, other, GOOD) is WebhookOutcome.IGNORED
    stranger = notice(kind="subscription_updated", subscription_ref="sub_unknown")
    assert await billing.receive_webhook(STRIPE, stranger, GOOD) is WebhookOutcome.IGNORED
    assert await billing.receive_webhook(STRIPE, other, GOOD) is WebhookOutcome.DUPLICATE
    assert store.events == []


async def test_a_bad_signature_changes_nothing(billing: Billing, store: MemoryBillingStore) -> None:
    body = notice(kind="checkout_completed", organisation_id=str(ORG), plan="keeper")
    with pytest.raises(InvalidWebhook):
        await billing.receive_webhook(STRIPE, body, {"signature": "forged"})
    assert store.subscriptions == {}
    assert store.webhooks == {}
