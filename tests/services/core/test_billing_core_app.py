"""The real repti-core app serves the billing, configuration and telemetry routes, documents
them in its OpenAPI schema, and exposes telemetry on its /metrics."""

from __future__ import annotations

from collections.abc import Callable

from litestar.testing import AsyncTestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app
from reptidex.services.kernel.settings import Settings


async def test_core_app_wires_billing_flags_and_telemetry(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    upgrade("core", settings.database_url("core"))
    app = create_app(settings)
    async with AsyncTestClient(app) as client:
        plans = await client.get("/billing/plans")
        assert plans.status_code == 200
        assert plans.json()["billing_enabled"] is False
        features = await client.get("/config/features")
        assert features.status_code == 200
        assert features.json()["plan"] == "free"
        assert (await client.get("/billing/subscriptions")).status_code == 401
        assert (await client.post("/telemetry/", json={"measurements": []})).status_code == 401
        for provider in ("stripe", "paypal"):
            webhook = await client.post(f"/billing/webhooks/{provider}", content=b"{}")
            assert webhook.status_code == 503
        schema = (await client.get("/schema/openapi.json")).json()
        metrics = await client.get("/metrics")
    for path in (
        "/billing/plans",
        "/billing/subscriptions",
        "/billing/checkout",
        "/billing/portal",
        "/billing/cancel",
        "/billing/webhooks/stripe",
        "/billing/webhooks/paypal",
        "/config/features",
        "/config/flags",
        "/telemetry",
    ):
        assert path in schema["paths"], path
    assert metrics.status_code == 200
