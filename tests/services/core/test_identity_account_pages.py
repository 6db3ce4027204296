"""The pages the identity mails link to, with the Litestar test client: a GET shows what will
happen and a form and changes nothing; the POST completes the action through the use cases;
a second POST says the link is used; a bad token says invalid; a weak or mistyped new password
is refused with the reason (issue 18)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from identity_testkit import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    bearer,
    fast_identity,
    login,
    mail_body,
    mail_link,
    mail_token,
    register_and_verify,
)
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.identity import IdentityPolicy, Limit
from reptidex.services.core.app import create_app
from reptidex.services.core.identity.account_pages import SECURITY_HEADERS
from reptidex.services.kernel.settings import Settings

PUBLIC = "https://reptidex.example"
USED = "This link is invalid, already used or expired; ask for a new one."


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    settings = make_settings(public_url=PUBLIC)
    upgrade("core", settings.database_url("core"))
    return settings


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Litestar]]:
    policy = IdentityPolicy(login_failures_per_account=Limit(attempts=3, window=3600))
    with TestClient(create_app(settings, identity=fast_identity(policy=policy))) as client:
        yield client


def link_path(data_dir: Path, kind: str, to: str) -> str:
    """The path and query of the link in the newest ``kind`` mail to ``to`` (under the
    public URL)."""
    link = mail_link(data_dir, kind, to)
    assert link.startswith(f"{PUBLIC}/account/"), link
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def text_of(response: httpx.Response) -> str:
    """What a person reads on the page (tags dropped, entities decoded)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def hidden_token(response: httpx.Response) -> str:
    match = re.search(r'name="token" value="([^"]*)"', response.text)
    assert match is not None, response.text
    return match.group(1)


def assert_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "<script" not in response.text
    assert "set-cookie" not in response.headers


def test_confirming_the_address_from_the_mail(
    client: TestClient[Litestar], settings: Settings
) -> None:
    assert client.post("/auth/register", json={"email": "ann@example.org", "password": STRONG_PASSWORD}).status_code == 202  # fmt: skip
    link = link_path(settings.data_dir, "verify_email", "ann@example.org")
    assert link.startswith("/account/verify-email?token=")

    shown = client.get(link)
    assert_page(shown, 200)
    assert "Confirm my email address" in text_of(shown)
    token = hidden_token(shown)
    assert token == mail_token(settings.data_dir, "verify_email", "ann@example.org")
    assert 'action="/account/verify-email"' in shown.text  # the token is not in the form's URL
    # The GET changed nothing (a mail scanner fetching the link confirms nothing).
    assert client.post("/auth/login", json={"email": "ann@example.org", "password": STRONG_PASSWORD}).status_code == 403  # fmt: skip

    done = client.post("/account/verify-email", data={"token": token})
    assert_page(done, 200)
    assert "ann@example.org is confirmed" in text_of(done)
    login(client, "ann@example.org")

    again = client.post("/account/verify-email", data={"token": token})
    assert_page(again, 404)
    assert USED in text_of(again)


@pytest.mark.parametrize(
    "path",
    ["/account/verify-email", "/account/reset-password", "/account/unlock", "/account/invitation"],
)
@pytest.mark.parametrize("token", ["", "short", "has spaces but is long enough", "x" * 129])
def test_a_broken_link_says_invalid(client: TestClient[Litestar], path: str, token: str) -> None:
    shown = client.get(path, params={"token": token} if token else None)
    assert_page(shown, 404)
    assert "invalid" in text_of(shown)
    assert "<form" not in shown.text
    posted = client.post(path, data={"token": token})
    assert_page(posted, 404)
    assert "invalid" in text_of(posted)


@pytest.mark.parametrize(
    "path",
    ["/account/verify-email", "/account/reset-password", "/account/unlock", "/account/invitation"],
)
def test_an_unknown_token_says_invalid(client: TestClient[Litestar], path: str) -> None:
    posted = client.post(
        path, data={"token": "k" * 43, "new_password": OTHER_PASSWORD,
                    "new_password_again": OTHER_PASSWORD, "email": "ann@example.org",
                    "password": STRONG_PASSWORD},
    )  # fmt: skip
    assert_page(posted, 404)
    assert "invalid" in text_of(posted)


def test_a_field_too_long_is_a_page_not_a_problem(client: TestClient[Litestar]) -> None:
    refused = client.post("/account/verify-email", data={"token": "k" * 600})
    assert_page(refused, 400)
    assert "cannot be handled" in text_of(refused)


def test_resetting_the_password_from_the_mail(
    client: TestClient[Litestar], settings: Settings
) -> None:
    register_and_verify(client, settings.data_dir, "ann@example.org")
    session = login(client, "ann@example.org")
    requested = client.post("/auth/password/reset-request", json={"email": "ann@example.org"})
    assert requested.status_code == 202
    link = link_path(settings.data_dir, "reset_password", "ann@example.org")
    assert link.startswith("/account/reset-password?token=")

    shown = client.get(link)
    assert_page(shown, 200)
    assert 'type="password"' in shown.text
    token = hidden_token(shown)

    def reset(new: str, again: str) -> httpx.Response:
        return client.post(
            "/account/reset-password",
            data={"token": token, "new_password": new, "new_password_again": again},
        )

    differ = reset(OTHER_PASSWORD, OTHER_PASSWORD + "!")
    assert_page(differ, 422)
    assert "The two passwords differ" in text_of(differ)
    assert hidden_token(differ) == token  # try again on the same page
    weak = reset("password123", "password123")
    assert_page(weak, 422)
    assert "too short" in text_of(weak) or "too common" in text_of(weak)
    assert hidden_token(weak) == token
    common = reset("password1234", "password1234")
    assert_page(common, 422)
    assert "This password is too common; choose another." in text_of(common)

    done = reset(OTHER_PASSWORD, OTHER_PASSWORD)
    assert_page(done, 200)
    assert "Your new password is set" in text_of(done)
    login(client, "ann@example.org", OTHER_PASSWORD)
    old = client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert old.status_code == 401  # the reset ended every session

    again = reset(STRONG_PASSWORD, STRONG_PASSWORD)
    assert_page(again, 404)
    assert USED in text_of(again)
    login(client, "ann@example.org", OTHER_PASSWORD)


def test_unlocking_logging_in_from_the_mail(
    client: TestClient[Litestar], settings: Settings
) -> None:
    register_and_verify(client, settings.data_dir, "ann@example.org")
    wrong = {"email": "ann@example.org", "password": OTHER_PASSWORD}
    for _ in range(3):
        assert client.post("/auth/login", json=wrong).status_code in (401, 429)
    locked = client.post("/auth/login", json={"email": "ann@example.org", "password": STRONG_PASSWORD})  # fmt: skip
    assert locked.status_code == 429  # the ceiling, from an address never logged in from
    link = link_path(settings.data_dir, "unlock_account", "ann@example.org")
    assert link.startswith("/account/unlock?token=")

    shown = client.get(link)
    assert_page(shown, 200)
    assert "Unlock my account" in text_of(shown)
    token = hidden_token(shown)
    assert client.post("/auth/login", json={"email": "ann@example.org", "password": STRONG_PASSWORD}).status_code == 429  # fmt: skip

    done = client.post("/account/unlock", data={"token": token})
    assert_page(done, 200)
    assert "Logging in works again" in text_of(done)
    login(client, "ann@example.org")
    again = client.post("/account/unlock", data={"token": token})
    assert_page(again, 404)
    assert USED in text_of(again)


def _invite(client: TestClient[Litestar], settings: Settings, email: str) -> tuple[str, Any]:
    owner = bearer(login(client, "ann@example.org")["access_token"])
    org = client.post("/orgs", json={"name": "Scales & Tails"}, headers=owner).json()["id"]
    invited = client.post(f"/orgs/{org}/invitations", json={"email": email}, headers=owner)
    assert invited.status_code == 201, invited.text
    return link_path(settings.data_dir, "invitation", email), org


def test_accepting_an_invitation_from_the_mail(
    client: TestClient[Litestar], settings: Settings
) -> None:
    register_and_verify(client, settings.data_dir, "ann@example.org")
    register_and_verify(client, settings.data_dir, "bob@example.org")
    register_and_verify(client, settings.data_dir, "eve@example.org")
    link, org = _invite(client, settings, "bob@example.org")
    assert link.startswith("/account/invitation?token=")

    shown = client.get(link)
    assert_page(shown, 200)
    page = text_of(shown)
    assert "bob@example.org is invited to join Scales & Tails as member" in page
    assert "Scales &amp; Tails" in shown.text  # escaped
    token = hidden_token(shown)

    def accept(email: str, password: str) -> httpx.Response:
        return client.post(
            "/account/invitation", data={"token": token, "email": email, "password": password}
        )

    # A wrong password and an address without an account read alike.
    wrong = accept("bob@example.org", OTHER_PASSWORD)
    nobody = accept("nobody@example.org", OTHER_PASSWORD)
    for refused in (wrong, nobody):
        assert_page(refused, 401)
        assert "The email address or the password is wrong." in text_of(refused)
        assert "register with it first" in text_of(refused)
        assert hidden_token(refused) == token
    typed = re.compile(r'id="email" value="[^"]*"')
    assert typed.sub("", wrong.text) == typed.sub("", nobody.text)  # only the typed address

    other = accept("eve@example.org", STRONG_PASSWORD)
    assert_page(other, 403)
    assert "sent to another email address" in text_of(other)

    done = accept("bob@example.org", STRONG_PASSWORD)
    assert_page(done, 200)
    assert "You joined Scales & Tails as member" in text_of(done)
    bob = login(client, "bob@example.org")
    orgs = client.get("/orgs", headers=bearer(bob["access_token"])).json()
    assert [o["id"] for o in orgs] == [org]

    again = accept("bob@example.org", STRONG_PASSWORD)
    assert_page(again, 404)
    assert "invalid, already used" in text_of(again)
    assert_page(client.get(link), 404)


def test_the_pages_are_not_in_the_openapi_document(client: TestClient[Litestar]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/account")]


def test_links_default_to_cores_url(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(core_url="http://core.internal:8001")
    upgrade("core", settings.database_url("core"))
    with TestClient(create_app(settings, identity=fast_identity())) as client:
        body = {"email": "ann@example.org", "password": STRONG_PASSWORD}
        assert client.post("/auth/register", json=body).status_code == 202
        mail_token(settings.data_dir, "verify_email", "ann@example.org")
        (mail,) = (settings.data_dir / "mail-outbox").glob("*-verify_email-*.eml")
        assert "\nhttp://core.internal:8001/account/verify-email?token=" in mail_body(mail)


def test_the_pages_never_log_the_token(
    make_settings: Callable[..., Settings], captured_log: io.StringIO
) -> None:
    settings = make_settings(public_url=PUBLIC)
    upgrade("core", settings.database_url("core"))
    with TestClient(create_app(settings, identity=fast_identity())) as client:
        register = {"email": "ann@example.org", "password": STRONG_PASSWORD}
        assert client.post("/auth/register", json=register).status_code == 202
        link = link_path(settings.data_dir, "verify_email", "ann@example.org")
        token = hidden_token(client.get(link))
        assert client.post("/account/verify-email", data={"token": token}).status_code == 200
        assert client.post("/account/verify-email", data={"token": token}).status_code == 404
        assert client.put(link).status_code == 405  # no route: logged all the same
    logged = captured_log.getvalue()
    assert logged.count("/account/verify-email") >= 4  # the four requests, their paths only
    assert token not in logged
