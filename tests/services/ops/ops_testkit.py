"""Helpers of the repti-ops tests: tokens as repti-core signs them, the app on a database, and
audit records delivered as the bus delivers them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from core_tokens import StaticKeys, signed_token
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.audit import AuditRecord, audit_event
from reptidex.domain.events import DomainEvent
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.app import create_app


def mint_token(
    organisation_id: uuid.UUID | None = None,
    role: str | None = None,
    *,
    user_id: uuid.UUID | None = None,
    platform_admin: bool = False,
    service: str | None = None,
) -> str:
    """An access token as core signs it: a user's (in an organisation with a role, or a
    platform admin's), or a service's."""
    claims: dict[str, Any] = {
        "sub": f"service:{service}" if service else str(user_id or uuid.uuid4()),
    }
    if organisation_id is not None and role is not None:
        claims |= {"org": str(organisation_id), "role": role}
    if platform_admin:
        claims["platform_admin"] = True
    return signed_token(**claims)


def bearer(token: str) -> dict[str, str]:
    """The header that sends ``token``."""
    return {"Authorization": f"Bearer {token}"}


def ops_client(settings: Settings) -> TestClient[Litestar]:
    """A test client of repti-ops on ``settings``' database (migrated first)."""
    upgrade("ops", settings.database_url("ops"))
    app = create_app(settings, authenticator=Authenticator(StaticKeys()))
    return TestClient(app, raise_server_exceptions=False)


def change(
    organisation_id: uuid.UUID | None,
    *,
    actor_id: uuid.UUID | None = None,
    kind: str = "animal",
    resource_id: str = "a1",
    action: str = "updated",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    service: str = "animal",
) -> DomainEvent:
    """The ``audit.recorded`` event of one change, as a service's outbox relays it."""
    return audit_event(
        AuditRecord(
            id=uuid.uuid4(),
            occurred_at=occurred_at or dt.datetime.now(dt.UTC),
            service=service,
            actor_id=actor_id,
            organisation_id=organisation_id,
            request_id="req-1",
            resource_kind=kind,
            resource_id=resource_id,
            action=action,
            before=before or {"name": "Old"},
            after=after or {"name": "New"},
        )
    )
