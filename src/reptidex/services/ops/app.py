"""The repti-ops app: the audit trail of every service's data changes, GDPR export and
erasure, outgoing webhooks, genetics lab integrations, partner marketplaces and the platform's
status and uptime (``docs/ops.md``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from litestar import Litestar
from litestar.types import ControllerRouterHandler
from opentelemetry.sdk.trace.export import SpanExporter

from reptidex.domain.integrations.destinations import AddressResolver
from reptidex.domain.integrations.keys import KeyManagement
from reptidex.domain.integrations.model import DeliveryPolicy
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.domain.privacy.use_cases import RetryPolicy
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator, ServiceTokenClient
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.settings import Settings, load_settings
from reptidex.services.ops.audit import AuditController
from reptidex.services.ops.compliance import ComplianceController
from reptidex.services.ops.dashboard.pages import DASHBOARD
from reptidex.services.ops.dashboard.templating import dashboard_templates
from reptidex.services.ops.gdpr import GdprController
from reptidex.services.ops.labs import LabController
from reptidex.services.ops.marketplaces import MarketplaceController
from reptidex.services.ops.monitoring import monitoring_router
from reptidex.services.ops.webhooks import WebhookController
from reptidex.services.ops.wiring import build_ops

CONTROLLERS: list[ControllerRouterHandler] = [
    AuditController,
    ComplianceController,
    GdprController,
    WebhookController,
    LabController,
    MarketplaceController,
    DASHBOARD,
]


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    holders: Mapping[str, PersonalDataHolder] | None = None,
    retry: RetryPolicy | None = None,
    tokens: ServiceTokenClient | None = None,
    keys: KeyManagement | None = None,
    resolver: AddressResolver | None = None,
    webhook_policy: DeliveryPolicy | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    peers: PeerClient | None = None,
    span_exporter: SpanExporter | None = None,
) -> Litestar:
    """Build repti-ops from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``holders``
    replace services' personal data by name, ``retry`` the GDPR retry policy, ``tokens``
    ops' own service token client; ``keys``, ``resolver``, ``webhook_policy`` and ``clock``
    the webhooks' key management, host resolver, retry policy and time (``clock`` is the
    monitoring's time too); ``peers`` the admin dashboard's and the monitoring's client of the
    other services.
    ``span_exporter`` turns tracing on with spans going there (tests); otherwise
    ``REPTIDEX_OTLP_ENDPOINT`` decides.
    """
    kernel = build_kernel(
        service_spec("ops"), settings or load_settings(), span_exporter=span_exporter
    )
    ops = build_ops(
        kernel,
        holders=holders,
        retry=retry,
        tokens=tokens,
        keys=keys,
        resolver=resolver,
        webhook_policy=webhook_policy,
        clock=clock,
        peers=peers,
    )
    return create_service_app(
        kernel,
        [*CONTROLLERS, monitoring_router(kernel.operators)],
        components=ops,
        dependencies=ops.dependencies(),
        lifespan=[ops.run_worker, ops.run_webhooks, ops.run_uptime_sampler],
        authenticator=authenticator,
        template_config=dashboard_templates(),
    )
