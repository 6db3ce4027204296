"""Buying ad credits through core's billing, on SQLite and PostgreSQL: a one-off Stripe
Checkout in payment mode against the Stripe stand-in (exact parameters), the signed paid
webhook that stages ``billing.ad_credits_purchased`` once, and repti-community's consumer
crediting the event core staged (once, though delivered twice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from billing_testkit import PRICES, SECRET_KEY, WEBHOOK_SECRET, stripe_event, stripe_signature
from core_api_testkit import ORG, bearer, build_app
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from stripe_stand_in import StripeStandIn

from reptidex.adapters.sql.community.ad_campaigns import SqlCredits
from reptidex.adapters.sql.community.ad_credits_consumer import credit_purchase
from reptidex.adapters.sql.migrations import upgrade
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.domain.events import DomainEvent
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning:httpx")
BUY = {
    "amount": 2500,
    "currency": "eur",
    "email": "owner@example.com",
    "success_url": "https://app.example/ads/ok",
    "cancel_url": "https://app.example/ads",
}


def _settings(make_settings: Callable[..., Settings], api_base: str, **more: str) -> Settings:
    return make_settings(
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=api_base,
        **{f"stripe_price_{plan}": price for plan, price in PRICES.items()},
        **more,
    )


def _paid(session_id: str, *, status: str = "paid", event_id: str = "evt_ads_1") -> bytes:
    return stripe_event(
        "checkout.session.completed",
        {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "client_reference_id": str(ORG),
            "customer": "cus_test_1",
            "payment_intent": "pi_ads_1",
            "payment_status": status,
            "amount_total": 2500,
            "currency": "eur",
            "metadata": {"organisation_id": str(ORG), "purpose": "ad_credits"},
        },
        event_id=event_id,
    )


async def _buy_and_get_paid(settings: Settings, stand_in: StripeStandIn) -> None:
    async with AsyncTestClient(build_app(settings)) as client:
        for role, body, status in (
            ("viewer", BUY, 403),
            ("owner", {**BUY, "amount": 0}, 422),
            ("owner", {**BUY, "currency": "XYZ"}, 422),
            ("owner", {**BUY, "provider": "paypal"}, 422),
        ):
            refused = await client.post(
                "/billing/ad-credits/checkout", json=body, headers=bearer(role)
            )
            assert refused.status_code == status, refused.text
        checkout = await client.post(
            "/billing/ad-credits/checkout", json=BUY, headers=bearer("owner")
        )
        assert checkout.status_code == 200, checkout.text
        assert checkout.json()["url"].startswith("https://checkout.stripe.test/")
        opened = stand_in.requests[-1]
        assert opened.path == "/v1/checkout/sessions"
        assert opened.status == 200
        assert opened.form == {
            "mode": "payment",
            "customer": "cus_test_1",
            "client_reference_id": str(ORG),
            "line_items[0][price_data][currency]": "eur",
            "line_items[0][price_data][unit_amount]": "2500",
            "line_items[0][price_data][product_data][name]": "ReptiDex ad credits",
            "line_items[0][quantity]": "1",
            "success_url": BUY["success_url"],
            "cancel_url": BUY["cancel_url"],
            "metadata[organisation_id]": str(ORG),
            "metadata[purpose]": "ad_credits",
            "payment_intent_data[metadata][organisation_id]": str(ORG),
            "payment_intent_data[metadata][purpose]": "ad_credits",
        }

        async def deliver(body: bytes) -> dict[str, Any]:
            response = await client.post(
                "/billing/webhooks/stripe",
                content=body,
                headers={
                    "Stripe-Signature": stripe_signature(body),
                    "Content-Type": "application/json",
                },
            )
            assert response.status_code == 200, response.text
            answer: dict[str, Any] = response.json()
            return answer

        reference = checkout.json()["checkout_id"]
        unpaid = _paid(reference, status="unpaid", event_id="evt_ads_0")
        assert (await deliver(unpaid))["outcome"] == "ignored"
        paid = _paid(reference)
        assert (await deliver(paid))["outcome"] == "applied"
        assert (await deliver(paid))["outcome"] == "duplicate"
        mine = (await client.get("/billing/subscriptions", headers=bearer("viewer"))).json()
        assert mine["plan"] == "free"  # credits are no subscription

    [event] = await _purchases(settings.database_url("core"))
    assert event.organisation_id == ORG
    assert event.payload == {
        "payment_ref": "pi_ads_1",
        "amount": 2500,
        "currency": "EUR",
        "provider": "stripe",
    }
    # repti-community's consumer credits what core published
    community = settings.database_url("community")
    upgrade("community", community)
    engine = create_async_engine(community)
    try:
        for _ in range(2):  # a redelivery
            async with AsyncSession(engine) as session, session.begin():
                await credit_purchase(event, session)
        async with AsyncSession(engine) as session:
            balances = await SqlCredits(session).balances(ORG)
    finally:
        await engine.dispose()
    assert [(b.currency, b.balance) for b in balances] == [("EUR", 2_500_000)]


async def _purchases(url: str) -> list[DomainEvent]:
    """The ``billing.ad_credits_purchased`` events in core's outbox, as the relay publishes
    them."""
    model: Any = OUTBOX_MODELS["core"]
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            rows = await session.scalars(
                select(model).where(model.event_type == "billing.ad_credits_purchased")
            )
            return [
                DomainEvent(
                    id=row.event_id,
                    type=row.event_type,
                    version=row.version,
                    occurred_at=row.occurred_at,
                    producer=row.producer,
                    organisation_id=row.organisation_id,
                    actor_id=row.actor_id,
                    payload=dict(row.payload),
                )
                for row in rows
            ]
    finally:
        await engine.dispose()


async def test_ad_credits_are_bought_and_reported_paid_on_sqlite(
    make_settings: Callable[..., Settings],
) -> None:
    with StripeStandIn() as stand_in:
        await _buy_and_get_paid(_settings(make_settings, stand_in.base), stand_in)


@pytest.mark.postgres
async def test_ad_credits_are_bought_and_reported_paid_on_postgres(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    with StripeStandIn() as stand_in:
        settings = _settings(make_settings, stand_in.base, core_database_url=postgres_database)
        await _buy_and_get_paid(settings, stand_in)
