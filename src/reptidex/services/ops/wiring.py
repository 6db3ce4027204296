"""repti-ops' adapters, chosen in one place (the composition root,
:func:`~reptidex.services.ops.app.create_app`, calls :func:`build_ops`): the audit trail on the
kernel's sessions and the consumer that appends every service's audit records to it; the GDPR
requests, each service's personal data (over HTTP with ops' service token, its own audit
records locally) and the worker that asks them; outgoing webhooks (the consumer that turns
events into deliveries, the worker that sends them) and the key management that seals their
secrets; the genetics lab integrations (their configurations, and repti-animal over HTTP
with the caller's token); the partner marketplace feeds (their token digests, repti-commerce's
listings over HTTP: public reads for the feed, the caller's token for an import).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from litestar import Litestar
from litestar.di import Provide
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.events.redis_streams import DEFAULT_PREFIX
from reptidex.adapters.keys.aws_kms import AwsKmsKeyManagement
from reptidex.adapters.keys.local import LocalKeyManagement, key_from_folder, parse_key
from reptidex.adapters.labs.animal_http import HttpLabAnimals
from reptidex.adapters.marketplaces.commerce_http import HttpPartnerListings
from reptidex.adapters.privacy.http_holder import HttpPersonalData
from reptidex.adapters.sql.ops.activity_records import SqlActivityRecords
from reptidex.adapters.sql.ops.audit_ingest import AuditIngest
from reptidex.adapters.sql.ops.audit_personal_data import SqlAuditPersonalData
from reptidex.adapters.sql.ops.audit_trail import SqlAuditTrail
from reptidex.adapters.sql.ops.labs import SqlLabUnitOfWork
from reptidex.adapters.sql.ops.marketplaces import SqlFeedUnitOfWork
from reptidex.adapters.sql.ops.privacy_requests import PRIVACY_QUEUE, SqlPrivacyUnitOfWork
from reptidex.adapters.sql.ops.privacy_worker import PrivacyWorker
from reptidex.adapters.sql.ops.uptime import SqlUptimeLog
from reptidex.adapters.sql.ops.webhook_worker import WebhookWorker
from reptidex.adapters.sql.ops.webhooks import (
    WEBHOOK_QUEUE,
    SqlWebhookStore,
    SqlWebhookUnitOfWork,
)
from reptidex.adapters.sql.outbox_store import on_outbox_commit
from reptidex.adapters.webhooks.http_sender import HttpWebhookSender
from reptidex.adapters.webhooks.resolver import DnsResolver
from reptidex.domain.audit import AUDIT_EVENT
from reptidex.domain.audit.ports import AuditTrail
from reptidex.domain.events import DomainEvent, EventHandler
from reptidex.domain.integrations.delivery import fan_out
from reptidex.domain.integrations.destinations import AddressResolver
from reptidex.domain.integrations.keys import KeyManagement
from reptidex.domain.integrations.kinds import WEBHOOK_EVENT_KINDS, WEBHOOK_FAMILIES
from reptidex.domain.integrations.labs.use_cases import LabImport
from reptidex.domain.integrations.marketplaces.use_cases import FeedDesk
from reptidex.domain.integrations.model import DeliveryPolicy
from reptidex.domain.integrations.subscriptions import Destinations
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.domain.privacy.use_cases import RetryPolicy
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.auth import ServiceTokenClient
from reptidex.services.kernel.background import in_background
from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.events import event_bus_kind
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.access import LabDesk, PrivacyDesk, WebhookDesk
from reptidex.services.ops.dashboard.core_api import CoreAdmin
from reptidex.services.ops.dashboard.desk import DashboardDesk
from reptidex.services.ops.dashboard.platform import PlatformWatch
from reptidex.services.ops.dashboard.sessions import SessionStore
from reptidex.services.ops.monitor import Monitoring, PlatformProbe, StatusBoard

GDPR_SERVICES = ("core", "animal", "media", "commerce", "community", "ops")
"""The services every GDPR request asks (``docs/ops.md``)."""


@dataclass(frozen=True, slots=True)
class OpsComponents:
    """What repti-ops' composition root builds."""

    trail: AuditTrail
    privacy: PrivacyDesk
    worker: PrivacyWorker
    tokens: ServiceTokenClient
    integrations: WebhookDesk
    webhook_worker: WebhookWorker
    sender: HttpWebhookSender
    dashboard: DashboardDesk
    labs: LabDesk
    marketplaces: FeedDesk
    monitoring: Monitoring

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependencies: ``trail``, ``privacy``, ``integrations``,
        ``dashboard``, ``labs``, ``marketplaces`` and ``monitoring``."""
        return {
            "trail": provide_value(self.trail),
            "privacy": provide_value(self.privacy),
            "integrations": provide_value(self.integrations),
            "dashboard": provide_value(self.dashboard),
            "labs": provide_value(self.labs),
            "marketplaces": provide_value(self.marketplaces),
            "monitoring": provide_value(self.monitoring),
        }

    def run_uptime_sampler(self, app: Litestar) -> AbstractAsyncContextManager[None]:
        """Sample the platform's status into the uptime history while the app runs."""
        return in_background(self.monitoring.sample_every_interval(), "reptidex-ops-uptime")

    @asynccontextmanager
    async def run_worker(self, app: Litestar) -> AsyncIterator[None]:
        """Run the GDPR worker while the app runs, woken by every new request."""
        unwake = on_outbox_commit(PRIVACY_QUEUE, self.worker.wake)
        task = asyncio.create_task(self.worker.run(), name="reptidex-ops-gdpr")
        try:
            yield
        finally:
            unwake()
            self.worker.stop()
            await asyncio.gather(task, return_exceptions=True)
            await self.tokens.aclose()

    @asynccontextmanager
    async def run_webhooks(self, app: Litestar) -> AsyncIterator[None]:
        """Send webhook deliveries while the app runs, woken by every commit of new ones."""
        worker = self.webhook_worker
        unwake = on_outbox_commit(WEBHOOK_QUEUE, worker.wake)
        task = asyncio.create_task(worker.run(), name="reptidex-ops-webhooks")
        try:
            yield
        finally:
            unwake()
            worker.stop()
            await asyncio.gather(task, return_exceptions=True)
            await self.sender.aclose()


def key_management(settings: Settings) -> KeyManagement:
    """What seals integration secrets, as the settings choose: AWS KMS, or the local key
    (``REPTIDEX_INTEGRATION_SECRETS_KEY``, else the data folder's)."""
    if settings.key_management == "aws-kms":
        if not settings.kms_key_id:
            raise ValueError("aws-kms key management needs REPTIDEX_KMS_KEY_ID")
        return AwsKmsKeyManagement(
            settings.kms_key_id,
            endpoint_url=settings.kms_endpoint_url,
            region=settings.kms_region,
        )
    if settings.integration_secrets_key:
        return LocalKeyManagement(parse_key(settings.integration_secrets_key))
    return LocalKeyManagement(key_from_folder(settings.data_dir))


async def deliveries_of(event: DomainEvent, session: AsyncSession) -> None:
    """Store a delivery of ``event`` for each webhook that wants it."""
    await fan_out(SqlWebhookStore(session), event, dt.datetime.now(dt.UTC))


def _deliverable(handler: EventHandler) -> EventHandler:
    async def handle(event: DomainEvent) -> None:
        if event.type in WEBHOOK_EVENT_KINDS:  # no mark kept for the others
            await handler(event)

    return handle


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def dashboard_sessions(kernel: Kernel) -> SessionStore:
    """The dashboard's sessions: in Redis when configured (every replica sees them), else in
    this process's memory."""
    redis = kernel.resources.redis
    if redis is not None:
        return SessionStore(RedisStore(redis, namespace="reptidex-ops-dashboard"))
    return SessionStore(MemoryStore())


def build_dashboard(
    kernel: Kernel,
    trail: AuditTrail,
    monitoring: Monitoring,
    peers: PeerClient | None = None,
) -> DashboardDesk:
    """The admin dashboard on ``kernel``: repti-core and the other services through the peer
    client (``peers`` replaces it), errors and backlogs bounded by twice the health timeout,
    the platform's status and uptime from ``monitoring``."""
    settings, resources = kernel.settings, kernel.resources
    chosen = peers or resources.peers
    watch = PlatformWatch(
        lambda: chosen,
        kernel.metrics.registry,
        # a peer's own probes take up to the health timeout: allow it that twice
        2 * settings.health_timeout,
        own_errors=kernel.errors,
        bus_kind=event_bus_kind(settings),
        stream_prefix=DEFAULT_PREFIX,
        redis=resources.redis,
    )
    return DashboardDesk(
        sessions=dashboard_sessions(kernel),
        core=CoreAdmin(lambda: chosen),
        watch=watch,
        monitoring=monitoring,
        trail=trail,
        activity=SqlActivityRecords(kernel.sessions),
        limiter=kernel.rate_limiter,
    )


def build_monitoring(
    kernel: Kernel,
    peers: PeerClient | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Monitoring:
    """The platform's status and uptime on ``kernel``: the other services through the peer
    client (``peers`` replaces it), ops' own checks in process, the time from ``clock``."""
    settings = kernel.settings
    chosen = peers or kernel.resources.peers
    checks = {**kernel.resources.checks(), "events": kernel.events.check}  # its /health/deep's
    clock = clock or _now
    probe = PlatformProbe(
        lambda: chosen,
        lambda: checks,
        timeout=settings.monitoring_timeout,
        check_timeout=settings.health_timeout,
        slow_ms=settings.monitoring_slow * 1000,
        operations_token=settings.operations_token,
        clock=clock,
    )
    return Monitoring(
        board=StatusBoard(probe, settings.monitoring_cache),
        log=SqlUptimeLog(kernel.sessions),
        services=SERVICE_NAMES,
        clock=clock,
        interval=settings.monitoring_interval,
        retention_days=settings.monitoring_retention_days,
    )


def build_ops(
    kernel: Kernel,
    *,
    trail: AuditTrail | None = None,
    holders: Mapping[str, PersonalDataHolder] | None = None,
    retry: RetryPolicy | None = None,
    tokens: ServiceTokenClient | None = None,
    keys: KeyManagement | None = None,
    resolver: AddressResolver | None = None,
    webhook_policy: DeliveryPolicy | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    peers: PeerClient | None = None,
) -> OpsComponents:
    """repti-ops' adapters on ``kernel``, and its subscriptions: to every service's audit
    records and to the events webhooks deliver (both idempotent: an event delivered twice is
    handled once). ``holders`` replace services' personal data (by name), ``retry`` the GDPR
    retry policy, ``tokens`` ops' service token client, ``keys`` the key management,
    ``resolver`` the webhooks' host resolver, ``webhook_policy`` their retries, ``clock``
    the webhooks' and the monitoring's time and ``peers`` the dashboard's and the
    monitoring's client of the other services."""
    events, sessions, settings = kernel.events, kernel.sessions, kernel.settings
    events.subscribe(AUDIT_EVENT, AuditIngest(events.engine, f"{events.group}:audit"))
    fanning = _deliverable(events.idempotent(deliveries_of, purpose="webhooks"))
    for family in sorted(WEBHOOK_FAMILIES):
        events.subscribe(f"{family}.*", fanning)
    tokens = tokens or ServiceTokenClient.from_settings(
        kernel.settings, "ops", transport=kernel.resources.http_transport()
    )
    kernel_peers = kernel.resources.peers
    chosen: dict[str, PersonalDataHolder] = {
        service: HttpPersonalData(service, lambda: kernel_peers, tokens.headers)
        for service in GDPR_SERVICES
        if service != "ops"
    }
    chosen["ops"] = SqlAuditPersonalData(sessions)
    chosen.update(holders or {})
    desk = PrivacyDesk(lambda: SqlPrivacyUnitOfWork(sessions), GDPR_SERVICES)
    worker = PrivacyWorker(sessions, chosen, retry=retry)
    keys = keys or key_management(settings)
    clock = clock or _now
    resolver = resolver or DnsResolver()
    sender = HttpWebhookSender(
        resolver, allow_local=settings.webhook_allow_local, timeout=settings.webhook_timeout
    )
    webhook_worker = WebhookWorker(
        sessions,
        keys,
        sender,
        policy=webhook_policy or DeliveryPolicy(attempts=settings.webhook_max_attempts),
        clock=clock,
    )
    integrations = WebhookDesk(
        lambda organisation_id: SqlWebhookUnitOfWork(sessions, organisation_id),
        keys,
        Destinations(resolver, settings.webhook_allow_local),
        clock,
    )
    trail = trail or SqlAuditTrail(sessions)
    lab_peers = peers or kernel_peers
    animals = HttpLabAnimals(lambda: lab_peers)
    labs = LabDesk(
        LabImport(
            lambda organisation_id: SqlLabUnitOfWork(sessions, organisation_id),
            animals,
            clock,
        ),
        keys,
    )
    marketplaces = FeedDesk(
        lambda organisation_id: SqlFeedUnitOfWork(sessions, organisation_id),
        lambda digest: SqlFeedUnitOfWork(sessions, token_digest=digest),
        HttpPartnerListings(lambda: lab_peers),
        animals,
        clock,
    )
    monitoring = build_monitoring(kernel, peers, clock)
    return OpsComponents(
        trail,
        desk,
        worker,
        tokens,
        integrations,
        webhook_worker,
        sender,
        build_dashboard(kernel, trail, monitoring, peers),
        labs,
        marketplaces,
        monitoring,
    )
