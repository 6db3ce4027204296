"""Billing through PayPal over HTTP, against the PayPal stand-in, on SQLite and PostgreSQL: the
organisation chooses PayPal at checkout and gets PayPal's approval link, PayPal's activation
webhook activates the plan (once: a redelivery is a duplicate, a forged one refused),
cancellation keeps the plan until the paid period ends, and PayPal is offered only when its
keys are set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from billing_testkit import PRICES, SECRET_KEY, WEBHOOK_SECRET
from core_api_testkit import ORG, bearer, build_app
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from stripe_stand_in import StripeStandIn

from paypal_stand_in import (
    BILLING_WEBHOOK_ID,
    PAYPAL_CLIENT,
    PAYPAL_WEBHOOK_ID,
    PayPalStandIn,
    signed_paypal_event,
)
from reptidex.services.kernel.settings import Settings

PROBLEM = "application/problem+json"
CHECKOUT = {
    "plan": "breeder",
    "email": "owner@example.com",
    "success_url": "https://app.example/billing/ok",
    "cancel_url": "https://app.example/billing",
}


def paypal_settings(
    make_settings: Callable[..., Settings], paypal: PayPalStandIn, **more: str
) -> Settings:
    """Settings that sell the plans through PayPal, against the stand-in's plans."""
    return make_settings(
        paypal_client_id=PAYPAL_CLIENT[0],
        paypal_client_secret=PAYPAL_CLIENT[1],
        paypal_api_base=paypal.base,
        billing_paypal_webhook_id=BILLING_WEBHOOK_ID,
        **{f"paypal_plan_{plan}": paypal.add_plan() for plan in ("keeper", "breeder", "business")},
        **more,
    )


def with_stripe(stripe: StripeStandIn) -> dict[str, str]:
    return {
        "stripe_secret_key": SECRET_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_api_base": stripe.base,
        **{f"stripe_price_{plan}": price for plan, price in PRICES.items()},
    }


async def deliver(
    client: AsyncTestClient[Litestar], event: tuple[bytes, dict[str, str]]
) -> tuple[int, Any]:
    response = await client.post("/billing/webhooks/paypal", content=event[0], headers=event[1])
    return response.status_code, response.json()


def subscription_event(
    event_type: str, resource: dict[str, Any], **options: Any
) -> tuple[bytes, dict[str, str]]:
    options.setdefault("webhook_id", BILLING_WEBHOOK_ID)
    return signed_paypal_event(event_type, resource, resource_type="subscription", **options)


async def mine(client: AsyncTestClient[Litestar]) -> dict[str, Any]:
    response = await client.get("/billing/subscriptions", headers=bearer("viewer"))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def run_paypal_subscription(settings: Settings, paypal: PayPalStandIn) -> None:
    app = build_app(settings)
    async with AsyncTestClient(app) as client:
        plans = (await client.get("/billing/plans")).json()
        assert (plans["billing_enabled"], plans["providers"]) == (True, ["stripe", "paypal"])

        checkout = await client.post(
            "/billing/checkout", json={**CHECKOUT, "provider": "paypal"}, headers=bearer("owner")
        )
        assert checkout.status_code == 200, checkout.text
        answer = checkout.json()
        assert answer["provider"] == "paypal"
        assert answer["url"].startswith("https://www.paypal.test/webapps/billing/subscriptions")
        subscription_id = answer["checkout_id"]
        sent = next(r for r in paypal.requests if r.path == "/v1/billing/subscriptions").body
        assert (sent["custom_id"], sent["subscriber"]) == (
            str(ORG),
            {"email_address": "owner@example.com"},
        )
        assert (await mine(client))["effective_plan"] == "free"  # not approved yet

        resource = paypal.approve_subscription(subscription_id, paid="29.00")
        activated = subscription_event(
            "BILLING.SUBSCRIPTION.ACTIVATED", resource, event_id="WH-ACTIVATED-1"
        )
        forged = subscription_event("BILLING.SUBSCRIPTION.ACTIVATED", resource, forge=True)
        status, refused = await deliver(client, forged)
        assert status == 400
        assert "did not verify" in refused["detail"]
        marketplace = subscription_event(
            "BILLING.SUBSCRIPTION.ACTIVATED", resource, webhook_id=PAYPAL_WEBHOOK_ID
        )
        assert (await deliver(client, marketplace))[0] == 400
        assert (await mine(client))["effective_plan"] == "free"

        applied = {"received": True, "outcome": "applied"}
        assert await deliver(client, activated) == (200, applied)
        duplicate = {"received": True, "outcome": "duplicate"}
        assert await deliver(client, activated) == (200, duplicate)
        active = await mine(client)
        assert (active["provider"], active["plan"], active["effective_plan"], active["status"]) == (
            "paypal",
            "breeder",
            "breeder",
            "active",
        )
        paid_until = resource["billing_info"]["next_billing_time"]
        assert active["current_period_end"].startswith(paid_until.removesuffix("Z"))

        sale = {
            "id": "80021663DE681814L",
            "state": "completed",
            "amount": {"total": "29.00", "currency": "USD"},
            "billing_agreement_id": subscription_id,
            "parent_payment": "PAYID-1",
            "create_time": paid_until,
        }
        paid = signed_paypal_event(
            "PAYMENT.SALE.COMPLETED", sale, webhook_id=BILLING_WEBHOOK_ID, resource_type="sale"
        )
        assert await deliver(client, paid) == (200, applied)

        portal = await client.post(
            "/billing/portal", json={"return_url": "https://app.example"}, headers=bearer("owner")
        )
        assert portal.status_code == 409
        assert "PayPal" in portal.json()["detail"]

        cancelled = await client.post("/billing/cancel", headers=bearer("owner"))
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["cancel_at_period_end"] is True
        assert paypal.subscriptions[subscription_id].status == "CANCELLED"
        ended = subscription_event(
            "BILLING.SUBSCRIPTION.CANCELLED", paypal.resource(subscription_id)
        )
        assert await deliver(client, ended) == (200, applied)
        after = await mine(client)
        # PayPal ended it; the month paid for runs to its end
        assert (after["status"], after["effective_plan"], after["cancel_at_period_end"]) == (
            "canceled",
            "breeder",
            True,
        )
        assert after["current_period_end"] == active["current_period_end"]

    engine = create_async_engine(settings.database_url("core"))
    try:
        async with engine.connect() as connection:
            query = "SELECT event_type FROM outbox_message WHERE event_type LIKE 'billing.%'"
            types = (await connection.execute(text(query))).scalars()
            processed = (
                await connection.execute(text("SELECT event_id FROM billing_processed_webhook"))
            ).scalars()
            ordered = sorted(types)
            seen = set(processed)
    finally:
        await engine.dispose()
    assert ordered == [
        "billing.cancellation_scheduled",
        "billing.checkout_started",
        "billing.invoice_paid",
        "billing.subscription_activated",
        "billing.subscription_canceled",
    ]
    assert "WH-ACTIVATED-1" in seen
    assert len(seen) == 3


async def test_a_plan_paid_through_paypal_on_sqlite(make_settings: Callable[..., Settings]) -> None:
    with PayPalStandIn() as paypal, StripeStandIn() as stripe:
        settings = paypal_settings(make_settings, paypal, **with_stripe(stripe))
        await run_paypal_subscription(settings, paypal)
    assert stripe.requests == []


@pytest.mark.postgres
async def test_a_plan_paid_through_paypal_on_postgres(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    with PayPalStandIn() as paypal, StripeStandIn() as stripe:
        settings = paypal_settings(
            make_settings, paypal, core_database_url=postgres_database, **with_stripe(stripe)
        )
        await run_paypal_subscription(settings, paypal)


@pytest.mark.parametrize("provider", ["bitcoin", "PayPal", 1, None])
async def test_a_provider_that_does_not_exist_is_a_422_problem(
    make_settings: Callable[..., Settings], provider: object
) -> None:
    with PayPalStandIn() as paypal:
        app = build_app(paypal_settings(make_settings, paypal))
        async with AsyncTestClient(app) as client:
            response = await client.post(
                "/billing/checkout",
                json={**CHECKOUT, "provider": provider},
                headers=bearer("owner"),
            )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert any("provider" in error["field"] for error in response.json()["errors"])
    assert paypal.subscriptions == {}


async def test_paypal_is_not_offered_without_its_keys(
    make_settings: Callable[..., Settings],
) -> None:
    with StripeStandIn() as stripe:
        app = build_app(make_settings(**with_stripe(stripe)))
        async with AsyncTestClient(app) as client:
            plans = (await client.get("/billing/plans")).json()
            assert plans["providers"] == ["stripe"]
            chosen = await client.post(
                "/billing/checkout",
                json={**CHECKOUT, "provider": "paypal"},
                headers=bearer("owner"),
            )
            assert chosen.status_code == 422, chosen.text
            assert chosen.headers["content-type"].startswith(PROBLEM)
            assert "PayPal is not offered" in chosen.json()["detail"]
            assert chosen.json()["errors"] == [
                {"field": "provider", "message": "must be one of stripe"}
            ]
            webhook = await client.post(
                "/billing/webhooks/paypal",
                content=b"{}",
                headers={"Content-Type": "application/json"},
            )
            assert webhook.status_code == 503
            assert "PayPal is not configured" in webhook.json()["detail"]
    assert stripe.requests == []


async def test_paypal_alone_sells_the_plans_and_stripe_is_not_offered(
    make_settings: Callable[..., Settings],
) -> None:
    with PayPalStandIn() as paypal:
        app = build_app(paypal_settings(make_settings, paypal))
        async with AsyncTestClient(app) as client:
            plans = (await client.get("/billing/plans")).json()
            assert (plans["billing_enabled"], plans["providers"]) == (True, ["paypal"])
            default = await client.post("/billing/checkout", json=CHECKOUT, headers=bearer("owner"))
            assert default.status_code == 422  # the default provider is Stripe's
            assert default.json()["errors"] == [
                {"field": "provider", "message": "must be one of paypal"}
            ]
            chosen = await client.post(
                "/billing/checkout",
                json={**CHECKOUT, "provider": "paypal"},
                headers=bearer("owner"),
            )
            assert chosen.status_code == 200, chosen.text
            stripe = await client.post(
                "/billing/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": "t=1,v1=0"}
            )
            assert stripe.status_code == 503


async def test_without_any_keys_choosing_paypal_is_billing_off(
    make_settings: Callable[..., Settings],
) -> None:
    app = build_app(make_settings())
    async with AsyncTestClient(app) as client:
        plans = (await client.get("/billing/plans")).json()
        assert (plans["billing_enabled"], plans["providers"]) == (False, [])
        chosen = await client.post(
            "/billing/checkout", json={**CHECKOUT, "provider": "paypal"}, headers=bearer("owner")
        )
        webhook = await client.post("/billing/webhooks/paypal", content=b"{}")
    assert chosen.status_code == 503
    assert "Billing is not configured" in chosen.json()["detail"]
    assert webhook.status_code == 503


async def test_only_the_owner_or_an_admin_chooses_paypal(
    make_settings: Callable[..., Settings],
) -> None:
    with PayPalStandIn() as paypal:
        app = build_app(paypal_settings(make_settings, paypal))
        async with AsyncTestClient(app) as client:
            for who, status in (("viewer", 403), ("media", 403), ("forged", 401)):
                response = await client.post(
                    "/billing/checkout",
                    json={**CHECKOUT, "provider": "paypal"},
                    headers=bearer(who),
                )
                assert response.status_code == status, who
    assert paypal.subscriptions == {}
