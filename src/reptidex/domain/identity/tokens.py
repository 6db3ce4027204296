"""What a signed access token says, and the opaque secrets (refresh, mail tokens) we hand out."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from reptidex.domain.identity.model import Role

SERVICE_SUBJECT_PREFIX = "service:"
"""Subjects of service tokens are ``service:<name>``; user subjects are the user's UUID."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The claims of one access token, before signing or after verification."""

    subject: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    token_id: str
    organisation_id: uuid.UUID | None = None
    role: Role | None = None
    session_id: uuid.UUID | None = None
    platform_admin: bool = False
    """The user runs the platform (manages feature flags); never set for services."""

    @property
    def service(self) -> str | None:
        """The calling service's name when this is a service token."""
        if self.subject.startswith(SERVICE_SUBJECT_PREFIX):
            return self.subject[len(SERVICE_SUBJECT_PREFIX) :]
        return None

    @property
    def user_id(self) -> uuid.UUID | None:
        """The user's id when this is a user token."""
        if self.service is not None:
            return None
        try:
            return uuid.UUID(self.subject)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a login, refresh or switch returns."""

    access_token: str
    access_expires_at: dt.datetime
    refresh_token: str
    refresh_expires_at: dt.datetime
    session_id: uuid.UUID
    user_id: uuid.UUID
    organisation_id: uuid.UUID | None
    role: Role | None


def new_secret() -> str:
    """A fresh unguessable token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The stored form of a token: SHA-256, hex.

    A fast hash is right here (unlike passwords): the secret already has 256 bits of entropy.

    >>> len(digest("abc"))
    64
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_token_id() -> str:
    """A ``jti`` for an access token."""
    return uuid.uuid4().hex
