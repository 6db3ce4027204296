"""Access tokens as repti-core signs them, for the tests of a service that verifies them: one
test signing key, the key source a service's ``Authenticator`` takes, and signed tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from reptidex.adapters.identity.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE

_KEY = Ed25519PrivateKey.generate()
_KID = "service-tests"


class StaticKeys:
    """One known public key, as if fetched from core's JWKS."""

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        return _KEY.public_key() if kid == _KID else None


def signed_token(**claims: Any) -> str:
    """An access token with ``claims`` over those core always sets (issuer, audience, a fresh
    subject and id), signed as core does; valid for a day rather than core's 15 minutes, since
    a module may mint its tokens when it is collected and the suite run longer than that."""
    now = dt.datetime.now(dt.UTC)
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + dt.timedelta(days=1)).timestamp()),
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(payload, _KEY, algorithm=ALGORITHM, headers={"kid": _KID, "typ": TOKEN_TYPE})


def mint_token(organisation_id: uuid.UUID, role: str = "member") -> str:
    """An access token of a user of ``organisation_id`` with ``role``, signed as core does."""
    return signed_token(org=str(organisation_id), role=role)


def mint_service_token(service: str) -> str:
    """A service token of ``service`` (subject ``service:<name>``), signed as core does."""
    return signed_token(sub=f"service:{service}")
