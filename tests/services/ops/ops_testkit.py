"""Helpers of the repti-ops tests: tokens as repti-core signs them, the app on a database, and
audit records delivered as the bus delivers them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.identity.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.audit import AuditRecord, audit_event
from reptidex.domain.events import DomainEvent
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.app import create_app

_KEY = Ed25519PrivateKey.generate()
_KID = "ops-tests"


class StaticKeys:
    """One known public key, as if fetched from core's JWKS."""

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return _KEY.public_key() if kid == _KID else None


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
    now = dt.datetime.now(dt.UTC)
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": f"service:{service}" if service else str(user_id or uuid.uuid4()),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=15)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    if organisation_id is not None and role is not None:
        payload |= {"org": str(organisation_id), "role": role}
    if platform_admin:
        payload["platform_admin"] = True
    return jwt.encode(payload, _KEY, algorithm=ALGORITHM, headers={"kid": _KID, "typ": TOKEN_TYPE})


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
