"""The repti-core app."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide

from reptidex.services.core.components import (
    COMPONENT_DEPENDENCIES,
    core_routes,
    install_components,
)
from reptidex.services.core.events_api import EVENT_ROUTES
from reptidex.services.core.identity import IDENTITY_ROUTES, IdentityRuntime
from reptidex.services.core.organisation_profiles import organisation_public
from reptidex.services.kernel.app import create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings


def create_app(
    settings: Settings | None = None, *, identity: IdentityRuntime | None = None
) -> Litestar:
    """Build repti-core from settings (default: the environment).

    ``identity`` replaces the identity wiring (tests pass one with fake adapters).
    """
    settings = settings or load_settings()
    identity = identity or IdentityRuntime(settings)
    app = create_service_app(
        service_spec("core"),
        settings,
        [*IDENTITY_ROUTES, organisation_public, *core_routes(), *EVENT_ROUTES],
        dependencies={
            "identity": Provide(identity.provide, sync_to_thread=False),
            **COMPONENT_DEPENDENCIES,
        },
        lifespan=[identity.lifespan],
        # core verifies its own tokens straight from its key ring, without HTTP
        authenticator=Authenticator(identity, leeway=settings.token_leeway),
        checks={"mail": identity.check_mail},
    )
    install_components(app)  # billing, feature flags, telemetry
    return app
