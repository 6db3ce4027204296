"""In-memory fakes of identity's ports, and helpers for the identity API tests."""

from __future__ import annotations

import copy
import datetime as dt
import email
import email.policy
import re
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from litestar.testing import TestClient
from memory_outbox import MemoryOutbox

from reptidex.adapters.identity.passwords import Argon2PasswordHasher
from reptidex.adapters.rate_limits import MemoryRateLimiter
from reptidex.domain.audit import AUDIT_EVENT, AuditRecord, record_of
from reptidex.domain.events import DomainEvent
from reptidex.domain.identity import (
    AccessClaims,
    Accounts,
    AuthSession,
    Email,
    IdentityContext,
    IdentityPolicy,
    Invitation,
    Membership,
    MembershipView,
    OneTimeToken,
    Organisation,
    Organisations,
    RefreshToken,
    Role,
    Sessions,
    TokenPurpose,
    User,
)
from reptidex.domain.identity.administration import PlatformAdministration
from reptidex.domain.identity.model import OrganisationSummary
from reptidex.domain.identity.ports import MailMessage
from reptidex.services.core.identity import IdentityOverrides
from reptidex.services.core.identity.page_links import AccountPageLinks

STRONG_PASSWORD = "basking-under-the-heat-lamp"
OTHER_PASSWORD = "cool-side-of-the-vivarium"
PUBLIC_URL = "https://reptidex.example"
"""Where the fake identity's mails link to."""


@dataclass
class FakeStore:
    """Committed state of the fake database."""

    users: dict[uuid.UUID, User] = field(default_factory=dict)
    organisations: dict[uuid.UUID, Organisation] = field(default_factory=dict)
    memberships: dict[uuid.UUID, Membership] = field(default_factory=dict)
    invitations: dict[uuid.UUID, Invitation] = field(default_factory=dict)
    sessions: dict[uuid.UUID, AuthSession] = field(default_factory=dict)
    refresh_tokens: dict[uuid.UUID, RefreshToken] = field(default_factory=dict)
    one_time_tokens: dict[uuid.UUID, OneTimeToken] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)
    audits: list[AuditRecord] = field(default_factory=list)
    """The audit records committed (kept apart from the domain events)."""

    def event_types(self) -> list[str]:
        return [event.type for event in self.events]


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> FakeStore:
        assert self.uow.working is not None
        return self.uow.working


class FakeUsers(_Repo):
    async def get(self, user_id: uuid.UUID) -> User | None:
        return self.s.users.get(user_id)

    async def by_email(self, email: Email) -> User | None:
        return next((u for u in self.s.users.values() if u.email == email), None)

    async def add(self, user: User) -> None:
        self.s.users[user.id] = user

    async def save(self, user: User) -> None:
        self.s.users[user.id] = user

    async def search(self, text: str, limit: int, offset: int) -> tuple[list[User], int]:
        wanted = text.strip().lower()
        found = [
            u
            for u in sorted(self.s.users.values(), key=lambda u: u.created_at)
            if wanted in u.email.value or wanted in (u.display_name or "").lower()
        ]
        return found[offset : offset + limit], len(found)


class FakeOrganisations(_Repo):
    async def get(self, organisation_id: uuid.UUID) -> Organisation | None:
        return self.s.organisations.get(organisation_id)

    async def add(self, organisation: Organisation) -> None:
        self.s.organisations[organisation.id] = organisation

    async def search(
        self, text: str, limit: int, offset: int
    ) -> tuple[list[OrganisationSummary], int]:
        wanted = text.strip().lower()
        found = [
            OrganisationSummary(
                o, sum(m.organisation_id == o.id for m in self.s.memberships.values())
            )
            for o in sorted(self.s.organisations.values(), key=lambda o: o.created_at)
            if wanted in o.name.lower()
        ]
        return found[offset : offset + limit], len(found)


class FakeMemberships(_Repo):
    async def get(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
        return next(
            (
                m
                for m in self.s.memberships.values()
                if m.organisation_id == organisation_id and m.user_id == user_id
            ),
            None,
        )

    async def add(self, membership: Membership) -> None:
        self.s.memberships[membership.id] = membership

    async def save(self, membership: Membership) -> None:
        self.s.memberships[membership.id] = membership

    async def remove(self, membership: Membership) -> None:
        del self.s.memberships[membership.id]

    def _view(self, m: Membership) -> MembershipView:
        return MembershipView(
            organisation_id=m.organisation_id,
            organisation_name=self.s.organisations[m.organisation_id].name,
            user_id=m.user_id,
            email=self.s.users[m.user_id].email,
            role=m.role,
            joined_at=m.created_at,
        )

    async def of_user(self, user_id: uuid.UUID) -> list[MembershipView]:
        found = [m for m in self.s.memberships.values() if m.user_id == user_id]
        return [self._view(m) for m in sorted(found, key=lambda m: m.created_at)]

    async def of_organisation(self, organisation_id: uuid.UUID) -> list[MembershipView]:
        found = [m for m in self.s.memberships.values() if m.organisation_id == organisation_id]
        return [self._view(m) for m in sorted(found, key=lambda m: m.created_at)]

    async def count_owners(self, organisation_id: uuid.UUID) -> int:
        return sum(
            1
            for m in self.s.memberships.values()
            if m.organisation_id == organisation_id and m.role is Role.OWNER
        )


class FakeInvitations(_Repo):
    async def by_digest(self, token_digest: str) -> Invitation | None:
        return next(
            (i for i in self.s.invitations.values() if i.token_digest == token_digest), None
        )

    async def get(self, invitation_id: uuid.UUID) -> Invitation | None:
        return self.s.invitations.get(invitation_id)

    async def pending_of(self, organisation_id: uuid.UUID) -> list[Invitation]:
        found = [
            i
            for i in self.s.invitations.values()
            if i.organisation_id == organisation_id and i.pending
        ]
        return sorted(found, key=lambda i: i.created_at)

    async def add(self, invitation: Invitation) -> None:
        self.s.invitations[invitation.id] = invitation

    async def save(self, invitation: Invitation) -> None:
        self.s.invitations[invitation.id] = invitation


class FakeSessions(_Repo):
    async def get(self, session_id: uuid.UUID) -> AuthSession | None:
        return self.s.sessions.get(session_id)

    async def add(self, session: AuthSession) -> None:
        self.s.sessions[session.id] = session

    async def save(self, session: AuthSession) -> None:
        self.s.sessions[session.id] = session

    async def revoke_all_of_user(
        self, user_id: uuid.UUID, now: dt.datetime, reason: str, *, keep: uuid.UUID | None = None
    ) -> int:
        count = 0
        for session in self.s.sessions.values():
            if session.user_id == user_id and session.revoked_at is None and session.id != keep:
                session.revoke(now, reason)
                count += 1
        return count


class FakeRefreshTokens(_Repo):
    async def by_digest(self, token_digest: str) -> RefreshToken | None:
        return next(
            (t for t in self.s.refresh_tokens.values() if t.token_digest == token_digest), None
        )

    async def add(self, token: RefreshToken) -> None:
        self.s.refresh_tokens[token.id] = token

    async def claim(self, token: RefreshToken, now: dt.datetime) -> bool:
        stored = self.s.refresh_tokens[token.id]
        if stored.used_at is not None:
            return False
        stored.used_at = token.used_at = now
        return True


class FakeOneTimeTokens(_Repo):
    async def by_digest(self, purpose: TokenPurpose, token_digest: str) -> OneTimeToken | None:
        return next(
            (
                t
                for t in self.s.one_time_tokens.values()
                if t.token_digest == token_digest and t.purpose is purpose
            ),
            None,
        )

    async def add(self, token: OneTimeToken) -> None:
        self.s.one_time_tokens[token.id] = token

    async def save(self, token: OneTimeToken) -> None:
        self.s.one_time_tokens[token.id] = token

    async def use_all_of_user(
        self, user_id: uuid.UUID, purpose: TokenPurpose, now: dt.datetime
    ) -> None:
        for token in self.s.one_time_tokens.values():
            if token.user_id == user_id and token.purpose is purpose and token.used_at is None:
                token.used_at = now


class FakeMailQueue:
    def __init__(self) -> None:
        self.staged: list[MailMessage] = []

    def add(self, message: MailMessage) -> None:
        self.staged.append(message)


class FakeUnitOfWork:
    """Works on a deep copy of the store; commit writes the copy back (so no half writes) and
    then hands the queued mail to the notifier (as the mail dispatcher does)."""

    def __init__(self, store: FakeStore, notifier: FakeNotifier | None = None) -> None:
        self.store = store
        self.notifier = notifier
        self.mail = FakeMailQueue()
        self.working: FakeStore | None = None
        self.users = FakeUsers(self)
        self.organisations = FakeOrganisations(self)
        self.memberships = FakeMemberships(self)
        self.invitations = FakeInvitations(self)
        self.sessions = FakeSessions(self)
        self.refresh_tokens = FakeRefreshTokens(self)
        self.one_time_tokens = FakeOneTimeTokens(self)
        self.outbox = MemoryOutbox()

    async def __aenter__(self) -> Self:
        self.working = copy.deepcopy(self.store)
        self.outbox = MemoryOutbox()
        self.mail = FakeMailQueue()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.working = None

    async def commit(self) -> None:
        assert self.working is not None
        for name in (
            "users",
            "organisations",
            "memberships",
            "invitations",
            "sessions",
            "refresh_tokens",
            "one_time_tokens",
        ):
            setattr(self.store, name, copy.deepcopy(getattr(self.working, name)))
        for event in self.outbox.staged:
            if event.type == AUDIT_EVENT:
                self.store.audits.append(record_of(event))
            else:
                self.store.events.append(event)
        self.outbox.staged = []
        staged, self.mail.staged = self.mail.staged, []
        if self.notifier is not None:
            for message in staged:
                await self.notifier.send(message)


class FakeHasher:
    """Reversible "hash" that is fast: tests of the use cases need no Argon2."""

    def __init__(self) -> None:
        self.version = 1

    async def hash(self, password: str) -> str:
        return f"fake{self.version}${password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash.split("$", 1)[1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"fake{self.version}$")


class FakeSigner:
    """Records the claims it signed; the "token" is an index into that list."""

    def __init__(self) -> None:
        self.signed: list[AccessClaims] = []

    async def sign(self, claims: AccessClaims) -> str:
        self.signed.append(claims)
        return f"token-{len(self.signed) - 1}"

    def claims(self, token: str) -> AccessClaims:
        return self.signed[int(token.removeprefix("token-"))]


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[MailMessage] = []

    async def send(self, message: MailMessage) -> None:
        self.sent.append(message)

    def last_token(self, kind: str, to: str | None = None) -> str:
        for message in reversed(self.sent):
            if message.kind == kind and (to is None or message.to.value == to):
                return token_in(message.body)
        raise AssertionError(f"no {kind} mail sent")


class FakeClock:
    def __init__(self, now: dt.datetime | None = None) -> None:
        self.current = now or dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)

    def seconds(self) -> float:
        """Now as seconds: the monotonic time of a memory rate limiter that follows this clock."""
        return self.current.timestamp()


@dataclass
class FakeIdentity:
    """Use cases wired to fakes, and the fakes to inspect."""

    store: FakeStore
    hasher: FakeHasher
    signer: FakeSigner
    notifier: FakeNotifier
    clock: FakeClock
    limiter: MemoryRateLimiter
    accounts: Accounts
    sessions: Sessions
    organisations: Organisations
    administration: PlatformAdministration


def fake_identity(policy: IdentityPolicy | None = None) -> FakeIdentity:
    store, hasher, signer = FakeStore(), FakeHasher(), FakeSigner()
    notifier, clock = FakeNotifier(), FakeClock()
    limiter = MemoryRateLimiter(clock.seconds)  # windows pass as the fake clock advances
    context = IdentityContext(
        unit_of_work=lambda: FakeUnitOfWork(store, notifier),
        hasher=hasher,
        signer=signer,
        notifier=notifier,
        rate_limiter=limiter,
        clock=clock,
        links=AccountPageLinks(PUBLIC_URL),
        policy=policy or IdentityPolicy(),
    )
    return FakeIdentity(
        store=store,
        hasher=hasher,
        signer=signer,
        notifier=notifier,
        clock=clock,
        limiter=limiter,
        accounts=Accounts(context),
        sessions=Sessions(context),
        organisations=Organisations(context),
        administration=PlatformAdministration(context),
    )


_TOKEN_LINE = re.compile(r"^Token: (\S+)$", re.MULTILINE)


def token_in(body: str) -> str:
    match = _TOKEN_LINE.search(body)
    assert match, body
    return match.group(1)


def fast_hasher() -> Argon2PasswordHasher:
    """Argon2id with small parameters, so API tests do not spend their time hashing."""
    return Argon2PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def fast_identity(**overrides: Any) -> IdentityOverrides:
    return IdentityOverrides(hasher=fast_hasher(), **overrides)


def mail_token(data_dir: Path, kind: str, to: str, *, within: float = 5.0) -> str:
    """The token of the newest ``kind`` mail to ``to`` in the local mail outbox folder (mail is
    sent by core's mail dispatcher right after the commit, so it may take a moment)."""
    folder = data_dir / "mail-outbox"
    deadline = time.monotonic() + within
    while True:
        for path in sorted(folder.glob(f"*-{kind}-*.eml"), reverse=True):
            text = path.read_text("utf-8")
            if re.search(rf"^To: {re.escape(to)}$", text, re.MULTILINE):
                return token_in(text)
        if time.monotonic() > deadline:
            raise AssertionError(f"no {kind} mail to {to} in {folder}")
        time.sleep(0.02)


def mail_body(path: Path) -> str:
    """The text of a mail file as a mail program shows it (quoted-printable decoded)."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    content: str = message.get_content()
    return content


def mail_link(data_dir: Path, kind: str, to: str, *, within: float = 5.0) -> str:
    """The link (to an account page) in the newest ``kind`` mail to ``to`` in the local mail
    outbox folder; it carries that mail's token."""
    token = mail_token(data_dir, kind, to, within=within)
    for path in sorted((data_dir / "mail-outbox").glob(f"*-{kind}-*.eml"), reverse=True):
        body = mail_body(path)
        if f"Token: {token}\n" in body:
            links = re.findall(r"^(https?://\S+/account/\S+)$", body, re.MULTILINE)
            assert len(links) == 1, body
            link: str = links[0]
            return link
    raise AssertionError(f"no {kind} mail to {to}")


def mails(data_dir: Path, kind: str, count: int, *, within: float = 5.0) -> list[Path]:
    """The ``kind`` mails in the local outbox folder, once there are ``count`` of them."""
    deadline = time.monotonic() + within
    while True:
        found = sorted((data_dir / "mail-outbox").glob(f"*-{kind}-*.eml"))
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def register_and_verify(
    client: TestClient[Any], data_dir: Path, email: str, password: str = STRONG_PASSWORD
) -> None:
    response = client.post("/auth/register", json={"email": email, "password": password})
    assert response.status_code == 202, response.text
    token = mail_token(data_dir, "verify_email", email.strip().lower())
    response = client.post("/auth/verify-email", json={"token": token})
    assert response.status_code == 200, response.text


def login(client: TestClient[Any], email: str, password: str = STRONG_PASSWORD) -> dict[str, Any]:
    response = client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
