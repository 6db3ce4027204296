"""Identity's part of repti-core's composition root: which adapters the use cases get, chosen
from the settings (tests replace some through :class:`IdentityOverrides`), and the mail
dispatcher that delivers what the use cases queued."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from reptidex.adapters.identity.clock import SystemClock
from reptidex.adapters.identity.mail import MailOutboxNotifier, SmtpNotifier
from reptidex.adapters.identity.passwords import Argon2PasswordHasher
from reptidex.adapters.identity.tokens import JwtSigner, KeyRing
from reptidex.adapters.rate_limits import MemoryRateLimiter
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
from reptidex.domain.identity.administration import PlatformAdministration
from reptidex.domain.identity.ports import Clock, Notifier, PasswordHasher
from reptidex.domain.rate_limits import RateLimiter
from reptidex.services.core.identity.page_links import AccountPageLinks
from reptidex.services.kernel.auth import service_secret
from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.settings import Settings

MAIL_OUTBOX_FOLDER = "mail-outbox"


@dataclass(frozen=True, slots=True)
class IdentityOverrides:
    """Adapters that replace the ones the settings choose (tests: a fast hasher, a fake clock,
    a recording notifier or limiter)."""

    hasher: PasswordHasher | None = None
    clock: Clock | None = None
    notifier: Notifier | None = None
    rate_limiter: RateLimiter | None = None
    policy: IdentityPolicy | None = None


@dataclass(slots=True)
class IdentityComponents:
    """The identity use cases and the key ring, wired for one running core."""

    accounts: Accounts
    sessions: Sessions
    organisations: Organisations
    administration: PlatformAdministration
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


def _first_given(*limiters: RateLimiter | None) -> RateLimiter:
    """The first limiter given (tested with ``is not None``: a limiter may be falsy)."""
    return next(limiter for limiter in limiters if limiter is not None)


def build_identity(
    settings: Settings,
    engine: AsyncEngine,
    rate_limiter: RateLimiter | None = None,
    overrides: IdentityOverrides | None = None,
) -> IdentityComponents:
    """Wire identity on ``engine`` from ``settings``, counting attempts with ``rate_limiter``
    (the kernel's; default: in memory); ``overrides`` replace adapters."""
    overrides = overrides or IdentityOverrides()
    clock = overrides.clock or SystemClock()
    policy = overrides.policy or IdentityPolicy(
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
    context = IdentityContext(
        unit_of_work=lambda: SqlIdentityUnitOfWork(sessions_factory),
        hasher=overrides.hasher or Argon2PasswordHasher(),
        signer=JwtSigner(keys),
        notifier=overrides.notifier or build_notifier(settings),
        rate_limiter=_first_given(overrides.rate_limiter, rate_limiter, MemoryRateLimiter()),
        clock=clock,
        links=AccountPageLinks(settings.public_url or settings.peer_url("core")),
        policy=policy,
    )
    return IdentityComponents(
        accounts=Accounts(context),
        sessions=Sessions(context),
        organisations=Organisations(context),
        administration=PlatformAdministration(context),
        keys=keys,
        context=context,
        settings=settings,
    )


class MailDelivery:
    """Sends the mail the identity use cases queued, right after their commit (and retries):
    a dispatcher task while the app runs."""

    def __init__(self, settings: Settings, engine: AsyncEngine, notifier: Notifier) -> None:
        self._settings = settings
        self._engine = engine
        self._notifier = notifier
        self.dispatcher: MailDispatcher | None = None
        """The dispatcher while the app runs."""

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        """Run the dispatcher, woken by every commit that queued mail."""
        dispatcher = MailDispatcher(self._engine, self._notifier)
        unwake = on_outbox_commit(MAIL_QUEUE, dispatcher.wake)
        task = asyncio.create_task(dispatcher.run(), name="reptidex-core-mail")
        self.dispatcher = dispatcher
        try:
            yield
        finally:
            unwake()
            dispatcher.stop()
            done, _ = await asyncio.wait({task}, timeout=self._settings.shutdown_timeout)
            if not done:
                task.cancel()  # the pass in progress rolls back; its mail is sent next start
            await asyncio.gather(task, return_exceptions=True)
            self.dispatcher = None

    async def check(self) -> str:
        """The ``mail`` probe of ``/health/deep``: the dispatcher runs and no mail has waited
        longer than ``REPTIDEX_OUTBOX_MAX_LAG`` (a mail server that is away shows here)."""
        if self.dispatcher is None:
            raise RuntimeError("the mail dispatcher is not running")
        count, age = await self.dispatcher.backlog()
        detail = f"{count} queued, oldest {age:.1f} s"
        limit = self._settings.outbox_max_lag
        if count and age > limit:
            raise RuntimeError(
                f"mail stuck: {detail} (limit {limit:g} s); see the log's 'mail delivery failed'"
            )
        return detail
