"""Authorization of every repti-core endpoint, table-driven, with real tokens on a real app.

For each operation of core's OpenAPI: no token (401), a token of the wrong kind or too low a
role (403), a caller of another organisation (404, word for word what a made-up organisation
gets, so nothing leaks), and the right caller (2xx, or billing's 503 when no payment provider is
configured: authorization passed, the payment side is switched off). A denied request always
carries a body that *would* work, so a missing guard shows as a success where a refusal was due.
The table must list every operation: a new endpoint without a row fails here.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from identity_testkit import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    bearer,
    fast_identity,
    login,
    mail_token,
    register_and_verify,
)
from litestar.testing import TestClient

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.rate_limits import RateLimiter
from reptidex.services.core.app import create_app
from reptidex.services.core.identity.wiring import build_identity
from reptidex.services.kernel.auth import service_secret
from reptidex.services.kernel.settings import Settings, load_settings


class NoLimits:
    async def hit(self, key: str, limit: int, window: int) -> int | None:
        return None

    async def exceeded(self, key: str, limit: int, window: int) -> int | None:
        return None

    async def reset(self, key: str) -> None:
        return None


@dataclass
class World:
    client: TestClient[Any]
    settings: Settings
    org: str
    other_org: str
    users: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, caller: str) -> dict[str, str]:
        return bearer(self.tokens[caller]) if caller != "anon" else {}

    def person(self, role: str | None) -> tuple[str, str, str]:
        """A new verified user, a member of the organisation with ``role`` when given:
        its id, its email and an access token (in the organisation when it has a role)."""
        email = f"p{uuid.uuid4().hex[:10]}@example.org"
        register_and_verify(self.client, self.settings.data_dir, email)
        tokens = login(self.client, email)
        access = tokens["access_token"]
        me = self.client.get("/auth/me", headers=bearer(access)).json()
        if role is not None:
            token = self.invite(email, role)
            response = self.client.post(f"/invitations/{token}/accept", headers=bearer(access))
            assert response.status_code == 200, response.text
            response = self.client.post(
                "/auth/switch-organisation",
                json={"organisation_id": self.org},
                headers=bearer(access),
            )
            assert response.status_code == 200, response.text
            access = response.json()["access_token"]
        return me["id"], email, access

    def invite(self, email: str, role: str = "member") -> str:
        response = self.client.post(
            f"/orgs/{self.org}/invitations",
            json={"email": email, "role": role},
            headers=self.headers("owner"),
        )
        assert response.status_code == 201, response.text
        return mail_token(self.settings.data_dir, "invitation", email)

    def invitation_id(self) -> str:
        email = f"i{uuid.uuid4().hex[:10]}@example.org"
        self.invite(email)
        listed = self.client.get(f"/orgs/{self.org}/invitations", headers=self.headers("owner"))
        invitation: str = next(i["id"] for i in listed.json() if i["email"] == email)
        return invitation


async def _grant_platform_admin(settings: Settings, email: str) -> None:
    engine = create_engine(settings.database_url("core"), pool_size=1)
    try:
        await build_identity(settings, engine, None).accounts.set_platform_admin(email, True)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir: Path = tmp_path_factory.mktemp("authz") / "data"
    settings = load_settings({"REPTIDEX_DATA_DIR": str(data_dir), "REPTIDEX_LOG_FORMAT": "json"})
    upgrade("core", settings.database_url("core"))
    no_limits: RateLimiter = NoLimits()
    app = create_app(settings, identity=fast_identity(rate_limiter=no_limits))
    with TestClient(app) as client:
        owner_email, outsider_email = "owner@example.org", "outsider@example.org"
        for email in (owner_email, outsider_email):
            register_and_verify(client, data_dir, email)
        orgs = {}
        tokens = {}
        for name, email in (("owner", owner_email), ("outsider", outsider_email)):
            access = login(client, email)["access_token"]
            created = client.post("/orgs/", json={"name": name}, headers=bearer(access)).json()
            switched = client.post(
                "/auth/switch-organisation",
                json={"organisation_id": created["id"]},
                headers=bearer(access),
            ).json()
            orgs[name], tokens[name] = created["id"], switched["access_token"]
        world = World(client, settings, org=orgs["owner"], other_org=orgs["outsider"])
        world.tokens.update(tokens)
        for role in ("admin", "member", "viewer"):
            user_id, _, access = world.person(role)
            world.users[role], world.tokens[role] = user_id, access
        world.users["lonely"], _, world.tokens["lonely"] = world.person(None)
        _, admin_email, _ = world.person(None)
        asyncio.run(_grant_platform_admin(settings, admin_email))
        world.tokens["platform_admin"] = login(client, admin_email)["access_token"]
        for service in ("ops", "media"):
            response = client.post(
                "/auth/service-token",
                json={"service": service, "secret": service_secret(settings, service)},
            )
            world.tokens[service] = response.json()["access_token"]
        yield world


Fill = Callable[[World], tuple[str, Any]]
"""A row's request for one attempt: the path (parameters filled) and the JSON body."""


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    ok: tuple[str, int]
    denied: tuple[tuple[str, int], ...]
    fill: Fill


def static(path: str, body: Any = None) -> Fill:
    return lambda w: (path.format(org=w.org), body)


def fresh_member(path: str, role: str | None = "member", body: Any = None) -> Fill:
    def fill(w: World) -> tuple[str, Any]:
        user_id, _, _ = w.person(role)
        return path.format(org=w.org, user=user_id), body

    return fill


def fresh_invitation(w: World) -> tuple[str, Any]:
    return f"/orgs/{w.org}/invitations/{w.invitation_id()}", None


NEEDS_TOKEN = (("anon", 401),)
USERS_ONLY = (*NEEDS_TOKEN, ("ops", 403))
BELOW_ADMIN = (*USERS_ONLY, ("member", 403), ("viewer", 403), ("lonely", 404))
OTHER_ORG = (("outsider", 404),)
NOT_FLAG_ADMINS = (*NEEDS_TOKEN, ("owner", 403), ("media", 403), ("lonely", 403))
BILLING_ADMINS = (*USERS_ONLY, ("member", 403), ("viewer", 403), ("lonely", 403))
FLAG = "/config/flags/{key}"
CHECKOUT = {
    "plan": "keeper",
    "email": "pay@example.org",
    "success_url": "https://example.org/ok",
    "cancel_url": "https://example.org/no",
}
AD_CREDITS = {
    "amount": 5000,
    "currency": "USD",
    "email": "pay@example.org",
    "success_url": "https://example.org/ok",
    "cancel_url": "https://example.org/back",
}


def flag(path: str, body: Any = None, override: bool = False) -> Fill:
    def fill(w: World) -> tuple[str, Any]:
        key = f"f-{uuid.uuid4().hex[:8]}"
        admin = w.headers("platform_admin")
        response = w.client.post("/config/flags/", json={"key": key}, headers=admin)
        assert response.status_code == 201, response.text
        filled = path.format(key=key, user=w.users["viewer"])
        if override:
            response = w.client.put(filled, json={"enabled": True}, headers=admin)
            assert response.status_code == 200, response.text
        return filled, body

    return fill


NOT_PLATFORM_ADMINS = (*NEEDS_TOKEN, ("owner", 403), ("ops", 403), ("lonely", 403))
NOT_OPS = (*NEEDS_TOKEN, ("owner", 403), ("platform_admin", 403), ("media", 403))


def personal_data(action: str) -> Fill:
    """A fresh user's data to export or erase (the erasure must not touch the shared world)."""

    def fill(w: World) -> tuple[str, Any]:
        user_id, _, _ = w.person(None)
        body: dict[str, str] = {"user_id": str(user_id)}
        if action == "erase":
            body["pseudonym"] = str(uuid.uuid4())
        return f"/internal/personal-data/{action}", body

    return fill


def accept_fill(w: World) -> tuple[str, Any]:
    _, email, access = w.person(None)
    token = w.invite(email)
    w.tokens["invitee"] = access
    return f"/invitations/{token}/accept", None


def password_fill(w: World) -> tuple[str, Any]:
    _, _, access = w.person(None)
    w.tokens["changer"] = access
    return "/auth/password/change", {
        "current_password": STRONG_PASSWORD,
        "new_password": OTHER_PASSWORD,
    }


ROWS: tuple[Row, ...] = (
    # --- public identity endpoints: no token needed; the answer is the endpoint's own ---------
    Row("POST", "/auth/register", ("anon", 202), (), static("/auth/register", {"email": "r@example.org", "password": STRONG_PASSWORD})),
    Row("POST", "/auth/verify-email", ("anon", 422), (), static("/auth/verify-email", {"token": "x" * 20})),
    Row("POST", "/auth/verify-email/resend", ("anon", 202), (), static("/auth/verify-email/resend", {"email": "r@example.org"})),
    Row("POST", "/auth/login", ("anon", 200), (), static("/auth/login", {"email": "owner@example.org", "password": STRONG_PASSWORD})),
    Row("POST", "/auth/refresh", ("anon", 401), (), static("/auth/refresh", {"refresh_token": "y" * 40})),
    Row("POST", "/auth/logout", ("anon", 204), (), static("/auth/logout", {"refresh_token": "y" * 40})),
    Row("POST", "/auth/password/reset-request", ("anon", 202), (), static("/auth/password/reset-request", {"email": "r@example.org"})),
    Row("POST", "/auth/password/reset", ("anon", 422), (), static("/auth/password/reset", {"token": "z" * 20, "new_password": OTHER_PASSWORD})),
    Row("POST", "/auth/unlock", ("anon", 422), (), static("/auth/unlock", {"token": "u" * 20})),
    Row("POST", "/auth/service-token", ("anon", 401), (), static("/auth/service-token", {"service": "ops", "secret": "w" * 32})),
    Row("GET", "/.well-known/jwks.json", ("anon", 200), (), static("/.well-known/jwks.json")),
    Row("GET", "/billing/plans", ("anon", 200), (), static("/billing/plans")),
    Row("POST", "/billing/webhooks/stripe", ("anon", 503), (), static("/billing/webhooks/stripe", {"id": "evt_1"})),
    Row("POST", "/billing/webhooks/paypal", ("anon", 503), (), static("/billing/webhooks/paypal", {"id": "WH-1"})),
    Row("GET", "/config/features", ("viewer", 200), (("anon", 200),), static("/config/features")),
    # --- a signed-in user --------------------------------------------------------------------
    Row("GET", "/auth/me", ("lonely", 200), USERS_ONLY, static("/auth/me")),
    Row("POST", "/auth/password/change", ("changer", 200), USERS_ONLY, password_fill),
    Row("POST", "/auth/switch-organisation", ("viewer", 200), (*USERS_ONLY, ("outsider", 404), ("lonely", 404)), lambda w: ("/auth/switch-organisation", {"organisation_id": w.org})),
    Row("GET", "/orgs", ("lonely", 200), USERS_ONLY, static("/orgs/")),
    Row("POST", "/orgs", ("lonely", 201), USERS_ONLY, static("/orgs/", {"name": "Another"})),
    Row("POST", "/invitations/{token}/accept", ("invitee", 200), (*USERS_ONLY, ("lonely", 403)), accept_fill),
    # --- organisation members, by role; other organisations get 404 --------------------------
    Row("GET", "/orgs/{organisation_id}/members", ("viewer", 200), (*USERS_ONLY, ("lonely", 404), *OTHER_ORG), static("/orgs/{org}/members")),
    Row("POST", "/orgs/{organisation_id}/invitations", ("admin", 201), (*BELOW_ADMIN, *OTHER_ORG), lambda w: (f"/orgs/{w.org}/invitations", {"email": f"n{uuid.uuid4().hex[:8]}@example.org"})),
    Row("GET", "/orgs/{organisation_id}/invitations", ("admin", 200), (*BELOW_ADMIN, *OTHER_ORG), static("/orgs/{org}/invitations")),
    Row("DELETE", "/orgs/{organisation_id}/invitations/{invitation_id}", ("admin", 204), (*BELOW_ADMIN, *OTHER_ORG), fresh_invitation),
    Row("PATCH", "/orgs/{organisation_id}/members/{user_id}", ("admin", 200), (*BELOW_ADMIN, *OTHER_ORG), fresh_member("/orgs/{org}/members/{user}", body={"role": "viewer"})),
    Row("DELETE", "/orgs/{organisation_id}/members/{user_id}", ("admin", 204), (*BELOW_ADMIN, *OTHER_ORG), fresh_member("/orgs/{org}/members/{user}")),
    Row("GET", "/orgs/{organisation_id}/public", ("media", 200), (*NEEDS_TOKEN, ("owner", 403), ("viewer", 403), ("lonely", 403), ("platform_admin", 403)), static("/orgs/{org}/public")),
    Row("POST", "/orgs/{organisation_id}/leave", ("viewer", 204), (*USERS_ONLY, ("lonely", 404), *OTHER_ORG), static("/orgs/{org}/leave")),
    # --- billing: the token's active organisation ---------------------------------------------
    Row("GET", "/billing/subscriptions", ("viewer", 200), (*USERS_ONLY, ("lonely", 403)), static("/billing/subscriptions")),
    Row("POST", "/billing/checkout", ("admin", 503), BILLING_ADMINS, static("/billing/checkout", CHECKOUT)),
    Row("POST", "/billing/ad-credits/checkout", ("admin", 503), BILLING_ADMINS, static("/billing/ad-credits/checkout", AD_CREDITS)),
    Row("POST", "/billing/portal", ("admin", 503), BILLING_ADMINS, static("/billing/portal", {"return_url": "https://example.org/"})),
    Row("POST", "/billing/cancel", ("owner", 503), BILLING_ADMINS, static("/billing/cancel")),
    # --- events and telemetry -----------------------------------------------------------------
    Row("POST", "/events/publish", ("admin", 202), (*NEEDS_TOKEN, ("member", 403), ("viewer", 403), ("lonely", 403)), lambda w: ("/events/publish", {"type": "integration.sync.finished"})),
    Row("POST", "/telemetry", ("viewer", 202), NEEDS_TOKEN, static("/telemetry/", {"measurements": [{"kind": "counter", "name": "authz_probe", "value": 1}]})),
    # --- feature flags: platform administrators (a granted user, or repti-ops' service) ------
    Row("GET", "/config/flags", ("platform_admin", 200), NOT_FLAG_ADMINS, static("/config/flags/")),
    Row("POST", "/config/flags", ("platform_admin", 201), NOT_FLAG_ADMINS, lambda w: ("/config/flags/", {"key": f"n-{uuid.uuid4().hex[:8]}"})),
    Row("GET", FLAG, ("ops", 200), NOT_FLAG_ADMINS, flag(FLAG)),
    Row("PATCH", FLAG, ("platform_admin", 200), NOT_FLAG_ADMINS, flag(FLAG, {"enabled": True})),
    Row("DELETE", FLAG, ("platform_admin", 204), NOT_FLAG_ADMINS, flag(FLAG)),
    Row("PUT", FLAG + "/overrides/{subject_kind}/{subject_id}", ("platform_admin", 200), NOT_FLAG_ADMINS, flag(FLAG + "/overrides/user/{user}", {"enabled": True})),
    Row("DELETE", FLAG + "/overrides/{subject_kind}/{subject_id}", ("ops", 204), NOT_FLAG_ADMINS, flag(FLAG + "/overrides/user/{user}", override=True)),
    # --- platform administration: a platform administrator's own token (not even ops') --------
    Row("GET", "/admin/users", ("platform_admin", 200), NOT_PLATFORM_ADMINS, static("/admin/users")),
    Row("GET", "/admin/organisations", ("platform_admin", 200), NOT_PLATFORM_ADMINS, static("/admin/organisations")),
    Row("PUT", "/admin/users/{user_id}/suspension", ("platform_admin", 200), NOT_PLATFORM_ADMINS, fresh_member("/admin/users/{user}/suspension", None)),
    Row("DELETE", "/admin/users/{user_id}/suspension", ("platform_admin", 200), NOT_PLATFORM_ADMINS, fresh_member("/admin/users/{user}/suspension", None)),
    Row("PUT", "/admin/users/{user_id}/platform-admin", ("platform_admin", 200), NOT_PLATFORM_ADMINS, fresh_member("/admin/users/{user}/platform-admin", None)),
    Row("DELETE", "/admin/users/{user_id}/platform-admin", ("platform_admin", 200), NOT_PLATFORM_ADMINS, fresh_member("/admin/users/{user}/platform-admin", None)),
    # --- GDPR: repti-ops' service only (a user asks repti-ops, which asks every service) -----
    Row("POST", "/internal/personal-data/export", ("ops", 200), NOT_OPS, personal_data("export")),
    Row("POST", "/internal/personal-data/erase", ("ops", 200), NOT_OPS, personal_data("erase")),
)  # fmt: skip


def _call(w: World, method: str, path: str, body: Any, caller: str) -> Any:
    kwargs: dict[str, Any] = {"headers": w.headers(caller)}
    if body is not None:
        kwargs["json"] = body
    return w.client.request(method, path, **kwargs)


@pytest.mark.parametrize("row", ROWS, ids=[f"{row.method} {row.path}" for row in ROWS])
def test_who_may_call(world: World, row: Row) -> None:
    path, body = row.fill(world)
    for caller, status in row.denied:
        response = _call(world, row.method, path, body, caller)
        assert response.status_code == status, (caller, response.text)
        if status >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
        if status == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
        if caller == "outsider" and status == 404:
            # Another organisation's existence does not show: a made-up one answers the same.
            made_up = path.replace(world.org, str(uuid.uuid4()))
            twin = _call(world, row.method, made_up, body, caller)
            assert (twin.status_code, twin.json()["detail"]) == (404, response.json()["detail"])
    caller, status = row.ok
    response = _call(world, row.method, path, body, caller)
    assert response.status_code == status, (caller, response.text)


def test_the_table_covers_every_operation(world: World) -> None:
    schema = world.client.app.openapi_schema.to_schema()
    operations = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "operations" not in operation.get("tags", [])
    }
    assert operations == {(row.method, row.path) for row in ROWS}


def test_the_last_owner_stays_and_removed_members_lose_the_organisation(world: World) -> None:
    response = world.client.post(f"/orgs/{world.org}/leave", headers=world.headers("owner"))
    assert response.status_code == 409, response.text
    owner_id = world.client.get("/auth/me", headers=world.headers("owner")).json()["id"]
    response = world.client.delete(
        f"/orgs/{world.org}/members/{owner_id}", headers=world.headers("owner")
    )
    assert response.status_code == 409
    user_id, email, _ = world.person("member")
    refresh = login(world.client, email)["refresh_token"]
    response = world.client.delete(
        f"/orgs/{world.org}/members/{user_id}", headers=world.headers("admin")
    )
    assert response.status_code == 204
    renewed = world.client.post("/auth/refresh", json={"refresh_token": refresh}).json()
    assert renewed["organisation_id"] is None  # the session lost its organisation
    members = world.client.get(f"/orgs/{world.org}/members", headers=world.headers("owner"))
    assert user_id not in {m["user_id"] for m in members.json()}


def test_me_says_who_administers_the_platform(world: World) -> None:
    me = world.client.get("/auth/me", headers=world.headers("platform_admin")).json()
    assert me["platform_admin"] is True
    assert (
        world.client.get("/auth/me", headers=world.headers("owner")).json()["platform_admin"]
        is False
    )


def test_token_scoped_endpoints_cannot_reach_another_organisation(world: World) -> None:
    # Events: an admin publishes for the active organisation only.
    response = world.client.post(
        "/events/publish",
        json={"type": "integration.sync.finished", "organisation_id": world.other_org},
        headers=world.headers("admin"),
    )
    assert response.status_code == 403, response.text
    # Billing and features answer for the token's organisation, whatever else is asked.
    response = world.client.get(
        "/billing/subscriptions",
        params={"organisation_id": world.other_org},
        headers=world.headers("viewer"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["organisation_id"] == world.org
    # Switching into an organisation you do not belong to reads as "no such organisation".
    made_up = world.client.post(
        "/auth/switch-organisation",
        json={"organisation_id": str(uuid.uuid4())},
        headers=world.headers("outsider"),
    )
    real = world.client.post(
        "/auth/switch-organisation",
        json={"organisation_id": world.org},
        headers=world.headers("outsider"),
    )
    assert (real.status_code, real.json()["detail"]) == (404, made_up.json()["detail"])


def test_services_read_an_organisations_public_name_only(world: World) -> None:
    response = world.client.get(f"/orgs/{world.org}/public", headers=world.headers("media"))
    assert response.json() == {"id": world.org, "name": "owner"}
    assert response.headers["cache-control"] == "private, max-age=300"
    unknown = world.client.get(f"/orgs/{uuid.uuid4()}/public", headers=world.headers("ops"))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    bad = world.client.get("/orgs/not-an-id/public", headers=world.headers("media"))
    assert bad.status_code == 404, bad.status_code
    assert bad.headers["content-type"].startswith("application/problem+json")
