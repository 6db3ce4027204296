"""Billing over HTTP: plans, billing switched off, guards, bad input, checkout against a Stripe
stand-in, and the webhook with real signatures (valid, invalid, replayed) on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from billing_testkit import PRICES, SECRET_KEY, WEBHOOK_SECRET, stripe_event, stripe_signature
from core_api_testkit import ORG, bearer, build_app
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from stripe_stand_in import StripeStandIn

from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning:httpx")
PROBLEM = "application/problem+json"


def stripe_settings(make_settings: Callable[..., Settings], api_base: str, **more: str) -> Settings:
    return make_settings(
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=api_base,
        **{f"stripe_price_{plan}": price for plan, price in PRICES.items()},
        **more,
    )


async def test_billing_off_lists_plans_puts_everyone_on_free_and_says_so(
    make_settings: Callable[..., Settings],
) -> None:
    app = build_app(make_settings())
    async with AsyncTestClient(app) as client:
        plans = (await client.get("/billing/plans")).json()
        assert plans["billing_enabled"] is False
        assert [p["code"] for p in plans["plans"]] == ["free", "keeper", "breeder", "business"]
        assert plans["plans"][1]["entitlements"]["certificate_printing"] is True

        mine = await client.get("/billing/subscriptions", headers=bearer("viewer"))
        assert mine.status_code == 200
        assert mine.json()["effective_plan"] == "free"
        assert mine.json()["billing_enabled"] is False

        body = {
            "plan": "keeper",
            "email": "owner@example.com",
            "success_url": "https://app.example/ok",
            "cancel_url": "https://app.example/no",
        }
        for path, payload in [
            ("/billing/checkout", body),
            ("/billing/portal", {"return_url": "https://app.example"}),
            ("/billing/cancel", None),
        ]:
            refused = await client.post(path, json=payload, headers=bearer("owner"))
            assert refused.status_code == 503, path
            assert refused.headers["content-type"].startswith(PROBLEM)
            assert "Billing is not configured" in refused.json()["detail"]
        webhook = await client.post(
            "/billing/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": "t=1,v1=0"}
        )
        assert webhook.status_code == 503


async def test_account_endpoints_need_a_token_and_the_right_role(
    make_settings: Callable[..., Settings],
) -> None:
    app = build_app(make_settings())
    async with AsyncTestClient(app) as client:
        anonymous = await client.get("/billing/subscriptions")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith(PROBLEM)
        forged = await client.get("/billing/subscriptions", headers=bearer("forged"))
        assert forged.status_code == 401
        viewer = await client.post("/billing/cancel", headers=bearer("viewer"))
        assert viewer.status_code == 403
        service = await client.post("/billing/cancel", headers=bearer("media"))
        assert service.status_code == 403
        no_org = await client.get("/billing/subscriptions", headers=bearer("no-org"))
        assert no_org.status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"success_url": "javascript:alert(1)"}, "success_url"),
        ({"plan": "gold"}, "plan"),
        ({"plan": "free"}, "plan"),
        ({"coupon": "FREE100"}, None),
    ],
)
async def test_bad_checkout_input_is_a_4xx_problem_with_field_errors(
    make_settings: Callable[..., Settings], change: dict[str, str], field: str | None
) -> None:
    body = {
        "plan": "keeper",
        "email": "owner@example.com",
        "success_url": "https://app.example/ok",
        "cancel_url": "https://app.example/no",
        **change,
    }
    with StripeStandIn() as stand_in:
        app = build_app(stripe_settings(make_settings, stand_in.base))
        async with AsyncTestClient(app) as client:
            response = await client.post("/billing/checkout", json=body, headers=bearer("owner"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    if field is not None:
        assert response.status_code == 422
        assert any(field in error["field"] for error in response.json()["errors"])
    assert not any(r.path == "/v1/checkout/sessions" for r in stand_in.requests)


async def run_checkout_and_webhooks(settings: Settings, stand_in: StripeStandIn) -> None:
    app = build_app(settings)
    async with AsyncTestClient(app) as client:
        checkout = await client.post(
            "/billing/checkout",
            json={
                "plan": "breeder",
                "email": "owner@example.com",
                "success_url": "https://app.example/ok",
                "cancel_url": "https://app.example/no",
            },
            headers=bearer("owner"),
        )
        assert checkout.status_code == 200, checkout.text
        assert checkout.json()["url"].startswith("https://checkout.stripe.test/")
        customer = stand_in.requests[0].form
        assert customer["email"] == "owner@example.com"

        completed = stripe_event(
            "checkout.session.completed",
            {
                "id": checkout.json()["checkout_id"],
                "object": "checkout.session",
                "client_reference_id": str(ORG),
                "customer": "cus_test_1",
                "subscription": "sub_test_1",
                "payment_status": "paid",
                "metadata": {"organisation_id": str(ORG), "plan": "breeder"},
            },
            event_id="evt_completed_1",
        )

        async def deliver(body: bytes, signature: str) -> tuple[int, dict[str, object]]:
            response = await client.post(
                "/billing/webhooks/stripe",
                content=body,
                headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
            )
            return response.status_code, response.json()

        forged = await deliver(completed, stripe_signature(completed, "whsec_attacker"))
        assert forged[0] == 400
        assert "Stripe-Signature" in str(forged[1]["detail"])
        tampered = await deliver(
            completed.replace(b"breeder", b"business"), stripe_signature(completed)
        )
        assert tampered[0] == 400
        mine = await client.get("/billing/subscriptions", headers=bearer("viewer"))
        assert mine.json()["effective_plan"] == "free"

        assert await deliver(completed, stripe_signature(completed)) == (
            200,
            {"received": True, "outcome": "applied"},
        )
        replay = await deliver(completed, stripe_signature(completed))
        assert replay == (200, {"received": True, "outcome": "duplicate"})

        mine = (await client.get("/billing/subscriptions", headers=bearer("viewer"))).json()
        assert mine["billing_enabled"] is True
        assert (mine["plan"], mine["effective_plan"], mine["status"]) == (
            "breeder",
            "breeder",
            "active",
        )
        assert mine["entitlements"]["api_access"] is True

        portal = await client.post(
            "/billing/portal", json={"return_url": "https://app.example"}, headers=bearer("owner")
        )
        assert portal.json()["url"].startswith("https://billing.stripe.test/")
        assert [(r.path, r.status) for r in stand_in.requests] == [
            ("/v1/customers", 200),
            ("/v1/checkout/sessions", 200),
            ("/v1/billing_portal/sessions", 200),
        ]

        deleted = stripe_event(
            "customer.subscription.deleted",
            {
                "id": "sub_test_1",
                "object": "subscription",
                "customer": "cus_test_1",
                "status": "canceled",
            },
        )
        assert (await deliver(deleted, stripe_signature(deleted)))[0] == 200
        mine = (await client.get("/billing/subscriptions", headers=bearer("viewer"))).json()
        assert (mine["status"], mine["effective_plan"]) == ("canceled", "free")

    engine = create_async_engine(settings.database_url("core"))
    try:
        async with engine.connect() as connection:
            types = (
                await connection.execute(
                    text("SELECT event_type FROM outbox_message WHERE event_type LIKE 'billing.%'")
                )
            ).scalars()
            processed = (
                await connection.execute(text("SELECT count(*) FROM billing_processed_webhook"))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert sorted(types) == [
        "billing.checkout_started",
        "billing.subscription_activated",
        "billing.subscription_canceled",
    ]
    assert processed == 2


async def test_checkout_and_signed_webhooks_on_sqlite(
    make_settings: Callable[..., Settings],
) -> None:
    with StripeStandIn() as stand_in:
        await run_checkout_and_webhooks(stripe_settings(make_settings, stand_in.base), stand_in)


@pytest.mark.postgres
async def test_checkout_and_signed_webhooks_on_postgres(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    with StripeStandIn() as stand_in:
        settings = stripe_settings(
            make_settings, stand_in.base, core_database_url=postgres_database
        )
        await run_checkout_and_webhooks(settings, stand_in)


def test_stripe_settings_are_read_and_checked() -> None:
    from reptidex.services.core.wiring import stripe_config
    from reptidex.services.kernel.settings import SettingsError, load_settings

    environ = {
        "REPTIDEX_STRIPE_SECRET_KEY": "sk_test_1",
        "REPTIDEX_STRIPE_WEBHOOK_SECRET": "whsec_1",
        "REPTIDEX_STRIPE_PRICE_KEEPER": "price_k",
        "REPTIDEX_STRIPE_PRICE_BREEDER": "price_b",
        "REPTIDEX_STRIPE_PRICE_BUSINESS": "price_x",
        "REPTIDEX_FLAG_CACHE_TTL": "0",
    }
    settings = load_settings(environ)
    assert settings.stripe_prices == {
        "keeper": "price_k",
        "breeder": "price_b",
        "business": "price_x",
    }
    assert settings.flag_cache_ttl == 0
    assert stripe_config(settings) is not None
    partial = {k: v for k, v in environ.items() if k != "REPTIDEX_STRIPE_PRICE_BUSINESS"}
    assert stripe_config(load_settings(partial)) is None  # billing off, not half on
    with pytest.raises(SettingsError) as raised:
        load_settings({"REPTIDEX_STRIPE_API_BASE": "ftp://x", "REPTIDEX_STRIPE_PRICE_GOLD": "p"})
    problems = "\n".join(raised.value.problems)
    assert "REPTIDEX_STRIPE_API_BASE" in problems
    assert "REPTIDEX_STRIPE_PRICE_GOLD: unknown setting" in problems
