"""Feature flags over HTTP: the caller's evaluated flags, management by the platform's admin
service, guards, bad input as problem+json, and persistence on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from core_api_testkit import ORG, VIEWER, bearer, build_app
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from reptidex.services.kernel.settings import Settings

PROBLEM = "application/problem+json"


async def run_flag_lifecycle(settings: Settings) -> None:
    app = build_app(settings)
    ops = bearer("ops")
    async with AsyncTestClient(app) as client:
        anonymous = await client.get("/config/features")
        assert anonymous.status_code == 200
        assert anonymous.json() == {
            "plan": "free",
            "entitlements": {
                "max_animals": 25,
                "max_marketplace_listings": 0,
                "certificate_printing": False,
                "api_access": False,
            },
            "features": {},
        }

        created = await client.post(
            "/config/flags/",
            json={"key": "new_chart", "description": "pedigree chart v2", "enabled": False},
            headers=ops,
        )
        assert created.status_code == 201, created.text
        duplicate = await client.post("/config/flags/", json={"key": "new_chart"}, headers=ops)
        assert duplicate.status_code == 409
        assert duplicate.headers["content-type"].startswith(PROBLEM)
        gated = await client.post(
            "/config/flags/",
            json={"key": "api_keys", "enabled": True, "entitlement": "api_access"},
            headers=ops,
        )
        assert gated.status_code == 201

        set_override = await client.put(
            f"/config/flags/new_chart/overrides/organisation/{ORG}",
            json={"enabled": True},
            headers=ops,
        )
        assert set_override.status_code == 200, set_override.text
        features = (await client.get("/config/features", headers=bearer("viewer"))).json()
        assert features["features"] == {
            "api_keys": {"enabled": False, "reason": "not_entitled"},
            "new_chart": {"enabled": True, "reason": "organisation_override"},
        }
        user_off = await client.put(
            f"/config/flags/new_chart/overrides/user/{VIEWER}",
            json={"enabled": False},
            headers=ops,
        )
        assert user_off.status_code == 200
        features = (await client.get("/config/features", headers=bearer("viewer"))).json()
        assert features["features"]["new_chart"] == {"enabled": False, "reason": "user_override"}

        patched = await client.patch(
            "/config/flags/new_chart", json={"rollout_percentage": 100}, headers=ops
        )
        assert patched.json()["rollout_percentage"] == 100
        assert patched.json()["description"] == "pedigree chart v2"
        detail = (await client.get("/config/flags/new_chart", headers=ops)).json()
        assert len(detail["overrides"]) == 2

        removed = await client.delete(
            f"/config/flags/new_chart/overrides/user/{VIEWER}", headers=ops
        )
        assert removed.status_code == 204
        deleted = await client.delete("/config/flags/new_chart", headers=ops)
        assert deleted.status_code == 204
        missing = await client.get("/config/flags/new_chart", headers=ops)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith(PROBLEM)
        listed = (await client.get("/config/flags/", headers=ops)).json()
        assert [flag["key"] for flag in listed] == ["api_keys"]

    engine = create_async_engine(settings.database_url("core"))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT event_type FROM outbox_message WHERE event_type LIKE 'config.%'")
            )
            types = sorted(rows.scalars())
            overrides = (
                await connection.execute(text("SELECT count(*) FROM feature_flag_override"))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert types == sorted(
        ["config.flag_created"] * 2
        + ["config.override_set"] * 2
        + ["config.flag_updated", "config.override_removed", "config.flag_deleted"]
    )
    assert overrides == 0  # the organisation override went with its flag


async def test_flag_lifecycle_on_sqlite(make_settings: Callable[..., Settings]) -> None:
    await run_flag_lifecycle(make_settings())


@pytest.mark.postgres
async def test_flag_lifecycle_on_postgres(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    await run_flag_lifecycle(make_settings(core_database_url=postgres_database))


async def test_the_callers_flags_take_an_optional_token(
    make_settings: Callable[..., Settings],
) -> None:
    """``GET /config/features`` is documented as open to anonymous callers (``{}``) or with a
    bearer token; a token that is sent is verified."""
    app = build_app(make_settings())
    async with AsyncTestClient(app) as client:
        schema = (await client.get("/schema/openapi.json")).json()
        operation = schema["paths"]["/config/features"]["get"]
        assert operation["security"] == [{}, {"bearer": []}]
        assert "401" in operation["responses"]
        assert (await client.get("/config/features")).status_code == 200
        assert (await client.get("/config/features", headers=bearer("viewer"))).status_code == 200
        refused = await client.get("/config/features", headers=bearer("forged"))
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith(PROBLEM)


async def test_only_the_admin_service_manages_flags(make_settings: Callable[..., Settings]) -> None:
    app = build_app(make_settings())
    async with AsyncTestClient(app) as client:
        assert (await client.get("/config/flags/")).status_code == 401
        for token in ("owner", "media"):
            refused = await client.post("/config/flags/", json={"key": "x"}, headers=bearer(token))
            assert refused.status_code == 403, token
            assert refused.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/config/flags/", {"key": "Bad Key!"}, "key"),
        ("post", "/config/flags/", {"key": "ok", "entitlement": "unicorns"}, "entitlement"),
        ("post", "/config/flags/", {"key": "ok", "rollout_percentage": 150}, "rollout_percentage"),
        ("post", "/config/flags/", {"key": "ok", "colour": "red"}, None),
        ("post", "/config/flags/", {"enabled": True}, "key"),
        ("put", "/config/flags/known/overrides/planet/" + str(ORG), {"enabled": True}, None),
        ("put", "/config/flags/known/overrides/user/not-a-uuid", {"enabled": True}, None),
        ("put", "/config/flags/known/overrides/user/" + str(ORG), {"enabled": "yes"}, "enabled"),
        ("patch", "/config/flags/known", {"key": "renamed"}, None),
    ],
)
async def test_bad_flag_input_is_a_4xx_problem(
    make_settings: Callable[..., Settings],
    method: str,
    path: str,
    body: dict[str, object],
    field: str | None,
) -> None:
    app = build_app(make_settings())
    async with AsyncTestClient(app) as client:
        await client.post("/config/flags/", json={"key": "known"}, headers=bearer("ops"))
        response = await getattr(client, method)(path, json=body, headers=bearer("ops"))
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    if field is not None:
        errors = response.json()["errors"]
        assert any(field in error["field"] + error["message"] for error in errors), errors
