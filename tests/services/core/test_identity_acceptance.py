"""Acceptance: a new user registers, verifies from the mail outbox, logs in, creates an
organisation and reads /auth/me — on SQLite (the embedded default) and on real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from identity_testkit import STRONG_PASSWORD, bearer, fast_identity, mail_token
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app
from reptidex.services.kernel.settings import Settings


def _journey(settings: Settings) -> None:
    upgrade("core", settings.database_url("core"))
    app = create_app(settings, identity=fast_identity())
    with TestClient(app) as client:
        email = "Ann.Keeper@Example.org"
        response = client.post(
            "/auth/register",
            json={"email": email, "password": STRONG_PASSWORD, "display_name": "Ann"},
        )
        assert response.status_code == 202, response.text
        assert response.json()["email"] == "ann.keeper@example.org"

        # Before verification, the right password is not enough.
        response = client.post("/auth/login", json={"email": email, "password": STRONG_PASSWORD})
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")

        token = mail_token(settings.data_dir, "verify_email", "ann.keeper@example.org")
        response = client.post("/auth/verify-email", json={"token": token})
        assert response.status_code == 200, response.text
        assert response.json()["email_verified"] is True

        response = client.post(
            "/auth/login", json={"email": "ann.keeper@EXAMPLE.org", "password": STRONG_PASSWORD}
        )
        assert response.status_code == 200, response.text
        tokens = response.json()
        assert tokens["token_type"] == "Bearer"
        assert tokens["organisation_id"] is None
        assert 0 < tokens["expires_in"] <= 900

        response = client.post(
            "/orgs", json={"name": "Scales & Tails"}, headers=bearer(tokens["access_token"])
        )
        assert response.status_code == 201, response.text
        organisation = response.json()
        assert organisation["role"] == "owner"

        response = client.post(
            "/auth/switch-organisation",
            json={"organisation_id": organisation["id"]},
            headers=bearer(tokens["access_token"]),
        )
        assert response.status_code == 200, response.text
        switched = response.json()
        assert switched["role"] == "owner"

        response = client.get("/auth/me", headers=bearer(switched["access_token"]))
        assert response.status_code == 200, response.text
        me = response.json()
        assert me["email"] == "ann.keeper@example.org"
        assert me["display_name"] == "Ann"
        assert me["email_verified"] is True
        assert me["organisation_id"] == organisation["id"]
        assert me["role"] == "owner"
        assert [o["name"] for o in me["organisations"]] == ["Scales & Tails"]

        # The session remembers the organisation: a refresh keeps it.
        response = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert response.status_code == 200, response.text
        assert response.json()["organisation_id"] == organisation["id"]
        assert response.json()["role"] == "owner"


def test_new_user_journey_on_sqlite(make_settings: Callable[..., Settings]) -> None:
    _journey(make_settings())


@pytest.mark.postgres
def test_new_user_journey_on_postgres(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    _journey(make_settings(core_database_url=postgres_database))
