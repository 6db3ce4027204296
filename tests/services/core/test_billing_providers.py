"""Billing through two providers, with fakes: the organisation chooses Stripe or PayPal at
checkout, a subscription is cancelled and reported through its own provider, a late event of
an earlier subscription changes nothing, and a cancelled plan lasts until the period paid for
ends. No database, no HTTP."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from billing_testkit import GOOD, FakeGateway, FakeProvider, MemoryBillingStore, notice

from reptidex.domain.billing import (
    Billing,
    BillingNotConfigured,
    BillingProvider,
    ProviderNotConfigured,
    Subscription,
    SubscriptionStatus,
    WebhookOutcome,
)
from reptidex.domain.errors import Conflict, FeatureUnavailable, InvalidInput

ORG = uuid.UUID("00000000-0000-4000-8000-00000000000a")
USER = uuid.UUID("00000000-0000-4000-8000-0000000000b0")
STRIPE, PAYPAL = BillingProvider.STRIPE, BillingProvider.PAYPAL
PAID_UNTIL = dt.datetime(2027, 2, 10, 12, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2027, 1, 10, 12, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def store() -> MemoryBillingStore:
    return MemoryBillingStore()


@pytest.fixture
def stripe() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def paypal() -> FakeProvider:
    gateway = FakeProvider()
    gateway.paid_until = PAID_UNTIL
    return gateway


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def billing(
    store: MemoryBillingStore, stripe: FakeGateway, paypal: FakeProvider, clock: Clock
) -> Billing:
    return Billing([paypal, stripe], store.unit_of_work, clock=clock)


async def checkout(
    billing: Billing, provider: BillingProvider = STRIPE, plan: str = "keeper"
) -> str:
    session = await billing.start_checkout(
        organisation_id=ORG,
        actor_id=USER,
        email="owner@example.com",
        plan=plan,
        success_url="https://app.example/ok",
        cancel_url="https://app.example/no",
        provider=provider,
    )
    return session.url


async def activate_through_paypal(billing: Billing, subscription_ref: str = "I-1") -> None:
    activated = notice(
        kind="checkout_completed",
        organisation_id=str(ORG),
        subscription_ref=subscription_ref,
        plan="breeder",
        status="active",
        current_period_end=PAID_UNTIL.isoformat(),
    )
    assert await billing.receive_webhook(PAYPAL, activated, GOOD) is WebhookOutcome.APPLIED


def test_the_providers_offered_are_those_configured_stripe_first(store: MemoryBillingStore) -> None:
    both = Billing([FakeProvider(), FakeGateway()], store.unit_of_work)
    assert both.providers == [STRIPE, PAYPAL]
    assert Billing([FakeProvider()], store.unit_of_work).providers == [PAYPAL]
    off = Billing([], store.unit_of_work)
    assert (off.enabled, off.providers) == (False, [])


async def test_a_paypal_checkout_creates_no_customer_and_says_its_provider(
    billing: Billing, store: MemoryBillingStore, stripe: FakeGateway, paypal: FakeProvider
) -> None:
    url = await checkout(billing, PAYPAL)
    assert url == "https://pay.example/cs_1"
    assert stripe.customers == []
    assert stripe.checkouts == []
    (sent,) = paypal.checkouts
    assert sent == {
        "customer_ref": None,
        "organisation_id": ORG,
        "plan": "keeper",
        "email": "owner@example.com",
        "success_url": "https://app.example/ok",
        "cancel_url": "https://app.example/no",
    }
    assert store.subscriptions == {}  # nothing to keep before PayPal reports the approval
    (started,) = store.events
    assert started.type == "billing.checkout_started"
    assert started.payload == {
        "plan": "keeper",
        "customer_ref": None,
        "checkout_ref": "cs_1",
        "provider": "paypal",
    }


async def test_a_stripe_checkout_keeps_its_customer_and_a_paypal_one_does_not_use_it(
    billing: Billing, store: MemoryBillingStore, stripe: FakeGateway, paypal: FakeProvider
) -> None:
    await checkout(billing)
    await checkout(billing, PAYPAL)
    assert [c["customer_ref"] for c in stripe.checkouts] == ["cus_1"]
    assert [c["customer_ref"] for c in paypal.checkouts] == [None]
    assert store.subscriptions[ORG].customer_ref == "cus_1"
    assert [event.payload["provider"] for event in store.events] == ["stripe", "paypal"]


async def test_a_provider_not_offered_is_invalid_input_and_none_at_all_is_billing_off(
    store: MemoryBillingStore,
) -> None:
    stripe_only = Billing([FakeGateway()], store.unit_of_work)
    with pytest.raises(InvalidInput) as raised:
        await checkout(stripe_only, PAYPAL)
    assert raised.value.field_errors == {"provider": "must be one of stripe"}
    assert "PayPal is not offered" in raised.value.detail
    with pytest.raises(BillingNotConfigured):
        await checkout(Billing([], store.unit_of_work), PAYPAL)
    with pytest.raises(ProviderNotConfigured) as unconfigured:
        await stripe_only.receive_webhook(PAYPAL, notice(kind="other"), GOOD)
    assert isinstance(unconfigured.value, FeatureUnavailable)
    assert "PayPal is not configured" in unconfigured.value.detail
    assert store.events == []
    assert store.webhooks == {}


async def test_paypal_activation_cancellation_and_the_plan_until_the_paid_period_ends(
    billing: Billing,
    store: MemoryBillingStore,
    stripe: FakeGateway,
    paypal: FakeProvider,
    clock: Clock,
) -> None:
    await checkout(billing, PAYPAL, "breeder")
    await activate_through_paypal(billing)
    active = store.subscriptions[ORG]
    assert (active.provider, active.subscription_ref, active.status) == (
        PAYPAL,
        "I-1",
        SubscriptionStatus.ACTIVE,
    )
    assert (await billing.overview(ORG)).plan.code == "breeder"
    with pytest.raises(Conflict) as paying:
        await checkout(billing, STRIPE, "business")
    assert "through PayPal" in paying.value.detail
    with pytest.raises(Conflict, match="PayPal"):
        await billing.open_portal(organisation_id=ORG, return_url="https://app.example")

    cancelled = await billing.cancel(organisation_id=ORG, actor_id=USER)
    assert paypal.cancelled == ["I-1"]
    assert stripe.cancelled == []
    assert (cancelled.cancel_at_period_end, cancelled.current_period_end) == (True, PAID_UNTIL)
    # PayPal ends the subscription at once and says so; the month paid for still counts
    ended = notice(kind="subscription_deleted", organisation_id=str(ORG), subscription_ref="I-1")
    assert await billing.receive_webhook(PAYPAL, ended, GOOD) is WebhookOutcome.APPLIED
    assert store.subscriptions[ORG].status is SubscriptionStatus.CANCELED
    assert (await billing.overview(ORG)).plan.code == "breeder"
    clock.now = PAID_UNTIL - dt.timedelta(seconds=1)
    assert (await billing.entitled_plan(ORG)).code == "breeder"
    clock.now = PAID_UNTIL
    assert (await billing.entitled_plan(ORG)).code == "free"
    canceled_event = store.events[-1]
    assert canceled_event.type == "billing.subscription_canceled"
    assert canceled_event.payload["effective_plan"] == "breeder"  # judged when it arrived
    assert canceled_event.payload["provider"] == "paypal"
    # and the organisation may subscribe again, through either provider
    await checkout(billing, STRIPE, "keeper")


async def test_a_subscription_ended_by_the_payer_at_paypal_ends_the_plan_at_once(
    billing: Billing, store: MemoryBillingStore
) -> None:
    await activate_through_paypal(billing)
    ended = notice(kind="subscription_deleted", organisation_id=str(ORG), subscription_ref="I-1")
    await billing.receive_webhook(PAYPAL, ended, GOOD)
    assert (await billing.overview(ORG)).plan.code == "free"


async def test_late_events_of_an_earlier_subscription_change_nothing(
    billing: Billing, store: MemoryBillingStore
) -> None:
    store.subscriptions[ORG] = Subscription(
        organisation_id=ORG,
        plan="keeper",
        status=SubscriptionStatus.CANCELED,
        provider=STRIPE,
        customer_ref="cus_1",
        subscription_ref="sub_old",
    )
    await activate_through_paypal(billing)
    # Stripe's last word on the old subscription, found by its customer or organisation
    late = [
        notice(kind="invoice_payment_failed", customer_ref="cus_1", subscription_ref="sub_old"),
        notice(kind="subscription_deleted", organisation_id=str(ORG), subscription_ref="sub_old"),
        notice(kind="subscription_updated", organisation_id=str(ORG), status="unpaid"),
    ]
    for body in late:
        assert await billing.receive_webhook(STRIPE, body, GOOD) is WebhookOutcome.IGNORED
    # and PayPal's about another of its subscriptions
    other = notice(kind="subscription_deleted", organisation_id=str(ORG), subscription_ref="I-0")
    assert await billing.receive_webhook(PAYPAL, other, GOOD) is WebhookOutcome.IGNORED
    current = store.subscriptions[ORG]
    assert (current.provider, current.subscription_ref, current.status) == (
        PAYPAL,
        "I-1",
        SubscriptionStatus.ACTIVE,
    )
    assert current.customer_ref == "cus_1"  # the Stripe customer stays for a later checkout
    assert store.event_types() == ["billing.subscription_activated"]


async def test_a_stripe_subscription_scheduled_to_end_ends_with_its_period(
    store: MemoryBillingStore, clock: Clock
) -> None:
    billing = Billing([FakeGateway()], store.unit_of_work, clock=clock)
    store.subscriptions[ORG] = Subscription(
        organisation_id=ORG,
        plan="keeper",
        provider=STRIPE,
        customer_ref="cus_1",
        subscription_ref="sub_1",
        current_period_end=PAID_UNTIL,
        cancel_at_period_end=True,
    )
    assert (await billing.entitled_plan(ORG)).code == "keeper"
    clock.now = PAID_UNTIL + dt.timedelta(minutes=1)  # Stripe's deletion not delivered yet
    assert (await billing.entitled_plan(ORG)).code == "free"


async def test_a_subscription_without_a_known_provider_has_nothing_to_cancel(
    billing: Billing, store: MemoryBillingStore, stripe: FakeGateway, paypal: FakeProvider
) -> None:
    store.subscriptions[ORG] = Subscription(
        organisation_id=ORG, plan="keeper", subscription_ref="sub_1"
    )
    with pytest.raises(Conflict):
        await billing.cancel(organisation_id=ORG, actor_id=USER)
    assert stripe.cancelled == []
    assert paypal.cancelled == []


async def test_cancelling_through_a_provider_no_longer_configured_is_unavailable(
    store: MemoryBillingStore,
) -> None:
    billing = Billing([FakeGateway()], store.unit_of_work)
    store.subscriptions[ORG] = Subscription(
        organisation_id=ORG, plan="keeper", provider=PAYPAL, subscription_ref="I-1"
    )
    with pytest.raises(ProviderNotConfigured):
        await billing.cancel(organisation_id=ORG, actor_id=USER)
    assert store.events == []
