"""The composition root of identity: which adapters the use cases get, chosen from settings."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis.asyncio as aioredis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from reptidex.adapters.identity.clock import SystemClock
from reptidex.adapters.identity.mail import MailOutboxNotifier, SmtpNotifier
from reptidex.adapters.identity.passwords import Argon2PasswordHasher
from reptidex.adapters.identity.rate_limit import MemoryRateLimiter, RedisRateLimiter
from reptidex.adapters.identity.tokens import JwtSigner, KeyRing
from reptidex.adapters.sql.identity_store import (
    SqlIdentityUnitOfWork,
    SqlSigningKeys,
    identity_unit_of_work_factory,
)
from reptidex.adapters.sql.mail_queue import MAIL_QUEUE, MailDispatcher
from reptidex.adapters.sql.outbox_store import on_outbox_commit
from reptidex.domain.identity import (
    Accounts,
    IdentityContext,
    IdentityPolicy,
    Organisations,
    Sessions,
)
from reptidex.domain.identity.ports import Clock, Notifier, PasswordHasher, RateLimiter
from reptidex.services.kernel.app import resources_of
from reptidex.services.kernel.auth import service_secret
from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.settings import Settings

MAIL_OUTBOX_FOLDER = "mail-outbox"


@dataclass(slots=True)
class IdentityComponents:
    """The identity use cases and the key ring, wired for one running core."""

    accounts: Accounts
    sessions: Sessions
    organisations: Organisations
    keys: KeyRing
    context: IdentityContext
    settings: Settings

    def service_secret(self, service: str) -> str | None:
        """The secret ``service`` must present for a service token (None: unknown service)."""
        return service_secret(self.settings, service) if service in SERVICE_NAMES else None


def build_notifier(settings: Settings) -> Notifier:
    """SMTP when ``REPTIDEX_SMTP_URL`` is set, else the local mail outbox folder."""
    if settings.smtp_url:
        return SmtpNotifier(settings.smtp_url, settings.mail_from, timeout=settings.http_timeout)
    return MailOutboxNotifier(settings.data_dir / MAIL_OUTBOX_FOLDER, settings.mail_from)


def build_identity(
    settings: Settings,
    engine: AsyncEngine,
    redis: aioredis.Redis | None,
    *,
    hasher: PasswordHasher | None = None,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    rate_limiter: RateLimiter | None = None,
    policy: IdentityPolicy | None = None,
) -> IdentityComponents:
    """Wire identity from settings; the keyword arguments replace an adapter (for tests)."""
    clock = clock or SystemClock()
    policy = policy or IdentityPolicy(
        access_token_ttl=dt.timedelta(seconds=settings.access_token_ttl),
        refresh_token_ttl=dt.timedelta(seconds=settings.refresh_token_ttl),
    )
    sessions_factory = identity_unit_of_work_factory(engine)
    keys = KeyRing(
        SqlSigningKeys(sessions_factory),
        clock,
        key_lifetime=dt.timedelta(seconds=settings.signing_key_lifetime),
        access_token_ttl=policy.access_token_ttl,
        encryption_secret=settings.signing_key_secret,
    )
    if rate_limiter is None:
        rate_limiter = RedisRateLimiter(redis) if redis is not None else MemoryRateLimiter()
    context = IdentityContext(
        unit_of_work=lambda: SqlIdentityUnitOfWork(sessions_factory),
        hasher=hasher or Argon2PasswordHasher(),
        signer=JwtSigner(keys),
        notifier=notifier or build_notifier(settings),
        rate_limiter=rate_limiter,
        clock=clock,
        policy=policy,
    )
    return IdentityComponents(
        accounts=Accounts(context),
        sessions=Sessions(context),
        organisations=Organisations(context),
        keys=keys,
        context=context,
        settings=settings,
    )


class IdentityRuntime:
    """Holds core's identity components, built once the service's engine and Redis are open.

    It is also the :class:`~reptidex.adapters.identity.tokens.PublicKeySource` core verifies
    its own tokens with: the key ring, straight from the database, no HTTP.
    """

    def __init__(self, settings: Settings, **overrides: object) -> None:
        self.settings = settings
        self._overrides = overrides
        self._components: IdentityComponents | None = None
        self.mail: MailDispatcher | None = None

    @property
    def components(self) -> IdentityComponents:
        """The wired components (only while the app runs)."""
        if self._components is None:
            raise RuntimeError("identity is not started: the app's lifespan has not run")
        return self._components

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        """Build the components from the running service's resources."""
        resources = resources_of(app)
        self._components = build_identity(
            self.settings,
            resources.engine,
            resources.redis,
            **self._overrides,  # type: ignore[arg-type]
        )
        # Mail queued by the use cases goes out right after their commit (and is retried).
        dispatcher = MailDispatcher(resources.engine, self._components.context.notifier)
        unwake = on_outbox_commit(MAIL_QUEUE, dispatcher.wake)
        task = asyncio.create_task(dispatcher.run(), name="reptidex-core-mail")
        self.mail = dispatcher
        try:
            yield
        finally:
            unwake()
            dispatcher.stop()
            done, _ = await asyncio.wait({task}, timeout=self.settings.shutdown_timeout)
            if not done:
                task.cancel()  # the pass in progress rolls back; its mail is sent next start
            await asyncio.gather(task, return_exceptions=True)
            self._components = None
            self.mail = None

    async def check_mail(self) -> str:
        """The ``mail`` probe of ``/health/deep``: the dispatcher runs and no mail has waited
        longer than ``REPTIDEX_OUTBOX_MAX_LAG`` (a mail server that is away shows here)."""
        if self.mail is None:
            raise RuntimeError("the mail dispatcher is not running")
        count, age = await self.mail.backlog()
        detail = f"{count} queued, oldest {age:.1f} s"
        if count and age > self.settings.outbox_max_lag:
            raise RuntimeError(
                f"mail stuck: {detail} (limit {self.settings.outbox_max_lag:g} s); see the log's "
                "'mail delivery failed'"
            )
        return detail

    def provide(self) -> IdentityComponents:
        """Dependency ``identity``."""
        return self.components

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """The published key with ``kid`` (core verifies its own tokens locally)."""
        if self._components is None:
            return None
        return await self._components.keys.public_key(kid)
