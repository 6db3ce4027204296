"""repti-commerce's adapters, chosen in one place and handed to the controllers by dependency
injection (the composition root, :func:`~reptidex.services.commerce.app.create_app`, calls
:func:`build_commerce`).

- Units of work: the SQL adapter on a session of the kernel's, scoped to the caller's
  organisation for PostgreSQL's row-level security; the use case commits it, and whatever it
  did not commit is rolled back when the request ends.
- The animal catalogue: repti-animal's ``GET /animals/{id}`` through the kernel's peer client,
  with the seller's own token (a test passes another catalogue).
- The terms of sale: the platform's fee.
- The ownership transfer worker: hands sold animals to their buyers through repti-animal's
  ``PUT /animals/{id}/sales/{order_id}``, with commerce's own service token, while the app
  runs (a test passes another handover).
- The listing expiry worker: moves listings past their end to ``expired``.
- The reservation expiry worker: releases reservations of supplies held past their end.
- The consumer of repti-animal's ``animal.*`` events that withdraws or refreshes listings.
- The public search's cache of pages, kept in step with every listing change on PostgreSQL by
  the notices of migration ``commerce_0013`` and this process's own commits.
- Payments (:func:`build_payments`): Stripe (with Connect onboarding of sellers' accounts)
  when its secret key and the marketplace's webhook secret are set, PayPal when its client
  id, secret and webhook id are set; without them the marketplace sells offline only
  (payments through a provider answer 503).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from litestar import Litestar
from litestar.di import NamedDependency, Provide
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.commerce.animal_handover_http import HttpAnimalHandover
from reptidex.adapters.commerce.animal_http import HttpAnimalCatalogue
from reptidex.adapters.metrics.order_revenue import PaidOrderRevenue
from reptidex.adapters.payments.paypal_marketplace import PayPalConfig, PayPalMarketplace
from reptidex.adapters.payments.stripe_marketplace import (
    StripeMarketplace,
    StripeMarketplaceConfig,
)
from reptidex.adapters.sql.commerce.animal_follower import animal_follower
from reptidex.adapters.sql.commerce.het_odds_follower import het_odds_follower
from reptidex.adapters.sql.commerce.listing_changes import CHANNEL, CommittedListingChanges
from reptidex.adapters.sql.commerce.payment_unit_of_work import SqlPaymentUnitOfWork
from reptidex.adapters.sql.commerce.personal_data import SqlCommercePersonalData
from reptidex.adapters.sql.commerce.unit_of_work import SqlCommerceUnitOfWork
from reptidex.adapters.sql.commerce.workers import (
    ListingExpiryWorker,
    OwnershipTransferWorker,
    ReservationExpiryWorker,
)
from reptidex.adapters.sql.notices import NoticeListener
from reptidex.domain.commerce.animal_follow import FOLLOWED_EVENTS
from reptidex.domain.commerce.ownership import AnimalHandover
from reptidex.domain.commerce.payment_model import ProviderName
from reptidex.domain.commerce.payment_ports import (
    AccountOnboarding,
    PaymentProvider,
    ProviderUnavailable,
)
from reptidex.domain.commerce.pedigree_odds import HET_ODDS_CHANGED
from reptidex.domain.commerce.ports import AnimalCatalogue, ListingRenderer
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.services.commerce.access import MarketplaceTerms, provide_member
from reptidex.services.commerce.listing_documents import listing_documents
from reptidex.services.commerce.search_cache import MarketplaceSearch, SearchCacheMetrics
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.auth import Principal, ServiceTokenClient
from reptidex.services.kernel.background import in_background
from reptidex.services.kernel.settings import Settings

EXPIRY_INTERVAL = 30.0
"""Seconds between two passes of the listing expiry worker, and of the reservation expiry
worker."""


class CommerceUnitsOfWork:
    """The commerce use cases' units of work, each on a session of its own, keeping the
    listings' documents with ``documents`` (the service's renderer by default)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        documents: ListingRenderer | None = None,
    ) -> None:
        self._sessions = sessions
        self.documents = documents or listing_documents()
        """How listings written through these units keep their documents."""

    @contextlib.asynccontextmanager
    async def open(self, organisation_id: uuid.UUID | None) -> AsyncIterator[SqlCommerceUnitOfWork]:
        """A unit of work scoped to ``organisation_id`` (``None``: public listings only);
        rolled back unless committed."""
        async with self._sessions() as session:
            uow = SqlCommerceUnitOfWork(session, self.documents)
            if organisation_id is not None:
                await uow.bind_organisation(organisation_id)
            yield uow

    @contextlib.asynccontextmanager
    async def open_expiry(self) -> AsyncIterator[SqlCommerceUnitOfWork]:
        """A unit of work of the listing expiry worker (every organisation's ended listings)."""
        async with self._sessions() as session:
            uow = SqlCommerceUnitOfWork(session, self.documents)
            await uow.ended.bind_worker()
            yield uow

    @contextlib.asynccontextmanager
    async def open_reservation_expiry(self) -> AsyncIterator[SqlCommerceUnitOfWork]:
        """A unit of work of the reservation expiry worker (every organisation's held
        reservations)."""
        async with self._sessions() as session:
            uow = SqlCommerceUnitOfWork(session, self.documents)
            await uow.due_reservations.bind_worker()
            yield uow

    @contextlib.asynccontextmanager
    async def open_worker(self) -> AsyncIterator[SqlCommerceUnitOfWork]:
        """A unit of work of the ownership transfer worker (every organisation's requests)."""
        async with self._sessions() as session:
            uow = SqlCommerceUnitOfWork(session, self.documents)
            await uow.ownership.bind_worker()
            yield uow

    async def provide(
        self, optional_principal: NamedDependency[Principal | None]
    ) -> AsyncIterator[SqlCommerceUnitOfWork]:
        """Dependency ``uow``: the request's unit of work, in the caller's organisation."""
        principal = optional_principal
        organisation = None if principal is None else principal.organisation_id
        async with self.open(organisation) as uow:
            yield uow


@dataclass(frozen=True, slots=True)
class CommerceComponents:
    """What the commerce controllers are given, built once per app."""

    units: CommerceUnitsOfWork
    catalogue: AnimalCatalogue
    terms: MarketplaceTerms
    transfers: OwnershipTransferWorker
    expiry: ListingExpiryWorker
    reservation_expiry: ReservationExpiryWorker
    personal_data: PersonalDataHolder
    search: MarketplaceSearch
    revenue: PaidOrderRevenue
    """The paid orders' amounts by currency, counted as the relay publishes ``order.paid``."""
    notices_url: str | None = None
    """The PostgreSQL database whose listing notices keep the search cache (``None``: SQLite,
    nothing kept)."""

    def lifespans(self) -> list[Callable[[Litestar], AbstractAsyncContextManager[None]]]:
        """What runs while the app does: the ownership transfer, listing expiry and
        reservation expiry workers, and the listener of listing changes."""
        return [self._workers, self._listing_changes]

    @contextlib.asynccontextmanager
    async def _listing_changes(self, app: Litestar) -> AsyncIterator[None]:
        """On PostgreSQL, keep the search cache in step with the listing changes of every
        process (notices) and with this process's own commits."""
        if self.notices_url is None:
            yield
            return
        cache = self.search.cache
        own = CommittedListingChanges(cache.changed)
        own.install()
        listener = NoticeListener(
            self.notices_url, CHANNEL, lambda _payload: cache.changed(), cache.listening
        )
        try:
            async with in_background(listener.run(), "reptidex-commerce-listing-changes"):
                yield
        finally:
            own.remove()

    @contextlib.asynccontextmanager
    async def _workers(self, app: Litestar) -> AsyncIterator[None]:
        async with (
            in_background(self.transfers.run(), "reptidex-commerce-transfers"),
            in_background(self.expiry.run(), "reptidex-commerce-expiry"),
            in_background(self.reservation_expiry.run(), "reptidex-commerce-reservations"),
        ):
            yield

    def collectors(self, service: str) -> list[Collector]:
        """The search cache's figures and the paid orders' amounts on ``/metrics``."""
        return [SearchCacheMetrics(self.search.cache, service), self.revenue]

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependencies: ``member``, ``uow``, ``units``, ``catalogue``,
        ``terms``, ``personal_data`` (the GDPR port) and ``marketplace`` (the public search)."""
        return {
            "member": Provide(provide_member),
            "uow": Provide(self.units.provide),
            "units": provide_value(self.units),
            "catalogue": provide_value(self.catalogue),
            "terms": provide_value(self.terms),
            "personal_data": provide_value(self.personal_data),
            "marketplace": provide_value(self.search),
        }


def build_commerce(
    kernel: Kernel,
    *,
    animals: AnimalCatalogue | None = None,
    handover: AnimalHandover | None = None,
    fee_basis_points: int = 0,
    expiry_interval: float = EXPIRY_INTERVAL,
) -> CommerceComponents:
    """repti-commerce's adapters on ``kernel`` and its subscription to repti-animal's events;
    ``animals`` and ``handover`` replace repti-animal over HTTP, ``fee_basis_points`` is the
    platform's fee on each sale, ``expiry_interval`` the seconds between two passes of the
    listing and reservation expiry workers."""
    peers = kernel.resources.peers
    documents = listing_documents()
    units = CommerceUnitsOfWork(kernel.sessions, documents)
    if handover is None:
        tokens = ServiceTokenClient.from_settings(
            kernel.settings, "commerce", transport=kernel.resources.http_transport()
        )
        handover = HttpAnimalHandover(lambda: peers, tokens.headers)
    for event_type in FOLLOWED_EVENTS:
        kernel.events.subscribe(
            event_type, kernel.events.idempotent(animal_follower(documents), purpose="listings")
        )
    kernel.events.subscribe(
        HET_ODDS_CHANGED,
        kernel.events.idempotent(het_odds_follower(documents), purpose="listing_het_odds"),
    )
    revenue = PaidOrderRevenue("commerce")
    kernel.events.observe_published(revenue.observe)
    return CommerceComponents(
        units=units,
        catalogue=animals or HttpAnimalCatalogue(lambda: peers),
        terms=MarketplaceTerms(fee_basis_points),
        transfers=OwnershipTransferWorker(
            units.open_worker, handover, poll_interval=kernel.settings.outbox_poll_interval
        ),
        expiry=ListingExpiryWorker(units.open_expiry, poll_interval=expiry_interval),
        reservation_expiry=ReservationExpiryWorker(
            units.open_reservation_expiry, poll_interval=expiry_interval
        ),
        personal_data=SqlCommercePersonalData(kernel.sessions),
        search=MarketplaceSearch(units),
        revenue=revenue,
        notices_url=(
            kernel.resources.database_url if kernel.engine.dialect.name == "postgresql" else None
        ),
    )


class ConfiguredProviders:
    """:class:`~reptidex.domain.commerce.payment_ports.ProviderChoice` over the providers the
    settings turn on."""

    def __init__(
        self,
        providers: Mapping[ProviderName, PaymentProvider],
        onboardings: Mapping[ProviderName, AccountOnboarding] | None = None,
    ) -> None:
        self._providers = dict(providers)
        self._onboardings = dict(onboardings or {})

    def get(self, name: ProviderName) -> PaymentProvider:
        """The provider; :class:`ProviderUnavailable` when it is not configured."""
        provider = self._providers.get(name)
        if provider is None:
            raise ProviderUnavailable(f"Payments through {name.value} are not configured.")
        return provider

    def names(self) -> list[ProviderName]:
        """The configured providers."""
        return [name for name in ProviderName if name in self._providers]

    def onboarding(self, name: ProviderName) -> AccountOnboarding:
        """The provider's onboarding of connected accounts; :class:`ProviderUnavailable` when
        it is not configured or onboards none."""
        onboarding = self._onboardings.get(name)
        if onboarding is None:
            raise ProviderUnavailable(f"Onboarding through {name.value} is not configured.")
        return onboarding


def providers_of(settings: Settings) -> ConfiguredProviders:
    """The providers ``settings`` configure."""
    found: dict[ProviderName, PaymentProvider] = {}
    onboardings: dict[ProviderName, AccountOnboarding] = {}
    if settings.stripe_secret_key and settings.commerce_stripe_webhook_secret:
        stripe = StripeMarketplace(
            StripeMarketplaceConfig(
                settings.stripe_secret_key,
                settings.commerce_stripe_webhook_secret,
                settings.stripe_api_base,
            )
        )
        found[ProviderName.STRIPE] = onboardings[ProviderName.STRIPE] = stripe
    if settings.paypal_client_id and settings.paypal_client_secret and settings.paypal_webhook_id:
        found[ProviderName.PAYPAL] = PayPalMarketplace(
            PayPalConfig(
                settings.paypal_client_id,
                settings.paypal_client_secret,
                settings.paypal_webhook_id,
                settings.paypal_api_base,
            )
        )
    return ConfiguredProviders(found, onboardings)


class PaymentUnits:
    """Units of work with payments, each on a session of its own."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        documents: ListingRenderer | None = None,
    ) -> None:
        self._sessions = sessions
        self.documents = documents or listing_documents()
        """How listings written through these units keep their documents."""

    @contextlib.asynccontextmanager
    async def open(self, organisation_id: uuid.UUID | None) -> AsyncIterator[SqlPaymentUnitOfWork]:
        """A unit of work scoped to ``organisation_id`` (``None``: to nobody yet); rolled
        back unless committed."""
        async with self._sessions() as session:
            uow = SqlPaymentUnitOfWork(session)
            await uow.scope(organisation_id)
            yield uow


@dataclass(frozen=True, slots=True)
class PaymentComponents:
    """What the transaction controllers are given."""

    units: PaymentUnits
    providers: ConfiguredProviders

    def dependencies(self) -> Mapping[str, Provide]:
        """``payment_units`` and ``providers``."""
        return {
            "payment_units": provide_value(self.units),
            "providers": provide_value(self.providers),
        }


def build_payments(kernel: Kernel) -> PaymentComponents:
    """The payment components on ``kernel`` and its settings."""
    return PaymentComponents(PaymentUnits(kernel.sessions), providers_of(kernel.settings))
