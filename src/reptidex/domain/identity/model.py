"""Identity's entities and value objects: people, their organisations, and how they sign in."""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from reptidex.domain.errors import InvalidInput

MAX_EMAIL_LENGTH = 254
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
_DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class Email:
    """A normalised email address: trimmed, NFC, lower case, with a dotted domain.

    The whole address is lower-cased: treating ``Ann@x.org`` and ``ann@x.org`` as two accounts
    only ever helps someone impersonate another.

    >>> Email.parse("  Ann.Keeper@Example.ORG ").value
    'ann.keeper@example.org'
    >>> Email.parse("not-an-address")
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: 'not-an-address' is not an email address
    """

    value: str

    @classmethod
    def parse(cls, raw: str, *, field_name: str = "email") -> Email:
        """Normalise and check ``raw``; raise :class:`InvalidInput` when it is not an address."""
        text = unicodedata.normalize("NFC", raw.strip()).lower()
        local, at, domain = text.rpartition("@")
        labels = domain.split(".")
        valid = (
            bool(at)
            and len(text) <= MAX_EMAIL_LENGTH
            and _LOCAL_PART.fullmatch(local) is not None
            and not local.startswith(".")
            and not local.endswith(".")
            and ".." not in local
            and len(labels) >= 2
            and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
            and not labels[-1].isdigit()
        )
        if not valid:
            message = f"{raw.strip()[:80]!r} is not an email address"
            raise InvalidInput(message, field_errors={field_name: "not an email address"})
        return cls(text)

    @property
    def local_part(self) -> str:
        """The part before the ``@``."""
        return self.value.rpartition("@")[0]

    def __str__(self) -> str:
        return self.value


class Role(enum.StrEnum):
    """A member's role in an organisation; each includes the rights of those below it."""

    VIEWER = "viewer"
    MEMBER = "member"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        """Position in viewer < member < admin < owner."""
        return _ROLE_ORDER.index(self)

    def at_least(self, other: Role) -> bool:
        """Whether this role includes ``other``'s rights.

        >>> Role.ADMIN.at_least(Role.MEMBER), Role.VIEWER.at_least(Role.MEMBER)
        (True, False)
        """
        return self.rank >= other.rank


_ROLE_ORDER = (Role.VIEWER, Role.MEMBER, Role.ADMIN, Role.OWNER)


def _new_id() -> uuid.UUID:
    return uuid.uuid4()


@dataclass(slots=True, kw_only=True)
class User:
    """A person with an account."""

    email: Email
    password_hash: str
    created_at: dt.datetime
    id: uuid.UUID = field(default_factory=_new_id)
    display_name: str | None = None
    email_verified_at: dt.datetime | None = None
    password_changed_at: dt.datetime | None = None
    platform_admin: bool = False
    """Runs the platform (feature flags, …); granted with ``reptidex admin grant EMAIL`` or by
    another platform administrator."""
    suspended_at: dt.datetime | None = None
    """When a platform administrator suspended the account (it cannot sign in meanwhile)."""

    @property
    def email_verified(self) -> bool:
        """Whether the person proved they read mail at :attr:`email`."""
        return self.email_verified_at is not None

    @property
    def suspended(self) -> bool:
        """Whether the account is suspended."""
        return self.suspended_at is not None


@dataclass(slots=True, kw_only=True)
class Organisation:
    """A breeder's business; animals, listings and files belong to one."""

    name: str
    created_by: uuid.UUID
    created_at: dt.datetime
    id: uuid.UUID = field(default_factory=_new_id)


@dataclass(frozen=True, slots=True)
class OrganisationSummary:
    """An organisation as platform administrators list it."""

    organisation: Organisation
    members: int


@dataclass(slots=True, kw_only=True)
class Membership:
    """A user's role in one organisation."""

    user_id: uuid.UUID
    organisation_id: uuid.UUID
    role: Role
    created_at: dt.datetime
    id: uuid.UUID = field(default_factory=_new_id)


@dataclass(slots=True, kw_only=True)
class Invitation:
    """An invitation to join an organisation, sent to an address; only its token's digest is kept."""

    organisation_id: uuid.UUID
    email: Email
    role: Role
    token_digest: str
    invited_by: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime
    id: uuid.UUID = field(default_factory=_new_id)
    accepted_at: dt.datetime | None = None
    accepted_by: uuid.UUID | None = None
    revoked_at: dt.datetime | None = None

    def is_open(self, now: dt.datetime) -> bool:
        """Whether the invitation can still be accepted."""
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at

    @property
    def pending(self) -> bool:
        """Neither accepted nor revoked (it may have expired)."""
        return self.accepted_at is None and self.revoked_at is None


@dataclass(slots=True, kw_only=True)
class AuthSession:
    """One signed-in device: the family of refresh tokens that rotate from one login.

    The active organisation lives here, so refreshing keeps it and switching changes it for
    every token of the family.
    """

    user_id: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime
    id: uuid.UUID = field(default_factory=_new_id)
    organisation_id: uuid.UUID | None = None
    revoked_at: dt.datetime | None = None
    revoked_reason: str | None = None

    def is_active(self, now: dt.datetime) -> bool:
        """Whether tokens of this family may still be used."""
        return self.revoked_at is None and now < self.expires_at

    def revoke(self, now: dt.datetime, reason: str) -> None:
        """End the session; every refresh token of its family stops working."""
        if self.revoked_at is None:
            self.revoked_at = now
            self.revoked_reason = reason


@dataclass(slots=True, kw_only=True)
class RefreshToken:
    """One member of a session's token family; ``used_at`` is set when it is rotated."""

    session_id: uuid.UUID
    token_digest: str
    created_at: dt.datetime
    expires_at: dt.datetime
    id: uuid.UUID = field(default_factory=_new_id)
    used_at: dt.datetime | None = None


class TokenPurpose(enum.StrEnum):
    """What a one-time mailed token is for."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a password)
    UNLOCK_ACCOUNT = "unlock_account"


@dataclass(slots=True, kw_only=True)
class OneTimeToken:
    """A token mailed to a user (verification, password reset, unlocking the login); only its
    digest is kept."""

    user_id: uuid.UUID
    purpose: TokenPurpose
    token_digest: str
    created_at: dt.datetime
    expires_at: dt.datetime
    id: uuid.UUID = field(default_factory=_new_id)
    used_at: dt.datetime | None = None

    def is_usable(self, now: dt.datetime) -> bool:
        """Whether the token is unused and unexpired."""
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class MembershipView:
    """A membership with the names a reader needs (organisation name, member's email)."""

    organisation_id: uuid.UUID
    organisation_name: str
    user_id: uuid.UUID
    email: Email
    role: Role
    joined_at: dt.datetime
