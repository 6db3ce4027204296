"""Rate-limit keys use the client address: X-Forwarded-For only from REPTIDEX_TRUSTED_PROXIES."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from identity_testkit import STRONG_PASSWORD, fast_identity

from reptidex.adapters.identity.rate_limit import MemoryRateLimiter
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app
from reptidex.services.kernel.client_address import forwarded_client, parse_networks
from reptidex.services.kernel.settings import Settings, SettingsError


class RecordingLimiter(MemoryRateLimiter):
    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        self.keys.append(key)
        return await super().hit(key, limit, window)


async def _register_from(settings: Settings, peer: str, forwarded: str | None) -> list[str]:
    upgrade("core", settings.database_url("core"))
    limiter = RecordingLimiter()
    app = create_app(settings, identity=fast_identity(settings, rate_limiter=limiter))
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))  # type: ignore[arg-type]  # Litestar types ASGI more narrowly than httpx
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.post(
            "/auth/register",
            json={"email": "proxied@example.org", "password": STRONG_PASSWORD},
            headers=headers,
        )
        assert response.status_code == 202, response.text
    return [key for key in limiter.keys if key.startswith("register:address:")]


async def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(trusted_proxies="10.0.0.0/8, 192.0.2.10")
    keys = await _register_from(settings, "10.1.2.3", "6.6.6.6, 203.0.113.7, 192.0.2.10")
    assert keys == ["register:address:203.0.113.7"]


async def test_forwarded_headers_from_anyone_else_are_ignored(
    make_settings: Callable[..., Settings],
) -> None:
    untrusted = make_settings(trusted_proxies="10.0.0.0/8")
    assert await _register_from(untrusted, "198.51.100.9", "203.0.113.7") == [
        "register:address:198.51.100.9"
    ]


async def test_without_the_setting_the_header_is_never_believed(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    assert settings.trusted_proxies == ()
    assert make_settings(trusted_proxies="10.1.0.0/16, ::1").trusted_proxies == (
        "10.1.0.0/16",
        "::1/128",
    )
    assert await _register_from(settings, "10.1.2.3", "203.0.113.7") == [
        "register:address:10.1.2.3"
    ]


def test_forwarded_chain_rules() -> None:
    trusted = parse_networks("10.0.0.0/8, ::1")
    assert forwarded_client("::1", ["10.0.0.2, 10.0.0.3"], trusted) == "10.0.0.2"
    assert forwarded_client("10.0.0.1", ["not-an-ip, 10.0.0.3"], trusted) == "10.0.0.3"
    assert forwarded_client("10.0.0.1", [], trusted) == "10.0.0.1"
    assert forwarded_client("10.0.0.1", ["203.0.113.1", "10.0.0.4"], trusted) == "203.0.113.1"


def test_a_bad_proxy_list_stops_the_start(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(SettingsError, match="REPTIDEX_TRUSTED_PROXIES"):
        make_settings(trusted_proxies="10.0.0.0/8, proxy.internal")
