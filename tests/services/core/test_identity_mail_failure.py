"""A mail server that is away never turns a committed change into a 500: the mail waits in the
queue, the failure is logged (without the token) and the send is retried."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import structlog
from identity_testkit import STRONG_PASSWORD, fast_identity
from litestar.testing import TestClient
from sqlalchemy import create_engine, text

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
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
            entry["event"] == "mail delivery failed" for entry in logs
        ):
            time.sleep(0.05)
    failure = next(entry for entry in logs if entry["event"] == "mail delivery failed")
    assert failure["kind"] == "verify_email"
    assert failure["attempts"] == 1
    assert failure["gave_up"] is False
    assert "Token" not in str(failure)  # the log never holds the token
    # The mail is still queued for the next attempt (or the next start).
    engine = create_engine(settings.database_url("core").replace("+aiosqlite", ""))
    with engine.connect() as connection:
        queued = connection.execute(text("SELECT kind, attempts FROM mail_message")).all()
    engine.dispose()
    assert queued == [("verify_email", 1)]
