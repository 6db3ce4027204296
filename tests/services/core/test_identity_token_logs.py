"""One-time tokens never reach the log: every flow that mails one (email verification, password
reset, invitation, unlock) run over HTTP with the log captured; the mail outbox holds them."""

from __future__ import annotations

import io
from collections.abc import Callable
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
)
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.identity import IdentityPolicy, Limit
from reptidex.services.core.app import create_app
from reptidex.services.kernel.request_context import loggable_path
from reptidex.services.kernel.settings import Settings


def _outbox_text(data_dir: Path) -> str:
    return "".join(path.read_text("utf-8") for path in (data_dir / "mail-outbox").glob("*.eml"))


def test_one_time_tokens_are_never_logged(
    make_settings: Callable[..., Settings], captured_log: io.StringIO
) -> None:
    settings = make_settings()
    upgrade("core", settings.database_url("core"))
    policy = IdentityPolicy(login_failures_per_account=Limit(attempts=3, window=3600))
    data_dir = settings.data_dir
    tokens: dict[str, str] = {}
    with TestClient(create_app(settings, identity=fast_identity(policy=policy))) as client:
        for email in ("ann@example.org", "bob@example.org"):
            body = {"email": email, "password": STRONG_PASSWORD}
            assert client.post("/auth/register", json=body).status_code == 202
            tokens[f"verify {email}"] = token = mail_token(data_dir, "verify_email", email)
            assert client.post("/auth/verify-email", json={"token": token}).status_code == 200

        requested = client.post("/auth/password/reset-request", json={"email": "ann@example.org"})
        assert requested.status_code == 202, requested.text
        tokens["reset"] = token = mail_token(data_dir, "reset_password", "ann@example.org")
        reset = client.post(
            "/auth/password/reset", json={"token": token, "new_password": OTHER_PASSWORD}
        )
        assert reset.is_success, reset.text

        owner = bearer(login(client, "ann@example.org", OTHER_PASSWORD)["access_token"])
        org_id = client.post("/orgs", json={"name": "Scales"}, headers=owner).json()["id"]
        invited = client.post(
            f"/orgs/{org_id}/invitations", json={"email": "bob@example.org"}, headers=owner
        )
        assert invited.status_code == 201, invited.text
        tokens["invitation"] = token = mail_token(data_dir, "invitation", "bob@example.org")
        bob = bearer(login(client, "bob@example.org")["access_token"])
        assert client.post(f"/invitations/{token}/accept", headers=bob).status_code == 200
        # A second try answers 409 or 404, a wrong method 405: logged as well.
        assert client.post(f"/invitations/{token}/accept", headers=bob).status_code >= 400
        assert client.get(f"/invitations/{token}/accept", headers=bob).status_code == 405

        wrong = {"email": "bob@example.org", "password": OTHER_PASSWORD}
        for _ in range(3):
            assert client.post("/auth/login", json=wrong).status_code in (401, 429)
        tokens["unlock"] = token = mail_token(data_dir, "unlock_account", "bob@example.org")
        assert client.post("/auth/unlock", json={"token": token}).status_code == 204

    logged = captured_log.getvalue()
    leaked = [name for name, token in tokens.items() if token in logged]
    assert not leaked, f"one-time tokens in the log: {leaked}"
    assert logged.count("/invitations/<hidden>/accept") == 3  # the requests were logged
    assert "mail written to the local outbox" in logged
    outbox = _outbox_text(data_dir)
    assert all(token in outbox for token in tokens.values())  # the outbox is where they are


@pytest.mark.parametrize(
    ("scope", "shown"),
    [
        (
            {
                "path": "/invitations/abc/accept",
                "path_template": "/invitations/{token}/accept",
                "path_params": {"token": "abc"},
            },
            "/invitations/<hidden>/accept",
        ),
        (
            {
                "path": "/orgs/o-1/members",
                "path_template": "/orgs/{organisation_id}/members",
                "path_params": {"organisation_id": "o-1"},
            },
            "/orgs/o-1/members",
        ),
        ({"path": f"/invitation/{'k' * 43}/accept"}, "/invitation/<hidden>/accept"),
        ({"path": "/animals/short-name"}, "/animals/short-name"),
    ],
)
def test_the_logged_path_hides_secret_segments(scope: dict[str, Any], shown: str) -> None:
    assert loggable_path(scope) == shown  # type: ignore[arg-type]  # a partial scope
