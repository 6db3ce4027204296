"""The admin dashboard in headless Chromium, against repti-core and repti-ops served over real
sockets: an administrator signs in, searches for an account and suspends it; a user who is not
an administrator gets 403. The pages run no script: the browser is driven over DevTools."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from gdpr_platform import PASSWORD

from chromium import Browser, require_chromium
from reptidex.adapters.identity.passwords import Argon2PasswordHasher
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app as create_core
from reptidex.services.core.identity.wiring import IdentityOverrides, build_identity
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.app import create_app as create_ops
from threaded_server import served

pytestmark = pytest.mark.slow

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers


def verification_token(data_dir: Path, to: str) -> str:
    """The token of the verification mail to ``to``."""
    deadline = time.monotonic() + 10
    while True:
        for path in (data_dir / "mail-outbox").glob("*-verify_email-*.eml"):
            text = path.read_text("utf-8")
            if re.search(rf"^To: {re.escape(to)}$", text, re.MULTILINE):
                match = re.search(r"^Token: (\S+)$", text, re.MULTILINE)
                assert match is not None
                return match.group(1)
        assert time.monotonic() < deadline, f"no verification mail to {to}"
        time.sleep(0.05)


def account(core_url: str, settings: Settings, email: str, name: str) -> None:
    """A verified account on the running core."""
    registered = httpx.post(
        f"{core_url}/auth/register",
        json={"email": email, "password": PASSWORD, "display_name": name},
    )
    assert registered.status_code == 202, registered.text
    token = verification_token(settings.data_dir, email)
    assert httpx.post(f"{core_url}/auth/verify-email", json={"token": token}).is_success


async def grant_admin(settings: Settings, email: str) -> None:
    """``reptidex admin grant EMAIL``."""
    engine = create_engine(settings.database_url("core"))
    try:
        await build_identity(settings, engine).accounts.set_platform_admin(email, True)
    finally:
        await engine.dispose()


def test_admin_signs_in_searches_and_suspends_in_chromium(
    make_settings: Callable[..., Settings],
) -> None:
    require_chromium()
    settings = make_settings()
    for service in ("core", "ops"):
        upgrade(service, settings.database_url(service))
    core = create_core(
        settings,
        identity=IdentityOverrides(
            hasher=Argon2PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        ),
    )
    with served(core) as core_url:
        elsewhere = {f"{s}_url": NOWHERE for s in ("animal", "commerce", "media", "community")}
        ops_settings = make_settings(core_url=core_url, health_timeout="1", **elsewhere)
        with served(create_ops(ops_settings)) as ops_url, Browser() as browser:
            account(core_url, settings, "root@example.org", "Root")
            account(core_url, settings, "sunny@example.org", "Sunny Keeper")
            account(core_url, settings, "dusk@example.org", "Dusk Keeper")
            asyncio.run(grant_admin(settings, "root@example.org"))

            browser.open(f"{ops_url}/admin/dashboard")
            assert browser.path == "/admin/dashboard/sign-in"  # anonymous: sent to sign in
            browser.fill("#email", "root@example.org")
            browser.fill("#password", PASSWORD)
            browser.click("#sign-in-button")
            assert browser.path == "/admin/dashboard"
            assert "Platform health" in browser.text
            assert "root@example.org" in browser.text

            browser.open(f"{ops_url}/admin/dashboard/users")
            browser.fill("#q", "sunny")
            browser.click("#search-button")
            assert browser.path == "/admin/dashboard/users?q=sunny"
            assert "sunny@example.org" in browser.text
            assert "dusk@example.org" not in browser.text
            row = "#users tbody tr"
            assert browser.evaluate(f"document.querySelector('{row} .state').innerText") == "active"
            browser.click(f"{row} button.suspend")
            assert "The account is suspended" in browser.text
            assert browser.evaluate(f"document.querySelector('{row} .state').innerText") == (
                "suspended"
            )
            refused = httpx.post(
                f"{core_url}/auth/login", json={"email": "sunny@example.org", "password": PASSWORD}
            )
            assert refused.status_code == 403

            browser.open(f"{ops_url}/admin/dashboard/errors?service=core")
            assert "Recent errors" in browser.text
            assert "No unhandled errors since the services started." in browser.text
            browser.open(f"{ops_url}/admin/dashboard/errors")
            assert "animal: errors not readable" in browser.text  # nowhere to be asked

            browser.click("header form button")  # sign out
            assert browser.path == "/admin/dashboard/sign-in"
            browser.fill("#email", "dusk@example.org")
            browser.fill("#password", PASSWORD)
            browser.click("#sign-in-button")
            assert browser.status == 403
            assert "not a platform administrator" in browser.text
            browser.open(f"{ops_url}/admin/dashboard/users")
            assert browser.path == "/admin/dashboard/sign-in"  # no session was given
