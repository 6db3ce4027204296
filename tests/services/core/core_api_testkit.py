"""An app of repti-core's billing, configuration and telemetry routes for API tests, with a
migrated database and an authenticator that knows a few fixed tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from litestar import Litestar

from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.errors import NotAuthenticated
from reptidex.domain.identity.model import Role
from reptidex.services.core.components import (
    COMPONENT_DEPENDENCIES,
    core_routes,
    install_components,
)
from reptidex.services.kernel.app import create_service_app
from reptidex.services.kernel.auth import Authenticator, Principal
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings

ORG = uuid.UUID("00000000-0000-4000-8000-00000000000a")
OTHER_ORG = uuid.UUID("00000000-0000-4000-8000-00000000000b")
OWNER = uuid.UUID("00000000-0000-4000-8000-0000000000f1")
VIEWER = uuid.UUID("00000000-0000-4000-8000-0000000000f2")


def _principal(subject: str, **fields: Any) -> Principal:
    return Principal(
        subject=subject,
        token_id=uuid.uuid4().hex,
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
        **fields,
    )


PRINCIPALS: Mapping[str, Principal] = {
    "owner": _principal(str(OWNER), user_id=OWNER, organisation_id=ORG, role=Role.OWNER),
    "viewer": _principal(str(VIEWER), user_id=VIEWER, organisation_id=ORG, role=Role.VIEWER),
    "no-org": _principal(str(VIEWER), user_id=VIEWER),
    "ops": _principal("service:ops", service="ops"),
    "media": _principal("service:media", service="media"),
}


class _NoKeys:
    async def public_key(self, kid: str) -> None:
        return None


class FixedTokens(Authenticator):
    """Accepts exactly the tokens named in :data:`PRINCIPALS`."""

    def __init__(self) -> None:
        super().__init__(_NoKeys())

    async def verify(self, token: str) -> Principal:
        try:
            return PRINCIPALS[token]
        except KeyError:
            raise NotAuthenticated("The access token is refused: unknown test token.") from None


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}"}


def build_app(settings: Settings) -> Litestar:
    """A core app with only billing, configuration and telemetry, on a migrated database."""
    upgrade("core", settings.database_url("core"))
    app = create_service_app(
        service_spec("core"),
        settings,
        core_routes(),
        dependencies=COMPONENT_DEPENDENCIES,
        authenticator=FixedTokens(),
    )
    install_components(app)
    return app
