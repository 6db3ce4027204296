"""Fixtures of the repti-media tests: tokens as repti-core signs them, the app on SQLite (or a
real PostgreSQL database), and images made on the spot."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from reptidex.adapters.identity.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.app import create_app

_KEY = Ed25519PrivateKey.generate()
_KID = "media-tests"


class StaticKeys:
    """One known public key, as if fetched from core's JWKS."""

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return _KEY.public_key() if kid == _KID else None


def media_token(
    organisation_id: uuid.UUID | None, role: str | None = "member", **extra: Any
) -> str:
    """An access token signed as core signs them (a user's, or a service's with ``svc``)."""
    now = dt.datetime.now(dt.UTC)
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=15)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    if organisation_id is not None:
        payload["org"] = str(organisation_id)
    if role is not None:
        payload["role"] = role
    payload.update(extra)
    return jwt.encode(payload, _KEY, algorithm=ALGORITHM, headers={"kid": _KID, "typ": TOKEN_TYPE})


@dataclass
class Member:
    """A member of an organisation with the client of repti-media."""

    client: TestClient[Litestar]
    organisation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    role: str = "member"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {media_token(self.organisation_id, self.role)}"}

    def upload(self, content: bytes, filename: str = "photo.jpg", **form: str) -> Any:
        return self.client.post(
            "/upload",
            files={"file": (filename, content, "application/octet-stream")},
            data=form,
            headers=self.headers,
        )

    def get(self, url: str, **headers: str) -> Any:
        return self.client.get(url, headers={**self.headers, **headers})


def media_client(settings: Settings, **options: Any) -> TestClient[Litestar]:
    """A test client of repti-media on ``settings``' database (migrated first)."""
    upgrade("media", settings.database_url("media"))
    app = create_app(settings, authenticator=Authenticator(StaticKeys()), **options)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    """repti-media on a fresh SQLite file and a local-disk blob store."""
    with media_client(make_settings()) as test_client:
        yield test_client


@pytest.fixture
def member(client: TestClient[Litestar]) -> Member:
    """A member of a fresh organisation."""
    return Member(client)


def photo(
    size: tuple[int, int] = (640, 480), *, kind: str = "JPEG", exif: bytes | None = None
) -> bytes:
    """A photo with a gradient (so it is not blank), optionally with EXIF."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    buffer = io.BytesIO()
    options: dict[str, Any] = {} if exif is None else {"exif": exif}
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def gps_exif() -> bytes:
    """EXIF with a GPS position (51°30'N 0°7'W), a camera make and an orientation."""
    exif = Image.Exif()
    exif[0x010F] = "SnakeCam"  # Make
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 0.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 0.0)
    return exif.tobytes()
