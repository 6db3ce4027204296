"""A mail server that is away never turns a committed change into a 500."""

from __future__ import annotations

import socket
from collections.abc import Callable

import structlog
from identity_testkit import STRONG_PASSWORD, fast_identity
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app
from reptidex.services.kernel.settings import Settings


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_registration_stands_when_the_mail_server_is_down(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(smtp_url=f"smtp://127.0.0.1:{closed_port()}", http_timeout="1")
    upgrade("core", settings.database_url("core"))
    app = create_app(settings, identity=fast_identity(settings))
    with structlog.testing.capture_logs() as logs, TestClient(app) as client:
        response = client.post(
            "/auth/register", json={"email": "down@example.org", "password": STRONG_PASSWORD}
        )
        assert response.status_code == 202, response.text
        # The account exists: a resend is the way to a new mail, and it answers 202 too.
        response = client.post("/auth/verify-email/resend", json={"email": "down@example.org"})
        assert response.status_code == 202, response.text
    failures = [entry for entry in logs if entry["event"] == "mail delivery failed"]
    assert len(failures) == 2
    assert failures[0]["kind"] == "verify_email"
    assert "Token" not in str(failures[0])  # the log never holds the token
