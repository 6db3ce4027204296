"""Each mail that carries a one-time token also carries a link, under the public URL, to the
page that completes its action; the ``Token:`` line stays for programs (issue 18)."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from identity_testkit import PUBLIC_URL, STRONG_PASSWORD, FakeIdentity, fake_identity, token_in

from reptidex.domain.errors import NotAuthenticated
from reptidex.domain.identity import IdentityPolicy, Limit, Role
from reptidex.domain.identity.ports import MailMessage
from reptidex.services.core.identity.page_links import AccountPageLinks

ADDRESS = "198.51.100.8"


def last_mail(identity: FakeIdentity, kind: str) -> MailMessage:
    return next(m for m in reversed(identity.notifier.sent) if m.kind == kind)


def link_in(message: MailMessage) -> str:
    (link,) = [line for line in message.body.splitlines() if line.startswith(PUBLIC_URL)]
    return link


def assert_links_to(message: MailMessage, path: str) -> None:
    link = urlsplit(link_in(message))
    assert f"{link.scheme}://{link.netloc}" == PUBLIC_URL
    assert link.path == path
    assert parse_qs(link.query) == {"token": [token_in(message.body)]}


async def verified(identity: FakeIdentity, email: str) -> uuid.UUID:
    await identity.accounts.register(email, STRONG_PASSWORD, address=ADDRESS)
    await identity.accounts.verify_email(identity.notifier.last_token("verify_email", email))
    return next(u.id for u in identity.store.users.values() if u.email.value == email)


async def test_the_verification_mail_links_to_its_page() -> None:
    identity = fake_identity()
    await identity.accounts.register("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    assert_links_to(last_mail(identity, "verify_email"), "/account/verify-email")
    await identity.accounts.resend_verification("ann@example.org", address=ADDRESS)
    resent = last_mail(identity, "verify_email")
    assert_links_to(resent, "/account/verify-email")
    assert "POST /auth/verify-email" in resent.body  # programs still get told


async def test_the_reset_mail_links_to_its_page() -> None:
    identity = fake_identity()
    await verified(identity, "ann@example.org")
    await identity.accounts.request_password_reset("ann@example.org", address=ADDRESS)
    assert_links_to(last_mail(identity, "reset_password"), "/account/reset-password")


async def test_the_unlock_mail_links_to_its_page() -> None:
    identity = fake_identity(
        IdentityPolicy(login_failures_per_account=Limit(attempts=2, window=600))
    )
    await verified(identity, "ann@example.org")
    for address in ("198.51.100.1", "198.51.100.2"):
        with pytest.raises(NotAuthenticated):
            await identity.sessions.login("ann@example.org", "not-the-password", address=address)
    assert_links_to(last_mail(identity, "unlock_account"), "/account/unlock")


async def test_the_invitation_mail_links_to_its_page() -> None:
    identity = fake_identity()
    owner = await verified(identity, "ann@example.org")
    org = await identity.organisations.create(owner, "Scales")
    await identity.organisations.invite(owner, org.id, "bob@example.org", Role.MEMBER)
    assert_links_to(last_mail(identity, "invitation"), "/account/invitation")


async def test_the_already_registered_mail_carries_no_token_and_no_link() -> None:
    identity = fake_identity()
    await verified(identity, "ann@example.org")
    await identity.accounts.register("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    body = last_mail(identity, "already_registered").body
    assert PUBLIC_URL not in body
    assert "Token:" not in body


@pytest.mark.parametrize("base", ["https://reptidex.example", "https://reptidex.example/"])
def test_links_escape_the_token_and_join_the_base_once(base: str) -> None:
    link = AccountPageLinks(base).reset_password("a+b/c=")
    assert link == "https://reptidex.example/account/reset-password?token=a%2Bb%2Fc%3D"
