"""The composition root of billing, feature flags and telemetry in repti-core.

Picks the adapters from settings (Stripe or billing switched off; SQL stores on the service's
engine; the Prometheus collector on the service's metrics registry) and keeps the use cases in
``app.state`` for the controllers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Litestar
from litestar.datastructures import State
from litestar.di import Provide
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reptidex.adapters.metrics.telemetry_collector import TelemetryCollector
from reptidex.adapters.payments.stripe_gateway import StripeConfig, StripeGateway
from reptidex.adapters.sql.billing import SqlBillingUnitOfWork
from reptidex.adapters.sql.flags import SqlFlagUnitOfWork
from reptidex.domain.billing import Billing
from reptidex.domain.flags import FeatureFlags, FlagCache
from reptidex.domain.telemetry import TelemetryIngest, TelemetryLimits
from reptidex.services.kernel.settings import Settings

STATE_KEY = "core_components"


@dataclass(slots=True)
class CoreComponents:
    """The billing, flag and telemetry use cases of one repti-core app."""

    billing: Billing
    flags: FeatureFlags
    flag_cache: FlagCache
    telemetry: TelemetryIngest


def stripe_config(settings: Settings) -> StripeConfig | None:
    """The Stripe configuration, or ``None`` when billing is switched off."""
    return StripeConfig.from_values(
        secret_key=settings.stripe_secret_key,
        webhook_secret=settings.stripe_webhook_secret,
        prices=settings.stripe_prices,
        api_base=settings.stripe_api_base,
        timeout=settings.http_timeout,
    )


def build_components(
    settings: Settings, engine: AsyncEngine, registry: CollectorRegistry
) -> CoreComponents:
    """Wire the use cases onto ``engine`` and ``registry`` as ``settings`` ask."""
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    config = stripe_config(settings)
    gateway = StripeGateway(config) if config is not None else None
    cache = FlagCache(ttl=settings.flag_cache_ttl)
    limits = TelemetryLimits()
    collector = TelemetryCollector(limits).register(registry)
    return CoreComponents(
        billing=Billing(gateway, lambda: SqlBillingUnitOfWork(sessions)),
        flags=FeatureFlags(lambda: SqlFlagUnitOfWork(sessions), cache),
        flag_cache=cache,
        telemetry=TelemetryIngest(collector, limits=limits),
    )


def components_of(state: State | Any) -> CoreComponents:
    """The components kept in an app's state."""
    components: CoreComponents = state[STATE_KEY]
    return components


def install_components(app: Litestar) -> CoreComponents:
    """Build the components of ``app`` and keep them in its state."""
    from reptidex.services.kernel.app import resources_of

    resources = resources_of(app)
    components = build_components(
        resources.settings, resources.engine, app.state["metrics"].registry
    )
    app.state[STATE_KEY] = components
    events = app.state.get("events")
    if events is not None:
        # Other replicas' flag changes reach this one's cache through the bus.
        events.subscribe("config.*", components.flag_cache.on_config_event)
    return components


def _billing(state: State) -> Billing:
    return components_of(state).billing


def _flags(state: State) -> FeatureFlags:
    return components_of(state).flags


def _telemetry(state: State) -> TelemetryIngest:
    return components_of(state).telemetry


COMPONENT_DEPENDENCIES: dict[str, Provide] = {
    "billing": Provide(_billing, sync_to_thread=False),
    "flags": Provide(_flags, sync_to_thread=False),
    "telemetry": Provide(_telemetry, sync_to_thread=False),
}
"""Providers of the ``billing``, ``flags`` and ``telemetry`` dependencies."""


def core_routes() -> list[type[Controller]]:
    """The controllers of billing, configuration and telemetry."""
    from reptidex.services.core.billing_api import BillingAccountController, BillingPlansController
    from reptidex.services.core.config_api import FeaturesController, FlagAdminController
    from reptidex.services.core.telemetry_api import TelemetryController

    return [
        BillingPlansController,
        BillingAccountController,
        FeaturesController,
        FlagAdminController,
        TelemetryController,
    ]
