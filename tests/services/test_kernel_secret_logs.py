"""Secrets never reach the log: errors provoked on every service, the captured log scanned for
every secret the test used (passwords, tokens, hashes, keys, URL passwords, the settings)."""

from __future__ import annotations

import email
import email.policy
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, Request, post
from litestar.params import JSONBody
from litestar.testing import TestClient

from reptidex.adapters.identity.mail import MailOutboxNotifier
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.identity.model import Email
from reptidex.domain.identity.ports import MailMessage
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.redaction import redact, redact_text
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES

STRIPE_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_Kx93hdf83hdkKD92kdLs"
SIGNING_SECRET = "signing-Secret-Value-8e1f"
SERVICE_SECRET = "service-Secret-Value-77af0c"
PASSWORD = "Hunter2-Plaintext-Passw0rd"
DB_PASSWORD = "Db-Passw0rd-9f3e"
TOKEN = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz"
ARGON2_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

SECRETS = (
    STRIPE_KEY,
    WEBHOOK_SECRET,
    SIGNING_SECRET,
    SERVICE_SECRET,
    PASSWORD,
    DB_PASSWORD,
    TOKEN,
    ARGON2_HASH,
)


@pytest.fixture
def secret_settings(make_settings: Callable[..., Settings]) -> Settings:
    """Settings holding every kind of secret the platform knows."""
    return make_settings(
        stripe_secret_key=STRIPE_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        signing_key_secret=SIGNING_SECRET,
        smtp_url=f"smtp://mailer:{DB_PASSWORD}@127.0.0.1:2525",
        **{f"{name}_service_secret": SERVICE_SECRET for name in APP_FACTORIES},
    )


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"secrets in the log: {leaked}"


@post("/test-failure", status_code=200)
async def failing_handler(request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]]) -> None:
    """Fails with secrets in its locals and its message, as a library error would."""
    settings = kernel_of(request.app).settings
    password = data["password"]
    password_hash = ARGON2_HASH
    authorization = request.headers.get("authorization")
    dsn = f"postgresql://app:{DB_PASSWORD}@db.internal:5432/repti_db"
    assert settings
    assert password
    assert password_hash
    assert authorization
    raise RuntimeError(f"cannot connect to {dsn} for {authorization} ({password_hash})")


@pytest.mark.parametrize("service", sorted(APP_FACTORIES))
def test_an_unhandled_error_logs_no_secret(
    service: str, secret_settings: Settings, captured_log: io.StringIO
) -> None:
    upgrade(service, secret_settings.database_url(service))
    app: Litestar = APP_FACTORIES[service](secret_settings)
    app.register(failing_handler)
    with TestClient(app) as client:
        response = client.post(
            "/test-failure",
            json={"password": PASSWORD},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 500
    text = captured_log.getvalue()
    assert "unhandled error" in text
    assert "RuntimeError" in text
    assert "db.internal" in text  # the message is there, its secrets masked
    assert_no_secret(text)


@pytest.mark.postgres
def test_a_nul_character_at_registration_logs_no_secret(
    make_settings: Callable[..., Settings], postgres_database: str, captured_log: io.StringIO
) -> None:
    # The reported attack: a NUL that PostgreSQL refuses, under a database URL with a password.
    with_password = postgres_database.replace("://postgres@", f"://postgres:{DB_PASSWORD}@", 1)
    settings = make_settings(core_database_url=with_password, stripe_secret_key=STRIPE_KEY)
    upgrade("core", settings.database_url("core"))
    with TestClient(APP_FACTORIES["core"](settings)) as client:
        response = client.post(
            "/auth/register",
            json={"email": "ann@example.com", "password": PASSWORD, "display_name": "A\u0000n"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 400, response.text  # refused before the database sees it
    assert_no_secret(captured_log.getvalue())


def test_settings_repr_hides_secrets(secret_settings: Settings) -> None:
    shown = repr(secret_settings)
    assert "stripe_secret_key='<hidden>'" in shown
    assert_no_secret(shown)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Authorization: Bearer {TOKEN}", TOKEN),
        (f"token={TOKEN}", TOKEN),
        (f"hash {ARGON2_HASH} mismatch", ARGON2_HASH),
        (f"redis://:{DB_PASSWORD}@cache:6379/0", DB_PASSWORD),
        (f"key {STRIPE_KEY} invalid", STRIPE_KEY),
        (f"whsec {WEBHOOK_SECRET}", WEBHOOK_SECRET),
    ],
)
def test_secret_looking_text_is_masked(text: str, secret: str) -> None:
    assert secret not in redact_text(text)


def test_secret_named_fields_are_hidden_at_any_depth() -> None:
    found = redact({"request": {"headers": [{"cookie": "session=abc"}], "password": "x"}})
    assert found == {"request": {"headers": [{"cookie": "<hidden>"}], "password": "<hidden>"}}


async def test_local_mail_is_logged_without_its_one_time_token(
    tmp_path: Path, captured_log: io.StringIO
) -> None:
    one_time = "verify-3f9a1c7e2b6d4a8f9e0c1b2a3d4e5f60"
    message = MailMessage(
        Email.parse("ann@example.com"),
        "Confirm your email",
        f"Open http://127.0.0.1:8001/auth/verify?token={one_time}",
        "verify_email",
    )
    await MailOutboxNotifier(tmp_path / "mail-outbox").send(message)
    written = list((tmp_path / "mail-outbox").glob("*.eml"))
    assert len(written) == 1
    mail = email.message_from_bytes(written[0].read_bytes(), policy=email.policy.default)
    assert one_time in mail.get_content()
    assert written[0].name in captured_log.getvalue()
    assert one_time not in captured_log.getvalue()
