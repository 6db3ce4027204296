"""Every identity endpoint of repti-core over HTTP: the happy path and bad input (always a
4xx problem+json, never a 500, never a half-written record)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
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
    mails,
    register_and_verify,
)
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app
from reptidex.services.kernel.settings import Settings


class Core:
    def __init__(self, client: TestClient[Litestar], data_dir: Path, settings: Settings) -> None:
        self.client = client
        self.data_dir = data_dir
        self.settings = settings

    def user(self, email: str) -> dict[str, Any]:
        register_and_verify(self.client, self.data_dir, email)
        return login(self.client, email)


@pytest.fixture
def core(make_settings: Callable[..., Settings]) -> Iterator[Core]:
    settings = make_settings(core_service_secret="commerce-and-core-share-this")
    upgrade("core", settings.database_url("core"))
    with TestClient(create_app(settings, identity=fast_identity())) as client:
        yield Core(client, settings.data_dir, settings)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


BAD_BODIES: list[tuple[str, object]] = [
    ("/auth/register", {}),
    ("/auth/register", {"email": "ann@example.org"}),
    ("/auth/register", {"email": 5, "password": STRONG_PASSWORD}),
    ("/auth/register", {"email": "ann@example.org", "password": "x" * 2000}),
    ("/auth/register", {"email": "ann@example.org", "password": STRONG_PASSWORD, "admin": True}),
    ("/auth/register", []),
    ("/auth/verify-email", {"token": "short"}),
    ("/auth/verify-email", {"token": "has spaces and is long enough"}),
    ("/auth/verify-email/resend", {"email": ""}),
    ("/auth/login", {"email": "ann@example.org"}),
    ("/auth/login", {"email": "ann@example.org", "password": ""}),
    ("/auth/refresh", {}),
    ("/auth/refresh", {"refresh_token": None}),
    ("/auth/logout", {"refresh_token": 42}),
    ("/auth/password/reset-request", {"mail": "ann@example.org"}),
    ("/auth/password/reset", {"token": "t" * 43}),
    ("/auth/service-token", {"service": "toaster", "secret": "x" * 32}),
    ("/auth/service-token", {"service": "animal", "secret": "short"}),
]


@pytest.mark.parametrize(("path", "body"), BAD_BODIES)
def test_malformed_bodies_are_clear_4xx(core: Core, path: str, body: object) -> None:
    response = core.client.post(path, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


def test_not_json_is_400(core: Core) -> None:
    response = core.client.post(
        "/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    problem(response, 400)


def test_register_reports_each_rule_by_field(core: Core) -> None:
    body = problem(
        core.client.post("/auth/register", json={"email": "nope", "password": STRONG_PASSWORD}),
        422,
    )
    assert body["errors"] == [{"field": "email", "message": "not an email address"}]
    body = problem(
        core.client.post(
            "/auth/register", json={"email": "ann@example.org", "password": "password2024"}
        ),
        422,
    )
    assert body["errors"][0]["field"] == "password"
    assert "common" in body["detail"]
    # Nothing was written: the address can register properly afterwards.
    register_and_verify(core.client, core.data_dir, "ann@example.org")


def test_invisible_padding_does_not_make_a_password_long_enough(core: Core) -> None:
    padded = {"email": "ann@example.org", "password": "kestrel-9\u200b\u200b\u200b"}
    body = problem(core.client.post("/auth/register", json=padded), 422)
    assert body["errors"][0]["field"] == "password"
    assert "visible characters" in body["detail"]


def test_register_twice_answers_the_same(core: Core) -> None:
    first = core.client.post(
        "/auth/register", json={"email": "ann@example.org", "password": STRONG_PASSWORD}
    )
    second = core.client.post(
        "/auth/register", json={"email": "ANN@example.org", "password": OTHER_PASSWORD}
    )
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert len(mails(core.data_dir, "already_registered", 1)) == 1


def test_verify_email_errors(core: Core) -> None:
    body = problem(core.client.post("/auth/verify-email", json={"token": "A" * 43}), 422)
    assert body["errors"][0]["field"] == "token"
    core.client.post("/auth/register", json={"email": "a@example.org", "password": STRONG_PASSWORD})
    response = core.client.post("/auth/verify-email/resend", json={"email": "a@example.org"})
    assert response.status_code == 202
    assert len(mails(core.data_dir, "verify_email", 2)) == 2  # the resent one is the newest
    token = mail_token(core.data_dir, "verify_email", "a@example.org")
    assert core.client.post("/auth/verify-email", json={"token": token}).status_code == 200
    problem(core.client.post("/auth/verify-email", json={"token": token}), 422)


def test_login_errors_do_not_reveal_accounts(core: Core) -> None:
    core.user("ann@example.org")
    wrong = problem(
        core.client.post(
            "/auth/login", json={"email": "ann@example.org", "password": OTHER_PASSWORD}
        ),
        401,
    )
    unknown = problem(
        core.client.post(
            "/auth/login", json={"email": "bob@example.org", "password": OTHER_PASSWORD}
        ),
        401,
    )
    assert wrong["detail"] == unknown["detail"]


def test_refresh_rotation_and_reuse_over_http(core: Core) -> None:
    first = core.user("ann@example.org")
    rotated = core.client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    body = problem(
        core.client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401
    )
    assert "already used" in body["detail"]
    problem(core.client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)


def test_logout(core: Core) -> None:
    tokens = core.user("ann@example.org")
    response = core.client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 204
    problem(core.client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)


def test_me_needs_a_valid_token(core: Core) -> None:
    problem(core.client.get("/auth/me"), 401)
    problem(core.client.get("/auth/me", headers=bearer("x.y.z")), 401)
    problem(core.client.get("/auth/me", headers={"Authorization": "Token abc"}), 401)
    tokens = core.user("ann@example.org")
    me = core.client.get("/auth/me", headers=bearer(tokens["access_token"])).json()
    assert me["email"] == "ann@example.org"
    assert me["organisations"] == []


def test_change_password(core: Core) -> None:
    tokens = core.user("ann@example.org")
    headers = bearer(tokens["access_token"])
    problem(
        core.client.post(
            "/auth/password/change",
            json={"current_password": STRONG_PASSWORD, "new_password": OTHER_PASSWORD},
        ),
        401,
    )
    body = problem(
        core.client.post(
            "/auth/password/change",
            json={"current_password": OTHER_PASSWORD, "new_password": OTHER_PASSWORD},
            headers=headers,
        ),
        422,
    )
    assert body["errors"][0]["field"] == "current_password"
    response = core.client.post(
        "/auth/password/change",
        json={"current_password": STRONG_PASSWORD, "new_password": OTHER_PASSWORD},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"sessions_revoked": 0}
    assert login(core.client, "ann@example.org", OTHER_PASSWORD)


def test_password_reset(core: Core) -> None:
    core.user("ann@example.org")
    for email in ("ann@example.org", "nobody@example.org", "not-an-address"):
        response = core.client.post("/auth/password/reset-request", json={"email": email})
        assert response.status_code == 202
    token = mail_token(core.data_dir, "reset_password", "ann@example.org")
    problem(
        core.client.post("/auth/password/reset", json={"token": token, "new_password": "abc"}), 422
    )
    response = core.client.post(
        "/auth/password/reset", json={"token": token, "new_password": OTHER_PASSWORD}
    )
    assert response.status_code == 204
    problem(
        core.client.post(
            "/auth/password/reset", json={"token": token, "new_password": OTHER_PASSWORD}
        ),
        422,
    )
    assert login(core.client, "ann@example.org", OTHER_PASSWORD)


def test_organisations_members_invitations_and_switching(core: Core) -> None:
    owner = core.user("owner@example.org")
    bob = core.user("bob@example.org")
    owner_headers = bearer(owner["access_token"])
    problem(core.client.post("/orgs", json={"name": "x"}), 401)
    problem(core.client.post("/orgs", json={"name": ""}, headers=owner_headers), 422)
    problem(core.client.post("/orgs", json={"name": "   "}, headers=owner_headers), 422)
    created = core.client.post("/orgs", json={"name": "Scales & Tails"}, headers=owner_headers)
    assert created.status_code == 201
    org_id = created.json()["id"]
    listed = core.client.get("/orgs", headers=owner_headers).json()
    assert [(o["id"], o["role"]) for o in listed] == [(org_id, "owner")]

    problem(
        core.client.post(
            f"/orgs/{org_id}/invitations",
            json={"email": "bob@example.org", "role": "emperor"},
            headers=owner_headers,
        ),
        422,
    )
    problem(
        core.client.post(
            f"/orgs/{uuid.uuid4()}/invitations",
            json={"email": "bob@example.org"},
            headers=owner_headers,
        ),
        404,
    )
    problem(
        core.client.post(
            f"/orgs/{org_id}/invitations",
            json={"email": "bob@example.org"},
            headers=bearer(bob["access_token"]),
        ),
        404,
    )
    invited = core.client.post(
        f"/orgs/{org_id}/invitations", json={"email": "bob@example.org"}, headers=owner_headers
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["role"] == "member"
    token = mail_token(core.data_dir, "invitation", "bob@example.org")
    problem(core.client.post(f"/invitations/{token}/accept", headers=owner_headers), 403)
    problem(core.client.post(f"/invitations/{'z' * 43}/accept", headers=owner_headers), 404)
    accepted = core.client.post(f"/invitations/{token}/accept", headers=bearer(bob["access_token"]))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "member"

    members = core.client.get(f"/orgs/{org_id}/members", headers=owner_headers).json()
    bob_id = next(m["user_id"] for m in members if m["email"] == "bob@example.org")
    changed = core.client.patch(
        f"/orgs/{org_id}/members/{bob_id}", json={"role": "admin"}, headers=owner_headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "admin"
    problem(
        core.client.patch(
            f"/orgs/{org_id}/members/{uuid.uuid4()}", json={"role": "admin"}, headers=owner_headers
        ),
        404,
    )
    problem(core.client.get("/orgs/not-a-uuid/members", headers=owner_headers), 404)

    switched = core.client.post(
        "/auth/switch-organisation",
        json={"organisation_id": org_id},
        headers=bearer(bob["access_token"]),
    )
    assert switched.status_code == 200, switched.text
    assert switched.json()["role"] == "admin"
    problem(
        core.client.post(
            "/auth/switch-organisation",
            json={"organisation_id": str(uuid.uuid4())},
            headers=bearer(bob["access_token"]),
        ),
        404,
    )
    problem(
        core.client.post(
            "/auth/switch-organisation",
            json={"organisation_id": "nope"},
            headers=bearer(bob["access_token"]),
        ),
        422,
    )


def test_service_token_endpoint(core: Core) -> None:
    response = core.client.post(
        "/auth/service-token",
        json={"service": "core", "secret": "commerce-and-core-share-this"},
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    # A service token is not a user: /auth/me refuses it.
    problem(core.client.get("/auth/me", headers=bearer(token)), 403)
    problem(
        core.client.post("/auth/service-token", json={"service": "core", "secret": "y" * 32}),
        401,
    )


def test_jwks_and_openapi(core: Core) -> None:
    jwks = core.client.get("/.well-known/jwks.json").json()
    (key,) = jwks["keys"]
    assert key["kty"] == "OKP"
    assert key["crv"] == "Ed25519"
    assert key["alg"] == "EdDSA"
    assert "d" not in key  # never the private part
    schema = core.client.get("/schema/openapi.json").json()
    register = schema["paths"]["/auth/register"]["post"]
    assert register["requestBody"]["content"]["application/json"]
    assert "422" in register["responses"]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert schema["paths"]["/auth/me"]["get"]["security"] == [{"bearer": []}]
