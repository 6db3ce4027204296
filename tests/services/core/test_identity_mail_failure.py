"""A mail server that is away never turns a committed change into a 500: the mail waits in the
queue, the send is retried (its log: test_identity_mail_queue.py), and ``/health/deep``
reports the mail as stuck once it waited longer than REPTIDEX_OUTBOX_MAX_LAG."""

from __future__ import annotations

import time
from collections.abc import Callable

from identity_testkit import STRONG_PASSWORD, fast_identity
from litestar.testing import TestClient
from sqlalchemy import create_engine, text

from platform_process import free_port as closed_port
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app
from reptidex.services.kernel.settings import Settings


def test_registration_stands_when_the_mail_server_is_down(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        smtp_url=f"smtp://127.0.0.1:{closed_port()}", http_timeout="1", outbox_max_lag="1"
    )
    upgrade("core", settings.database_url("core"))
    engine = create_engine(settings.database_url("core").replace("+aiosqlite", ""))

    def queued() -> list[tuple[str, int]]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT kind, attempts FROM mail_message")).all()
        return [(kind, attempts) for kind, attempts in rows]

    app = create_app(settings, identity=fast_identity())
    with TestClient(app) as client:
        response = client.post(
            "/auth/register", json={"email": "down@example.org", "password": STRONG_PASSWORD}
        )
        assert response.status_code == 202, response.text
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and queued() != [("verify_email", 1)]:
            time.sleep(0.05)
        # Still queued for the next attempt (or the next start), after one failed send.
        assert queued() == [("verify_email", 1)]
        time.sleep(1.2)  # older than REPTIDEX_OUTBOX_MAX_LAG: /health/deep says so
        response = client.get("/health/deep")
        assert response.status_code == 503
        mail = next(check for check in response.json()["checks"] if check["name"] == "mail")
        assert mail["status"] == "failing"
        assert "mail stuck: 1 queued" in mail["detail"], mail
    engine.dispose()


def test_deep_health_reports_an_empty_mail_queue(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("core", settings.database_url("core"))
    with TestClient(create_app(settings, identity=fast_identity())) as client:
        response = client.get("/health/deep")
    assert response.status_code == 200, response.text
    mail = next(check for check in response.json()["checks"] if check["name"] == "mail")
    assert mail["detail"] == "0 queued, oldest 0.0 s"
