"""The kernel's JWKS cache and service-token client, with HTTP served by httpx mock transports;
and the local mail outbox folder (SMTP against a real server: test_identity_mail_smtp.py)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reptidex.adapters.identity.mail import MailOutboxNotifier
from reptidex.adapters.identity.tokens import JwksKeySource, public_jwk
from reptidex.domain.identity import Email
from reptidex.domain.identity.ports import MailMessage
from reptidex.services.kernel.auth import ServiceTokenClient, service_secret
from reptidex.services.kernel.settings import SettingsError, load_settings


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _jwks_server(keys: list[dict[str, str]], calls: list[str]) -> httpx.AsyncClient:
    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(200, json={"keys": list(keys)})

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


async def test_jwks_is_cached_and_refetched_for_a_new_kid_at_most_every_interval() -> None:
    first = public_jwk(Ed25519PrivateKey.generate().public_key())
    second = public_jwk(Ed25519PrivateKey.generate().public_key())
    keys, ticker = [first], Ticker()
    calls: list[str] = []
    source = JwksKeySource(
        "http://core/.well-known/jwks.json",
        client=_jwks_server(keys, calls),
        min_interval=5,
        max_age=600,
        monotonic=ticker,
    )
    assert await source.public_key(first["kid"]) is not None
    assert await source.public_key(first["kid"]) is not None
    assert len(calls) == 1  # cached

    keys.append(second)  # core rotated
    ticker.now += 1
    assert await source.public_key(second["kid"]) is None  # too soon to ask again
    assert await source.public_key("made-up") is None
    assert len(calls) == 1  # made-up kids cannot flood core
    ticker.now += 5
    assert await source.public_key(second["kid"]) is not None
    assert len(calls) == 2

    ticker.now += 601  # too old: refreshed even for a known kid
    await source.public_key(first["kid"])
    assert len(calls) == 3


async def test_jwks_keeps_the_last_good_set_when_core_is_down() -> None:
    key = public_jwk(Ed25519PrivateKey.generate().public_key())
    ticker, up = Ticker(), [True]

    def handle(request: httpx.Request) -> httpx.Response:
        if not up[0]:
            raise httpx.ConnectError("core is down")
        return httpx.Response(200, json={"keys": [key, {"kty": "RSA", "kid": "rsa"}]})

    source = JwksKeySource(
        "http://core/jwks",
        client=httpx.AsyncClient(transport=httpx.MockTransport(handle)),
        max_age=10,
        monotonic=ticker,
    )
    assert await source.public_key(key["kid"]) is not None
    assert await source.public_key("rsa") is None  # only Ed25519 keys are taken
    up[0] = False
    ticker.now += 60
    assert await source.public_key(key["kid"]) is not None


async def test_service_token_client_caches_until_near_expiry(tmp_path: Path) -> None:
    settings = load_settings({"REPTIDEX_DATA_DIR": str(tmp_path)})
    secret = service_secret(settings, "animal")
    assert secret == service_secret(settings, "animal")
    assert secret != service_secret(settings, "media")
    explicit = load_settings(
        {"REPTIDEX_DATA_DIR": str(tmp_path), "REPTIDEX_ANIMAL_SERVICE_SECRET": "s" * 20}
    )
    assert service_secret(explicit, "animal") == "s" * 20

    issued: list[dict[str, str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        issued.append(json.loads(request.content))
        return httpx.Response(200, json={"access_token": f"t{len(issued)}", "expires_in": 900})

    ticker = Ticker()
    client = ServiceTokenClient(
        "animal",
        str(secret),
        "http://core",
        client=httpx.AsyncClient(transport=httpx.MockTransport(handle)),
        clock=ticker,
    )
    assert await client.headers() == {"Authorization": "Bearer t1"}
    ticker.now += 800
    assert await client.token() == "t1"
    ticker.now += 60
    assert await client.token() == "t2"
    assert issued[0] == {"service": "animal", "secret": secret}


def _message() -> MailMessage:
    return MailMessage(
        to=Email.parse("ann@example.org"),
        subject="Confirm your ReptiDex email address",
        body="Token: abc\n",
        kind="verify_email",
    )


async def test_mail_outbox_folder(tmp_path: Path) -> None:
    notifier = MailOutboxNotifier(tmp_path / "mail-outbox")
    await notifier.send(_message())
    (path,) = (tmp_path / "mail-outbox").glob("*-verify_email-*.eml")
    parsed = email.message_from_bytes(path.read_bytes())
    assert parsed["To"] == "ann@example.org"
    assert parsed["X-ReptiDex-Kind"] == "verify_email"
    assert "Token: abc" in parsed.get_payload()


async def test_the_outbox_shows_a_long_link_whole_on_one_line(tmp_path: Path) -> None:
    link = "http://127.0.0.1:8001/account/verify-email?token=" + "x" * 120
    notifier = MailOutboxNotifier(tmp_path / "mail-outbox")
    await notifier.send(
        MailMessage(
            to=Email.parse("ann@example.org"),
            subject="Confirm your ReptiDex email address",
            body=f"Open {link}\nMerci, Schöne Grüße.\n",
            kind="verify_email",
        )
    )
    (path,) = (tmp_path / "mail-outbox").glob("*-verify_email-*.eml")
    lines = path.read_text("utf-8").splitlines()
    assert f"Open {link}" in lines
    assert "Merci, Schöne Grüße." in lines
    assert (
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)[
            "Content-Transfer-Encoding"
        ]
        == "8bit"
    )


def test_smtp_url_is_checked() -> None:
    with pytest.raises(SettingsError, match="REPTIDEX_SMTP_URL"):
        load_settings({"REPTIDEX_SMTP_URL": "http://mail.example.org"})
    with pytest.raises(SettingsError, match="SERVICE_SECRET"):
        load_settings({"REPTIDEX_MEDIA_SERVICE_SECRET": "short"})
    settings = load_settings({"REPTIDEX_ACCESS_TOKEN_TTL": "300"})
    assert dt.timedelta(seconds=settings.access_token_ttl) == dt.timedelta(minutes=5)
