"""repti-community's advertising, composed in one place (``create_app`` calls
:func:`build_ads`): the units of work on the kernel's sessions (scoped to the caller's
organisation, or acting as the ad server), the listings' owners from repti-commerce, the
signer of impression and click tokens (keyed by the service's secret), the per-address limits
of the public endpoints, the consumer of ``billing.ad_credits_purchased``, and the worker
that forgets sightings older than the dedup window."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from litestar import Litestar
from litestar.di import Provide
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.ads.commerce_listings import HttpListingOwners
from reptidex.adapters.sql.community.ad_campaigns import SqlAdUnitOfWork
from reptidex.adapters.sql.community.ad_credits_consumer import credit_purchase
from reptidex.adapters.sql.community.ad_personal_data import SqlAdPersonalData
from reptidex.adapters.sql.community.ad_serving import SqlAdServing
from reptidex.adapters.sql.community.ad_workers import SightingPurge
from reptidex.domain.ads.events import CREDITS_PURCHASED
from reptidex.domain.ads.ports import Candidate, CandidateSource, ListingOwners
from reptidex.domain.ads.serving import AdContext, SponsoredSlot, choose_sponsored
from reptidex.domain.ads.tokens import TicketSigner
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.services.community.ad_access import AdDesk
from reptidex.services.community.ad_metrics import AdMetrics
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.auth import service_secret
from reptidex.services.kernel.background import in_background
from reptidex.services.kernel.rate_limits import AddressLimit
from reptidex.services.kernel.settings import Settings

SERVE_PER_MINUTE = 120
"""Default limit of ``GET /ads/serve`` per client address and minute."""
RECORD_PER_MINUTE = 240
"""Default limit of ``POST /ads/impressions`` and ``/ads/clicks`` together, per address and
minute."""


CANDIDATES_SECONDS = 1.0
"""How long the search's sponsored slots use the campaigns they read."""


class AdUnitsOfWork:
    """The advertising units of work, each on a session of its own."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self.changes = 0
        """Units of work and ad server transactions this process has closed (each may have
        changed the campaigns, their spend or their credits)."""

    @contextlib.asynccontextmanager
    async def open(self, organisation_id: uuid.UUID) -> AsyncIterator[SqlAdUnitOfWork]:
        """A unit of work scoped to ``organisation_id``; rolled back unless committed."""
        try:
            async with self._sessions() as session:
                uow = SqlAdUnitOfWork(session)
                await uow.bind_organisation(organisation_id)
                yield uow
        finally:
            self.changes += 1

    async def candidates(self, day: dt.date, limit: int) -> list[Candidate]:
        """The campaigns a page may show (a :class:`~reptidex.domain.ads.ports.CandidateSource`),
        read by the ad server in a transaction of their own."""
        async with self._sessions() as session:
            return await SqlAdServing(session).server_candidates(day, limit)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[SqlAdServing]:
        """A transaction of the ad server; rolled back unless committed."""
        try:
            async with self._sessions() as session:
                serving = SqlAdServing(session)
                await serving.bind_server()
                yield serving
        finally:
            self.changes += 1


class CountedCandidates(CandidateSource, Protocol):
    """A source of candidates that counts this process's changes of advertising."""

    changes: int


class KeptCandidates:
    """The campaigns the search's sponsored slots may show
    (:class:`~reptidex.domain.ads.ports.CandidateSource`), read from ``units`` and kept for
    ``keep_for`` seconds unless this process changes advertising meanwhile.

    Every search asks; the campaigns change seldom. What a slot shows is charged only when its
    impression is recorded, which checks the budgets, the pacing and the credits in the
    database again: a campaign that ran out a moment ago in another process may be shown for
    up to ``keep_for`` seconds, and its impressions are then refused, never charged."""

    def __init__(
        self,
        units: CountedCandidates,
        keep_for: float = CANDIDATES_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.units = units
        self.keep_for = keep_for
        self._clock = clock
        self._kept: tuple[tuple[dt.date, int, int], float, list[Candidate]] | None = None

    async def candidates(self, day: dt.date, limit: int) -> list[Candidate]:
        """The kept campaigns for ``day`` while fresh, else those read now."""
        key = (day, limit, self.units.changes)
        kept = self._kept
        if kept is not None and kept[0] == key and self._clock() - kept[1] < self.keep_for:
            return kept[2]
        found = await self.units.candidates(day, limit)
        if self.units.changes == key[2]:
            self._kept = (key, self._clock(), found)
        return found


def ticket_signer(settings: Settings) -> TicketSigner:
    """The token signer, keyed by repti-community's secret (configured, or derived from the
    data folder's master key when embedded)."""
    secret = service_secret(settings, "community") or ""
    return TicketSigner(hashlib.sha256(b"reptidex-ad-ticket:" + secret.encode()).digest())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class AdComponents:
    """What the advertising controllers are given, the worker that runs beside them,
    advertising's answer to GDPR requests, and the sponsored slots of the search."""

    desk: AdDesk
    purge: SightingPurge
    personal_data: PersonalDataHolder
    search_sponsors: SearchSponsors

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependency ``ads``."""
        return {"ads": provide_value(self.desk)}

    def collectors(self) -> list[Collector]:
        """Advertising's figures on ``/metrics``."""
        return [self.desk.metrics]

    def lifespans(self) -> list[Callable[[Litestar], AbstractAsyncContextManager[None]]]:
        """What runs while the app does: the purge of old sightings."""
        return [self._purge]

    @contextlib.asynccontextmanager
    async def _purge(self, app: Litestar) -> AsyncIterator[None]:
        async with in_background(self.purge.run(), "reptidex-community-ad-sightings"):
            yield


@dataclass(frozen=True, slots=True)
class SearchSponsors:
    """Advertising as ``GET /search`` asks it for sponsored slots
    (:class:`~reptidex.domain.community.search.sponsored.Sponsors`): the serving of
    ``GET /ads/serve`` from the ``candidates`` kept for searches, counted on ``/metrics``."""

    desk: AdDesk
    candidates: CandidateSource

    async def choose(self, context: AdContext, slots: int) -> list[SponsoredSlot]:
        """Up to ``slots`` slots for ``context``, now."""
        chosen = await choose_sponsored(
            self.candidates, self.desk.signer, context, self.desk.clock(), slots
        )
        self.desk.metrics.served(len(chosen))
        return chosen


def build_ads(
    kernel: Kernel,
    *,
    listings: ListingOwners | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    serve_per_minute: int = SERVE_PER_MINUTE,
    record_per_minute: int = RECORD_PER_MINUTE,
) -> AdComponents:
    """Advertising on ``kernel``, subscribed to ``billing.ad_credits_purchased`` (idempotent);
    ``listings`` replaces repti-commerce over HTTP, ``clock`` the time, the limits count per
    client address and minute (0: none)."""
    kernel.events.subscribe(
        CREDITS_PURCHASED, kernel.events.idempotent(credit_purchase, purpose="ad_credits")
    )
    peers = kernel.resources.peers
    limiter, addresses = kernel.rate_limiter, kernel.client_addresses
    units = AdUnitsOfWork(kernel.sessions)
    desk = AdDesk(
        units=units,
        listings=listings or HttpListingOwners(lambda: peers),
        signer=ticket_signer(kernel.settings),
        clock=clock or _now,
        serve_limit=AddressLimit("ads-serve", serve_per_minute, limiter, addresses),
        record_limit=AddressLimit("ads-record", record_per_minute, limiter, addresses),
        metrics=AdMetrics(kernel.spec.name),
    )
    return AdComponents(
        desk,
        SightingPurge(units.serving),
        SqlAdPersonalData(kernel.sessions),
        SearchSponsors(desk, KeptCandidates(units)),
    )
