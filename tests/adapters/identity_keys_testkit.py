"""Stand-ins for the tests of access tokens: injected clocks, and core's signing keys kept in
memory as its database keeps them."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from reptidex.adapters.identity.tokens import ALGORITHM, KeyRing, public_jwk
from reptidex.adapters.sql.identity_models import SigningKeyRow

NOW = 4_000_000_000  # seconds since the epoch (2096): far from the machine's clock
START = dt.datetime.fromtimestamp(NOW, dt.UTC)
LIFETIME = dt.timedelta(days=30)
TTL = dt.timedelta(minutes=15)


class Ticker:
    """Seconds, set by the test: a wall clock for the verifier, a monotonic one for caches."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class WallClock:
    """The key ring's clock (UTC datetimes)."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def raw(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The 32 bytes of a public key (or of a private key's public half), to compare keys."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def copy_row(row: SigningKeyRow) -> SigningKeyRow:
    """A detached copy of ``row``, as a new database session would load it."""
    return SigningKeyRow(
        id=row.id,
        kid=row.kid,
        algorithm=row.algorithm,
        public_jwk=row.public_jwk,
        private_key=row.private_key,
        encrypted=row.encrypted,
        signs_until=row.signs_until,
        published_until=row.published_until,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class MemoryKeys:
    """The signing keys as core's database keeps them (``SqlSigningKeys``): every read is a
    fresh copy, so a ring sees another's change only when it reads again."""

    def __init__(self) -> None:
        self.rows: list[SigningKeyRow] = []
        self.reads = 0

    async def published(self, now: dt.datetime) -> list[SigningKeyRow]:
        self.reads += 1
        live = sorted((row for row in self.rows if row.published_until > now), key=lambda r: r.kid)
        live.sort(key=lambda row: row.created_at, reverse=True)
        return [copy_row(row) for row in live]

    async def add(self, row: SigningKeyRow) -> None:
        self.rows.append(copy_row(row))

    async def newest_created_at(self) -> dt.datetime | None:
        return max((row.created_at for row in self.rows), default=None)

    async def retire(self, kid: str, now: dt.datetime) -> None:
        for row in self.rows:
            if row.kid == kid and row.signs_until > now:
                row.signs_until = now
                row.updated_at = now

    def row(self, kid: str) -> SigningKeyRow:
        (found,) = (row for row in self.rows if row.kid == kid)
        return found


def store_key(
    store: MemoryKeys,
    *,
    created: dt.datetime,
    signs_until: dt.datetime,
    published_until: dt.datetime | None = None,
    secret: bytes | None = None,
    jwk: dict[str, str] | None = None,
) -> str:
    """A key pair written into the store as another replica (or an earlier version) would."""
    private = Ed25519PrivateKey.generate()
    published = jwk or public_jwk(private.public_key())
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    )
    store.rows.append(
        SigningKeyRow(
            id=uuid.uuid4(),
            kid=published["kid"],
            algorithm=ALGORITHM,
            public_jwk=json.dumps(published),
            private_key=private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            ).decode("ascii"),
            encrypted=secret is not None,
            signs_until=signs_until,
            published_until=published_until or signs_until + dt.timedelta(days=1),
            created_at=created,
            updated_at=created,
        )
    )
    return published["kid"]


def key_ring(
    store: MemoryKeys,
    clock: WallClock,
    ticker: Ticker | None = None,
    *,
    secret: str | None = None,
    cache_for: float = 60.0,
) -> KeyRing:
    """A key ring on ``store``: keys sign for 30 days, tokens live 15 minutes."""
    return KeyRing(
        store,
        clock,
        key_lifetime=LIFETIME,
        access_token_ttl=TTL,
        encryption_secret=secret,
        cache_for=cache_for,
        monotonic=ticker or Ticker(),
    )
