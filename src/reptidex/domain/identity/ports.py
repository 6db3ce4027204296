"""Identity's ports: storage (repositories in one unit of work), hashing, signing, mail, limits, time."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.events import OutboxUnitOfWork
from reptidex.domain.identity.model import (
    AuthSession,
    Email,
    Invitation,
    Membership,
    MembershipView,
    OneTimeToken,
    Organisation,
    OrganisationSummary,
    RefreshToken,
    TokenPurpose,
    User,
)
from reptidex.domain.identity.tokens import AccessClaims


class UserRepository(Protocol):
    """Users by id and by (normalised) email."""

    async def get(self, user_id: uuid.UUID) -> User | None:
        """The user with ``user_id``, if any."""

    async def by_email(self, email: Email) -> User | None:
        """The user with ``email``, if any."""

    async def add(self, user: User) -> None:
        """Store a new user."""

    async def save(self, user: User) -> None:
        """Store changes to an existing user."""

    async def search(self, text: str, limit: int, offset: int) -> tuple[list[User], int]:
        """A page of the users whose address or name contains ``text`` (any case; every user
        for ``""``), oldest first, and how many match."""


class OrganisationRepository(Protocol):
    """Organisations."""

    async def get(self, organisation_id: uuid.UUID) -> Organisation | None:
        """The organisation with ``organisation_id``, if any."""

    async def add(self, organisation: Organisation) -> None:
        """Store a new organisation."""

    async def search(
        self, text: str, limit: int, offset: int
    ) -> tuple[list[OrganisationSummary], int]:
        """A page of the organisations whose name contains ``text`` (any case; all for ``""``),
        oldest first, with their member counts, and how many match."""


class MembershipRepository(Protocol):
    """Who belongs to which organisation, with which role."""

    async def get(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
        """The membership of ``user_id`` in ``organisation_id``, if any."""

    async def add(self, membership: Membership) -> None:
        """Store a new membership."""

    async def save(self, membership: Membership) -> None:
        """Store a changed role."""

    async def remove(self, membership: Membership) -> None:
        """Delete a membership (the member leaves or is removed)."""

    async def of_user(self, user_id: uuid.UUID) -> list[MembershipView]:
        """Every organisation ``user_id`` belongs to, oldest first."""

    async def of_organisation(self, organisation_id: uuid.UUID) -> list[MembershipView]:
        """Every member of ``organisation_id``, oldest first."""

    async def count_owners(self, organisation_id: uuid.UUID) -> int:
        """How many owners ``organisation_id`` has."""


class InvitationRepository(Protocol):
    """Invitations to organisations."""

    async def by_digest(self, token_digest: str) -> Invitation | None:
        """The invitation whose token has this digest, if any."""

    async def get(self, invitation_id: uuid.UUID) -> Invitation | None:
        """The invitation with ``invitation_id``, if any."""

    async def pending_of(self, organisation_id: uuid.UUID) -> list[Invitation]:
        """The invitations of ``organisation_id`` neither accepted nor revoked, oldest first."""

    async def add(self, invitation: Invitation) -> None:
        """Store a new invitation."""

    async def save(self, invitation: Invitation) -> None:
        """Store an accepted or revoked invitation."""


class SessionRepository(Protocol):
    """Signed-in sessions (refresh-token families)."""

    async def get(self, session_id: uuid.UUID) -> AuthSession | None:
        """The session with ``session_id``, if any."""

    async def add(self, session: AuthSession) -> None:
        """Store a new session."""

    async def save(self, session: AuthSession) -> None:
        """Store a changed session (revocation, active organisation)."""

    async def revoke_all_of_user(
        self,
        user_id: uuid.UUID,
        now: dt.datetime,
        reason: str,
        *,
        keep: uuid.UUID | None = None,
    ) -> int:
        """Revoke every active session of ``user_id`` but ``keep``; return how many."""


class RefreshTokenRepository(Protocol):
    """The members of refresh-token families, by digest."""

    async def by_digest(self, token_digest: str) -> RefreshToken | None:
        """The refresh token whose secret has this digest, if any."""

    async def add(self, token: RefreshToken) -> None:
        """Store a new refresh token."""

    async def claim(self, token: RefreshToken, now: dt.datetime) -> bool:
        """Mark ``token`` used unless it already is; False when another request used it first.

        This is the compare-and-set that makes rotation safe when two requests race with the
        same token: only one of them wins, the other is treated as reuse.
        """


class OneTimeTokenRepository(Protocol):
    """Mailed one-time tokens (email verification, password reset, login unlock), by digest."""

    async def by_digest(self, purpose: TokenPurpose, token_digest: str) -> OneTimeToken | None:
        """The token for ``purpose`` with this digest, if any."""

    async def add(self, token: OneTimeToken) -> None:
        """Store a new token."""

    async def save(self, token: OneTimeToken) -> None:
        """Store a used token."""

    async def use_all_of_user(
        self, user_id: uuid.UUID, purpose: TokenPurpose, now: dt.datetime
    ) -> None:
        """Mark every open ``purpose`` token of ``user_id`` used (a newer one supersedes them)."""


class IdentityUnitOfWork(OutboxUnitOfWork, Protocol):
    """One transaction over identity's repositories and the outbox.

    Leaving the ``async with`` block without :meth:`commit` rolls everything back, events included.
    """

    @property
    def users(self) -> UserRepository:
        """The users of this transaction."""

    @property
    def organisations(self) -> OrganisationRepository:
        """The organisations of this transaction."""

    @property
    def memberships(self) -> MembershipRepository:
        """The memberships of this transaction."""

    @property
    def invitations(self) -> InvitationRepository:
        """The invitations of this transaction."""

    @property
    def sessions(self) -> SessionRepository:
        """The sessions of this transaction."""

    @property
    def refresh_tokens(self) -> RefreshTokenRepository:
        """The refresh tokens of this transaction."""

    @property
    def one_time_tokens(self) -> OneTimeTokenRepository:
        """The one time tokens of this transaction."""

    @property
    def mail(self) -> MailQueue:
        """The mail queue of this transaction."""


class PasswordHasher(Protocol):
    """A slow, salted password hash (Argon2id in production)."""

    async def hash(self, password: str) -> str:
        """Hash ``password`` with a fresh salt."""

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``."""

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether ``password_hash`` was made with weaker parameters than today's."""


class TokenSigner(Protocol):
    """Signs access tokens with the current signing key."""

    async def sign(self, claims: AccessClaims) -> str:
        """The compact JWS of ``claims``."""


@dataclass(frozen=True, slots=True)
class MailMessage:
    """A plain-text message to one address."""

    to: Email
    subject: str
    body: str
    kind: str
    """What the message is for (``verify_email``, ``reset_password``, ``invitation``, …)."""
    id: uuid.UUID | None = None
    """Set by the mail queue: the same id for every delivery attempt of one message."""
    headers: tuple[tuple[str, str], ...] = ()
    """Extra header fields (a notification's ``List-Unsubscribe``, RFC 8058)."""


class MailQueue(Protocol):
    """Mail staged in a unit of work: sent after the commit, at least once; never on rollback."""

    def add(self, message: MailMessage) -> None:
        """Stage ``message`` in the current transaction."""


class Notifier(Protocol):
    """Sends messages to people."""

    async def send(self, message: MailMessage) -> None:
        """Deliver ``message``."""


class ActionLinks(Protocol):
    """Where a person completes, in a browser, what a mailed one-time token is for: each link
    opens a page that shows what will happen and does it only once its form is sent."""

    def verify_email(self, token: str) -> str:
        """The link that confirms an email address with ``token``."""

    def reset_password(self, token: str) -> str:
        """The link that sets a new password with ``token``."""

    def unlock_account(self, token: str) -> str:
        """The link that lifts an account's ceiling of failed logins with ``token``."""

    def accept_invitation(self, token: str) -> str:
        """The link that accepts an invitation with ``token``."""


class Clock(Protocol):
    """The current time (UTC)."""

    def now(self) -> dt.datetime:
        """Now, timezone-aware UTC."""
