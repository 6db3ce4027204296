"""What every identity use case shares: its ports, its policy, and issuing tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from reptidex.domain.errors import RateLimited
from reptidex.domain.events import new_event
from reptidex.domain.identity.model import (
    AuthSession,
    OneTimeToken,
    RefreshToken,
    Role,
    TokenPurpose,
)
from reptidex.domain.identity.passwords import PasswordPolicy
from reptidex.domain.identity.ports import (
    ActionLinks,
    Clock,
    IdentityUnitOfWork,
    Notifier,
    PasswordHasher,
    TokenSigner,
)
from reptidex.domain.identity.tokens import (
    AccessClaims,
    TokenPair,
    digest,
    new_secret,
    new_token_id,
)
from reptidex.domain.rate_limits import RateLimiter

PRODUCER = "core"


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``attempts`` in ``window`` seconds."""

    attempts: int
    window: int


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    """Lifetimes and limits; the defaults suit production."""

    access_token_ttl: dt.timedelta = dt.timedelta(minutes=15)
    refresh_token_ttl: dt.timedelta = dt.timedelta(days=30)
    verification_ttl: dt.timedelta = dt.timedelta(days=2)
    password_reset_ttl: dt.timedelta = dt.timedelta(hours=1)
    invitation_ttl: dt.timedelta = dt.timedelta(days=7)
    login_per_address: Limit = Limit(attempts=30, window=15 * 60)
    """Every login attempt from one address, whichever account it names."""
    login_failures_per_pair: tuple[Limit, ...] = (
        Limit(attempts=5, window=60),
        Limit(attempts=10, window=15 * 60),
        Limit(attempts=20, window=60 * 60),
    )
    """Backoff tiers of wrong passwords from one address for one account: the wait grows
    from the rest of a minute to the rest of an hour as failures go on."""
    login_failures_per_account: Limit = Limit(attempts=50, window=60 * 60)
    """The ceiling of wrong passwords for one account from all addresses together (guessing
    from many addresses); reaching it mails the owner an unlock token."""
    login_known_address_ttl: dt.timedelta = dt.timedelta(days=30)
    """How long after a login its address may still log in while the account is at its
    ceiling (each login from there starts it again)."""
    unlock_ttl: dt.timedelta = dt.timedelta(hours=1)
    """How long the mailed unlock token works (once)."""
    register_per_address: Limit = Limit(attempts=10, window=60 * 60)
    service_token_per_address: Limit = Limit(attempts=20, window=60)
    """Every service-token request from one address, whichever service it names."""
    service_token_per_service: Limit = Limit(attempts=60, window=60)
    """Tokens issued to one service (every replica together; each caches its token for most
    of its lifetime): bounds what a leaked or looping secret can mint, and cannot be used up
    by a caller without the secret."""
    mail_per_account: Limit = Limit(attempts=3, window=60 * 60)
    password_failures_per_user: Limit = Limit(attempts=5, window=15 * 60)
    require_verified_email: bool = True
    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)


@dataclass(slots=True)
class IdentityContext:
    """The ports and policy a use case works with; the composition root builds one."""

    unit_of_work: Callable[[], IdentityUnitOfWork]
    hasher: PasswordHasher
    signer: TokenSigner
    notifier: Notifier
    """Delivers the mail that units of work queued (the mail dispatcher sends through it)."""
    rate_limiter: RateLimiter
    clock: Clock
    links: ActionLinks
    """Where the mailed tokens are used in a browser (the pages under the public URL)."""
    policy: IdentityPolicy = field(default_factory=IdentityPolicy)

    def now(self) -> dt.datetime:
        """The clock's now."""
        return self.clock.now()

    async def count(self, key: str, limit: Limit) -> None:
        """Count one attempt under ``key``; raise :class:`RateLimited` past the limit."""
        retry_after = await self.rate_limiter.hit(key, limit.attempts, limit.window)
        if retry_after is not None:
            raise RateLimited(
                f"Too many attempts; try again in {retry_after} seconds.", retry_after=retry_after
            )

    async def ensure_below(self, key: str, limit: Limit) -> None:
        """Raise :class:`RateLimited` when ``key`` already reached its limit (counts nothing)."""
        retry_after = await self.rate_limiter.exceeded(key, limit.attempts, limit.window)
        if retry_after is not None:
            raise RateLimited(
                f"Too many attempts; try again in {retry_after} seconds.", retry_after=retry_after
            )

    def emit(
        self,
        uow: IdentityUnitOfWork,
        event_type: str,
        payload: msgspec.Struct,
        *,
        actor_id: uuid.UUID | None = None,
        organisation_id: uuid.UUID | None = None,
    ) -> None:
        """Stage an identity event in ``uow``'s transaction."""
        uow.outbox.add(
            new_event(
                event_type,
                producer=PRODUCER,
                payload=payload,
                actor_id=actor_id,
                organisation_id=organisation_id,
                occurred_at=self.now(),
            )
        )

    async def store_one_time_token(
        self,
        uow: IdentityUnitOfWork,
        user_id: uuid.UUID,
        purpose: TokenPurpose,
        ttl: dt.timedelta,
    ) -> str:
        """Store a new ``purpose`` token of ``user_id`` (its digest only), valid for ``ttl``;
        the user's older open ones of that purpose stop working. Returns the secret to mail."""
        now = self.now()
        await uow.one_time_tokens.use_all_of_user(user_id, purpose, now)
        secret = new_secret()
        await uow.one_time_tokens.add(
            OneTimeToken(
                user_id=user_id,
                purpose=purpose,
                token_digest=digest(secret),
                created_at=now,
                expires_at=now + ttl,
            )
        )
        return secret

    def new_refresh_token(self, session: AuthSession) -> tuple[str, RefreshToken]:
        """A fresh member of ``session``'s family: the secret to hand out and the stored row."""
        secret = new_secret()
        now = self.now()
        token = RefreshToken(
            session_id=session.id,
            token_digest=digest(secret),
            created_at=now,
            expires_at=min(now + self.policy.refresh_token_ttl, session.expires_at),
        )
        return secret, token

    async def sign_access_token(
        self,
        subject: str,
        session: AuthSession | None,
        role: Role | None,
        *,
        platform_admin: bool = False,
    ) -> tuple[str, dt.datetime]:
        """Sign an access token for ``subject``; return it and its expiry."""
        now = self.now()
        expires_at = now + self.policy.access_token_ttl
        claims = AccessClaims(
            subject=subject,
            issued_at=now,
            expires_at=expires_at,
            token_id=new_token_id(),
            organisation_id=session.organisation_id if session and role else None,
            role=role,
            session_id=session.id if session else None,
            platform_admin=platform_admin,
        )
        return await self.signer.sign(claims), expires_at

    async def token_pair(
        self,
        session: AuthSession,
        refresh_secret: str,
        refresh: RefreshToken,
        role: Role | None,
        *,
        platform_admin: bool = False,
    ) -> TokenPair:
        """Sign the access token for ``session`` and pair it with its refresh token."""
        access, access_expires_at = await self.sign_access_token(
            str(session.user_id), session, role, platform_admin=platform_admin
        )
        return TokenPair(
            access_token=access,
            access_expires_at=access_expires_at,
            refresh_token=refresh_secret,
            refresh_expires_at=refresh.expires_at,
            session_id=session.id,
            user_id=session.user_id,
            organisation_id=session.organisation_id if role else None,
            role=role,
        )
