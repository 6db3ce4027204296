"""An app of repti-core's billing, configuration and telemetry routes for API tests, with a
migrated database and an authenticator that knows a few fixed tokens."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from litestar import Litestar

from fixed_tokens import FixedTokens, bearer, principal
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.identity.model import Role
from reptidex.services.core.app import PLATFORM_ROUTES
from reptidex.services.core.wiring import build_core
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Principal
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings

ORG = uuid.UUID("00000000-0000-4000-8000-00000000000a")
OTHER_ORG = uuid.UUID("00000000-0000-4000-8000-00000000000b")
OWNER = uuid.UUID("00000000-0000-4000-8000-0000000000f1")
VIEWER = uuid.UUID("00000000-0000-4000-8000-0000000000f2")


PRINCIPALS: Mapping[str, Principal] = {
    "owner": principal(str(OWNER), user_id=OWNER, organisation_id=ORG, role=Role.OWNER),
    "viewer": principal(str(VIEWER), user_id=VIEWER, organisation_id=ORG, role=Role.VIEWER),
    "no-org": principal(str(VIEWER), user_id=VIEWER),
    "ops": principal("service:ops", service="ops"),
    "media": principal("service:media", service="media"),
}


def build_app(settings: Settings) -> Litestar:
    """A core app with only billing, configuration and telemetry, on a migrated database."""
    upgrade("core", settings.database_url("core"))
    kernel = build_kernel(service_spec("core"), settings)
    core = build_core(kernel)
    return create_service_app(
        kernel,
        PLATFORM_ROUTES,
        components=core,
        dependencies=core.dependencies(),
        authenticator=FixedTokens(PRINCIPALS),
        collectors=core.collectors(),
    )


__all__ = ["ORG", "OTHER_ORG", "OWNER", "PRINCIPALS", "VIEWER", "bearer", "build_app"]
