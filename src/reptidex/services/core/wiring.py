"""repti-core's adapters and use cases, chosen in one place (the composition root,
:func:`~reptidex.services.core.app.create_app`, calls :func:`build_core`): identity (accounts,
sessions, organisations, signing keys, mail), billing (Stripe, PayPal, both, or switched off), feature flags,
telemetry, and the intake of events published from outside. Every use case opens its own unit
of work and commits it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litestar.di import Provide
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reptidex.adapters.metrics.telemetry_collector import TelemetryCollector
from reptidex.adapters.payments.paypal_billing import PayPalBillingConfig, PayPalSubscriptions
from reptidex.adapters.payments.stripe_gateway import StripeConfig, StripeGateway
from reptidex.adapters.sql.billing import SqlBillingUnitOfWork
from reptidex.adapters.sql.flags import SqlFlagUnitOfWork
from reptidex.adapters.sql.identity_personal_data import SqlIdentityPersonalData
from reptidex.adapters.sql.outbox_store import SqlOutboxUnitOfWork
from reptidex.domain.billing import Billing, PaymentGateway
from reptidex.domain.events.intake import EventIntake
from reptidex.domain.flags import FeatureFlags, FlagCache
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.domain.telemetry import TelemetryIngest, TelemetryLimits
from reptidex.services.core.identity.wiring import (
    IdentityComponents,
    IdentityOverrides,
    MailDelivery,
    build_identity,
)
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.metrics import Sampler
from reptidex.services.kernel.settings import Settings


@dataclass(frozen=True, slots=True)
class CoreComponents:
    """The use cases of one repti-core app, and what runs beside them."""

    identity: IdentityComponents
    mail: MailDelivery
    billing: Billing
    flags: FeatureFlags
    flag_cache: FlagCache
    telemetry: TelemetryIngest
    telemetry_metrics: TelemetryCollector
    event_intake: EventIntake
    personal_data: PersonalDataHolder
    """The GDPR port: a user's account, memberships, sessions and invitations."""

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependencies: ``identity``, ``billing``, ``flags``, ``telemetry``
        ``event_intake`` and ``personal_data``."""
        return {
            "identity": provide_value(self.identity),
            "billing": provide_value(self.billing),
            "flags": provide_value(self.flags),
            "telemetry": provide_value(self.telemetry),
            "event_intake": provide_value(self.event_intake),
            "personal_data": provide_value(self.personal_data),
        }

    def collectors(self) -> list[Collector]:
        """The telemetry reported by clients, on ``/metrics``."""
        return [self.telemetry_metrics]

    def samplers(self) -> dict[str, Sampler]:
        """What ``/metrics`` reads at each scrape: the signing keys' age."""
        return {"signing_keys": self.sample_signing_keys}

    async def sample_signing_keys(self) -> list[Metric]:
        """The age of the newest signing key and the lifetime after which it is replaced."""
        keys = self.identity.keys
        age = await keys.newest_key_age()
        lifetime = GaugeMetricFamily(
            "reptidex_signing_key_lifetime_seconds",
            "How long a signing key signs before a new one replaces it.",
            labels=["service"],
        )
        lifetime.add_metric(["core"], keys.key_lifetime.total_seconds())
        if age is None:
            return [lifetime]
        newest = GaugeMetricFamily(
            "reptidex_signing_key_age_seconds",
            "Age of the newest published signing key (above the lifetime: rotation is late).",
            labels=["service"],
        )
        newest.add_metric(["core"], age)
        return [lifetime, newest]


def stripe_config(settings: Settings) -> StripeConfig | None:
    """The Stripe configuration, or ``None`` when plans are not sold through Stripe."""
    return StripeConfig.from_values(
        secret_key=settings.stripe_secret_key,
        webhook_secret=settings.stripe_webhook_secret,
        prices=settings.stripe_prices,
        api_base=settings.stripe_api_base,
        timeout=settings.http_timeout,
    )


def paypal_billing_config(settings: Settings) -> PayPalBillingConfig | None:
    """The PayPal configuration of billing (the platform's PayPal app, billing's webhook and
    the plans' ids), or ``None`` when plans are not sold through PayPal."""
    return PayPalBillingConfig.from_values(
        client_id=settings.paypal_client_id,
        client_secret=settings.paypal_client_secret,
        webhook_id=settings.billing_paypal_webhook_id,
        plans=settings.paypal_plans,
        api_base=settings.paypal_api_base,
        timeout=settings.http_timeout,
    )


def payment_gateways(settings: Settings) -> list[PaymentGateway]:
    """The providers plans are sold through: Stripe, PayPal, both or none (billing off)."""
    gateways: list[PaymentGateway] = []
    stripe = stripe_config(settings)
    if stripe is not None:
        gateways.append(StripeGateway(stripe))
    paypal = paypal_billing_config(settings)
    if paypal is not None:
        gateways.append(PayPalSubscriptions(paypal))
    return gateways


def build_core(kernel: Kernel, *, identity: IdentityOverrides | None = None) -> CoreComponents:
    """repti-core's use cases on ``kernel``, with the adapters its settings choose
    (``identity`` replaces some of identity's); subscribes the flag cache to ``config.*``, so
    that other replicas' flag changes reach this one's cache through the bus."""
    settings, sessions = kernel.settings, kernel.sessions
    wired = build_identity(settings, kernel.engine, kernel.rate_limiter, identity)
    cache = FlagCache(ttl=settings.flag_cache_ttl)
    kernel.events.subscribe("config.*", cache.on_config_event)
    limits = TelemetryLimits()
    collector = TelemetryCollector(limits)
    return CoreComponents(
        identity=wired,
        mail=MailDelivery(settings, kernel.engine, wired.context.notifier),
        billing=Billing(payment_gateways(settings), lambda: SqlBillingUnitOfWork(sessions)),
        flags=FeatureFlags(lambda: SqlFlagUnitOfWork(sessions), cache),
        flag_cache=cache,
        telemetry=TelemetryIngest(collector, limits=limits),
        telemetry_metrics=collector,
        event_intake=EventIntake(lambda: SqlOutboxUnitOfWork(sessions, "core")),
        personal_data=SqlIdentityPersonalData(sessions),
    )
