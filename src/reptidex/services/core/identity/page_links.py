"""The addresses of repti-core's account pages, and the links the identity mails carry to them
(:class:`~reptidex.domain.identity.ports.ActionLinks`, under ``REPTIDEX_PUBLIC_URL``)."""

from __future__ import annotations

from urllib.parse import urlencode

ACCOUNT = "/account"
VERIFY_EMAIL = f"{ACCOUNT}/verify-email"
RESET_PASSWORD = f"{ACCOUNT}/reset-password"
UNLOCK_ACCOUNT = f"{ACCOUNT}/unlock"
ACCEPT_INVITATION = f"{ACCOUNT}/invitation"


class AccountPageLinks:
    """Links to the account pages under ``base`` (where people reach the platform), with the
    one-time token in the query string; the page carries it on in its form."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def _link(self, path: str, token: str) -> str:
        return f"{self.base}{path}?{urlencode({'token': token})}"

    def verify_email(self, token: str) -> str:
        """The page that confirms an email address."""
        return self._link(VERIFY_EMAIL, token)

    def reset_password(self, token: str) -> str:
        """The page that sets a new password."""
        return self._link(RESET_PASSWORD, token)

    def unlock_account(self, token: str) -> str:
        """The page that lifts the account's ceiling of failed logins."""
        return self._link(UNLOCK_ACCOUNT, token)

    def accept_invitation(self, token: str) -> str:
        """The page that accepts an invitation."""
        return self._link(ACCEPT_INVITATION, token)
