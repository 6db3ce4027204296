"""The mails' links in headless Chromium, against repti-core served over a real socket at its
public URL: a new user registers, opens the verification link from the mail outbox, confirms
and sees it confirmed; then resets the password through the reset mail's link (a common one is
refused with the reason first) and logs in with the new one over the API. The pages run no
script: the browser is driven over DevTools (issue 18)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from identity_testkit import OTHER_PASSWORD, STRONG_PASSWORD, fast_identity, mail_link

from chromium import Browser, require_chromium
from platform_process import free_port
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app
from reptidex.services.kernel.settings import Settings
from threaded_server import served

pytestmark = pytest.mark.slow


def test_confirm_and_reset_through_the_mails_links_in_chromium(
    make_settings: Callable[..., Settings],
) -> None:
    require_chromium()
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    settings = make_settings(public_url=public_url)
    upgrade("core", settings.database_url("core"))
    outbox = settings.data_dir
    with served(create_app(settings, identity=fast_identity()), port) as core_url, Browser() as browser:  # fmt: skip
        assert core_url == public_url
        credentials = {"email": "ann@example.org", "password": STRONG_PASSWORD}
        assert httpx.post(f"{core_url}/auth/register", json=credentials).status_code == 202

        link = mail_link(outbox, "verify_email", "ann@example.org")
        assert link.startswith(f"{public_url}/account/verify-email?token=")
        browser.open(link)
        assert browser.status == 200
        assert "Confirm your email address" in browser.text
        assert httpx.post(f"{core_url}/auth/login", json=credentials).status_code == 403
        browser.click("#confirm-button")
        assert browser.path == "/account/verify-email"  # the token left the address bar
        assert browser.status == 200
        assert "Email address confirmed" in browser.text
        assert "ann@example.org is confirmed" in browser.text
        assert httpx.post(f"{core_url}/auth/login", json=credentials).status_code == 200

        asked = httpx.post(
            f"{core_url}/auth/password/reset-request", json={"email": "ann@example.org"}
        )
        assert asked.status_code == 202
        link = mail_link(outbox, "reset_password", "ann@example.org")
        assert link.startswith(f"{public_url}/account/reset-password?token=")
        browser.open(link)
        assert "Choose a new password" in browser.text
        browser.fill("#new-password", "password1234")
        browser.fill("#new-password-again", "password1234")
        browser.click("#reset-button")
        assert browser.status == 422
        assert "This password is too common; choose another." in browser.text
        browser.fill("#new-password", OTHER_PASSWORD)
        browser.fill("#new-password-again", OTHER_PASSWORD)
        browser.click("#reset-button")
        assert browser.status == 200
        assert "Your new password is set" in browser.text

        renewed = {"email": "ann@example.org", "password": OTHER_PASSWORD}
        answer = httpx.post(f"{core_url}/auth/login", json=renewed)
        assert answer.status_code == 200, answer.text
        assert answer.json()["access_token"]
        assert httpx.post(f"{core_url}/auth/login", json=credentials).status_code == 401
