"""The repti-core app: the composition root of the core service.

Routes: identity (``/auth``, ``/orgs``, ``/invitations``, ``/.well-known/jwks.json``, and
the ``/account`` pages the identity mails link to),
``/orgs/{id}/public``, billing (``/billing``), configuration and feature flags (``/config``),
telemetry ingest (``/telemetry``), ``POST /events/publish`` and the GDPR port
(``/internal/personal-data``, for repti-ops).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.types import ControllerRouterHandler
from opentelemetry.sdk.trace.export import SpanExporter

from reptidex.services.core.billing_api import BillingAccountController, BillingPlansController
from reptidex.services.core.config_api import FeaturesController, FlagAdminController
from reptidex.services.core.events_api import EVENT_ROUTES
from reptidex.services.core.identity import IDENTITY_ROUTES
from reptidex.services.core.identity.account_pages import ACCOUNT_PAGES, account_templates
from reptidex.services.core.identity.administration_api import PlatformAdminController
from reptidex.services.core.identity.wiring import IdentityOverrides
from reptidex.services.core.organisation_profiles import organisation_public
from reptidex.services.core.telemetry_api import TelemetryController
from reptidex.services.core.wiring import build_core
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.personal_data import PERSONAL_DATA_ROUTES
from reptidex.services.kernel.settings import Settings, load_settings

PLATFORM_ROUTES: list[ControllerRouterHandler] = [
    BillingPlansController,
    BillingAccountController,
    FeaturesController,
    FlagAdminController,
    PlatformAdminController,
    TelemetryController,
]
"""Billing, configuration, platform administration and telemetry."""


def create_app(
    settings: Settings | None = None,
    *,
    identity: IdentityOverrides | None = None,
    span_exporter: SpanExporter | None = None,
) -> Litestar:
    """Build repti-core from settings (default: the environment).

    ``identity`` replaces some of identity's adapters (tests pass a fast hasher, a fake clock
    or notifier, a recording rate limiter).
    ``span_exporter`` turns tracing on with spans going there (tests); otherwise
    ``REPTIDEX_OTLP_ENDPOINT`` decides.
    """
    kernel = build_kernel(
        service_spec("core"), settings or load_settings(), span_exporter=span_exporter
    )
    core = build_core(kernel, identity=identity)
    return create_service_app(
        kernel,
        [
            *IDENTITY_ROUTES,
            ACCOUNT_PAGES,
            organisation_public,
            *PLATFORM_ROUTES,
            *EVENT_ROUTES,
            *PERSONAL_DATA_ROUTES,
        ],
        components=core,
        dependencies=core.dependencies(),
        lifespan=[core.mail.lifespan],
        # core verifies its own tokens straight from its key ring, without HTTP
        authenticator=Authenticator(core.identity.keys, leeway=kernel.settings.token_leeway),
        checks={"mail": core.mail.check},
        collectors=core.collectors(),
        samplers=core.samplers(),
        template_config=account_templates(),
    )
