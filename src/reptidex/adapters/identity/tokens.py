"""Access tokens as JWTs: Ed25519 key pairs with rotation, signing, JWKS, and verification.

* :class:`KeyRing` keeps the signing keys (in core's database): the newest key signs; older ones
  stay published in the JWKS until every token they signed has expired, so rotating a key logs
  nobody out.
* :class:`JwtSigner` signs :class:`~reptidex.domain.identity.AccessClaims` (``EdDSA``, ``kid``
  header, issuer, audience, expiry).
* :class:`TokenVerifier` checks a token against a :class:`PublicKeySource`: core's own key ring,
  or :class:`JwksKeySource`, a cached copy of core's ``/.well-known/jwks.json`` for the other
  services. Only ``EdDSA`` is accepted, so ``alg: none`` and algorithm-confusion tokens fail.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from reptidex.adapters.sql.identity_models import SigningKeyRow
from reptidex.domain.identity.model import Role
from reptidex.domain.identity.ports import Clock
from reptidex.domain.identity.tokens import AccessClaims

ISSUER = "reptidex-core"
AUDIENCE = "reptidex"
ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"  # noqa: S105 (RFC 9068: an access token, not another kind of JWT)
DEFAULT_LEEWAY = 30  # seconds of clock skew tolerated between services

_log = structlog.get_logger("reptidex.tokens")


class InvalidToken(Exception):
    """The token is malformed, expired, tampered with, or signed by no key we know."""


class KeysUnavailable(Exception):
    """The issuer's keys could not be fetched, and the token names a key not in hand: it can
    be neither accepted nor refused until they can."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    """Unpadded base64url (RFC 7515 section 2); any other character, or extra padding, fails."""
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The RFC 8037 JWK of ``key`` with its RFC 7638 thumbprint as ``kid``.

    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> key = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    >>> jwk = public_jwk(key)
    >>> jwk["kty"], jwk["crv"], jwk["x"]
    ('OKP', 'Ed25519', 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik')
    >>> jwk["kid"]
    '9ZP03Nu8GrXPAUkbKNxHOKBzxPX83SShgFkRNK-f2lw'
    >>> public_key_from_jwk(jwk) == key
    True
    """
    x = _b64url(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    kid = _b64url(hashlib.sha256(canonical.encode("ascii")).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def public_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey | None:
    """The Ed25519 key of a JWK, or None when it is anything else (other curves are ignored).

    >>> public_key_from_jwk({"kty": "EC", "crv": "P-256", "x": "...", "y": "..."}) is None
    True
    """
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or jwk.get("use", "sig") != "sig":
        return None
    try:
        raw = _b64url_decode(str(jwk["x"]))
        return Ed25519PublicKey.from_public_bytes(raw)
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key that may sign: its ``kid`` and private key."""

    kid: str
    private_key: Ed25519PrivateKey


class PublicKeySource(Protocol):
    """Where a verifier finds the public key of a ``kid``."""

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        """The key with ``kid``, or None when there is none. ``issued_at`` (seconds since
        the epoch, unverified) is when the token naming it says it was signed: a source that
        holds a copy of the keys may answer that the key is newer than its copy
        (:class:`KeysUnavailable`) rather than unknown."""


class SigningKeyStore(Protocol):
    """Where the key ring keeps its key pairs: core's database (``SqlSigningKeys``)."""

    async def published(self, now: dt.datetime) -> list[SigningKeyRow]:
        """Every key still in the JWKS at ``now``, newest first."""

    async def add(self, row: SigningKeyRow) -> None:
        """Store a new key pair."""

    async def newest_created_at(self) -> dt.datetime | None:
        """When the newest key was made, published or not (None: there is no key)."""

    async def retire(self, kid: str, now: dt.datetime) -> None:
        """Stop ``kid`` signing from ``now``."""


class KeyRing:
    """Core's signing keys, stored in its database, with rotation.

    A key signs for ``key_lifetime``; then a new key is made and the old one stays published for
    ``access_token_ttl`` plus the leeway, the longest any of its tokens can live. The keys are
    cached in memory for ``cache_for`` seconds (and reloaded at once on an unknown ``kid``), so
    another replica's new key is seen quickly. With ``encryption_secret`` the private keys are
    stored encrypted (PKCS#8 with the best available scheme).
    """

    def __init__(
        self,
        store: SigningKeyStore,
        clock: Clock,
        *,
        key_lifetime: dt.timedelta,
        access_token_ttl: dt.timedelta,
        encryption_secret: str | None = None,
        cache_for: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._clock = clock
        self.key_lifetime = key_lifetime
        self.access_token_ttl = access_token_ttl
        self._secret = encryption_secret.encode("utf-8") if encryption_secret else None
        self._cache_for = cache_for
        self._monotonic = monotonic
        self._rows: list[SigningKeyRow] = []
        self._loaded_at: float | None = None
        self._signing: SigningKey | None = None
        self._public: dict[str, Ed25519PublicKey] = {}
        self._lock = asyncio.Lock()

    def _stale(self) -> bool:
        return self._loaded_at is None or self._monotonic() - self._loaded_at > self._cache_for

    async def _reload(self) -> None:
        now = self._clock.now()
        rows = await self._store.published(now)
        public: dict[str, Ed25519PublicKey] = {}
        for row in rows:
            key = public_key_from_jwk(json.loads(row.public_jwk))
            if key is not None:
                public[row.kid] = key
        signing = None
        for row in rows:  # newest first
            if row.signs_until > now:
                signing = self._private(row)
                if signing is not None:
                    break
        self._rows, self._public, self._signing = rows, public, signing
        self._loaded_at = self._monotonic()

    def _private(self, row: SigningKeyRow) -> SigningKey | None:
        if row.encrypted and self._secret is None:
            _log.warning("signing key is encrypted and no secret is set; not using it", kid=row.kid)
            return None
        try:
            key = serialization.load_pem_private_key(
                row.private_key.encode("ascii"), password=self._secret if row.encrypted else None
            )
        except (ValueError, TypeError):
            _log.warning("signing key cannot be decrypted with the current secret", kid=row.kid)
            return None
        if not isinstance(key, Ed25519PrivateKey):  # pragma: no cover - we only store Ed25519
            return None
        return SigningKey(kid=row.kid, private_key=key)

    async def _create(self) -> None:
        now = self._clock.now()
        private = Ed25519PrivateKey.generate()
        jwk = public_jwk(private.public_key())
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(self._secret)
            if self._secret
            else serialization.NoEncryption()
        )
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ).decode("ascii")
        signs_until = now + self.key_lifetime
        await self._store.add(
            SigningKeyRow(
                id=uuid.uuid4(),
                kid=jwk["kid"],
                algorithm=ALGORITHM,
                public_jwk=json.dumps(jwk),
                private_key=pem,
                encrypted=self._secret is not None,
                signs_until=signs_until,
                published_until=signs_until
                + self.access_token_ttl
                + dt.timedelta(seconds=DEFAULT_LEEWAY),
                created_at=now,
                updated_at=now,
            )
        )
        _log.info("signing key created", kid=jwk["kid"], signs_until=signs_until.isoformat())

    async def signing_key(self) -> SigningKey:
        """The key to sign with now, making one when none is current."""
        if not self._stale() and self._signing_current():
            assert self._signing is not None
            return self._signing
        await self._reload_with_a_signing_key()
        assert self._signing is not None
        return self._signing

    async def _reload_with_a_signing_key(self) -> None:
        """Read the keys from the store, making one when none signs now."""
        async with self._lock:
            await self._reload()
            if self._signing is None:
                await self._create()
                await self._reload()

    def _signing_current(self) -> bool:
        if self._signing is None:
            return False
        now = self._clock.now()
        return any(r.kid == self._signing.kid and r.signs_until > now for r in self._rows)

    async def rotate(self) -> str:
        """Make a new signing key now and stop the current ones signing; return the new ``kid``.

        The old keys stay in the JWKS until their last tokens expire.
        """
        async with self._lock:
            await self._reload()
            now = self._clock.now()
            for row in self._rows:
                if row.signs_until > now:
                    await self._store.retire(row.kid, now)
            await self._create()
            await self._reload()
        assert self._signing is not None
        return self._signing.kid

    async def newest_key_age(self) -> float | None:
        """Seconds since the newest key was made, read from the store (not the cache); None
        when there is no key. Above :attr:`key_lifetime`, rotation is late: a new key is made
        at the first signature after the current one stops signing."""
        newest = await self._store.newest_created_at()
        if newest is None:
            return None
        return max((self._clock.now() - newest).total_seconds(), 0.0)

    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JSON Web Key Set of every published key, read from the store rather than the
        cache: a key another replica made a moment ago (two replicas starting together each
        make one) is in it, so a service fetching the set for a token that key signed finds
        it. A fresh installation publishes its first key at once."""
        await self._reload_with_a_signing_key()
        return {"keys": [json.loads(row.public_jwk) for row in self._rows]}

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        """The published key with ``kid`` (reloading once when it is not known yet: the
        table itself says whether it exists, whenever the token was signed)."""
        if self._stale() or kid not in self._public:
            async with self._lock:
                await self._reload()
        return self._public.get(kid)


def _timestamp(moment: dt.datetime) -> int:
    return int(moment.timestamp())


class JwtSigner:
    """A :class:`~reptidex.domain.identity.ports.TokenSigner` signing with the key ring."""

    def __init__(self, keys: KeyRing, *, issuer: str = ISSUER, audience: str = AUDIENCE) -> None:
        self._keys = keys
        self.issuer = issuer
        self.audience = audience

    async def sign(self, claims: AccessClaims) -> str:
        """The compact JWS of ``claims``."""
        key = await self._keys.signing_key()
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": claims.subject,
            "iat": _timestamp(claims.issued_at),
            "nbf": _timestamp(claims.issued_at),
            "exp": _timestamp(claims.expires_at),
            "jti": claims.token_id,
        }
        if claims.organisation_id is not None:
            payload["org"] = str(claims.organisation_id)
        if claims.role is not None:
            payload["role"] = claims.role.value
        if claims.session_id is not None:
            payload["sid"] = str(claims.session_id)
        if claims.platform_admin:
            payload["platform_admin"] = True
        return jwt.encode(
            payload,
            key.private_key,
            algorithm=ALGORITHM,
            headers={"kid": key.kid, "typ": TOKEN_TYPE},
        )


def _optional_uuid(value: object) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidToken("the token's claims are malformed") from None


class TokenVerifier:
    """Verifies access tokens locally against the public keys of a :class:`PublicKeySource`.

    ``exp`` and ``nbf`` are judged against ``clock`` (seconds since the epoch), give or take
    ``leeway`` seconds of clock skew.
    """

    def __init__(
        self,
        keys: PublicKeySource,
        *,
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
        leeway: int = DEFAULT_LEEWAY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self._clock = clock

    async def verify(self, token: str) -> AccessClaims:
        """The claims of ``token``; raises :class:`InvalidToken` saying why it is refused."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise InvalidToken("the token is malformed") from None
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"tokens must be signed with {ALGORITHM}")
        if header.get("typ") != TOKEN_TYPE:
            raise InvalidToken("this is not an access token")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no signing key")
        key = await self._keys.public_key(kid, _claimed_issue(token))
        if key is None:
            raise InvalidToken("the token is signed by an unknown key")
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": ["exp", "iat", "sub", "jti", "iss", "aud"],
                    "verify_iat": False,
                    # PyJWT reads the system clock; the times are checked below against ours
                    "verify_exp": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise InvalidToken("the token's signature is not valid") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"the token is not valid: {exc}") from None
        self._check_times(payload)
        role = payload.get("role")
        try:
            parsed_role = Role(role) if role is not None else None
        except ValueError:
            raise InvalidToken("the token's claims are malformed") from None
        return AccessClaims(
            subject=str(payload["sub"]),
            issued_at=_moment(payload, "iat"),
            expires_at=_moment(payload, "exp"),
            token_id=str(payload["jti"]),
            organisation_id=_optional_uuid(payload.get("org")),
            role=parsed_role,
            session_id=_optional_uuid(payload.get("sid")),
            platform_admin=payload.get("platform_admin") is True,
        )

    def _check_times(self, payload: Mapping[str, Any]) -> None:
        """Refuse a token expired, or not yet valid, by more than the leeway."""
        now = self._clock()
        not_before = _numeric_date(payload, "nbf")
        if not_before is not None and not_before > now + self.leeway:
            raise InvalidToken("the token is not valid: The token is not yet valid (nbf)")
        expires = _numeric_date(payload, "exp")
        if expires is not None and expires <= now - self.leeway:
            raise InvalidToken("the token has expired")


def _claimed_issue(token: str) -> float | None:
    """The ``iat`` a token claims, unverified (it only tells a key newer than a copy of the
    keys from an unknown one; the token is still checked in full)."""
    try:
        claimed = jwt.decode(token, options={"verify_signature": False}).get("iat")
    except jwt.InvalidTokenError:
        return None
    return float(claimed) if isinstance(claimed, int | float) else None


_CLAIM_NAMES = {"exp": "Expiration Time", "nbf": "Not Before", "iat": "Issued At"}


def _numeric_date(payload: Mapping[str, Any], claim: str) -> int | None:
    """An RFC 7519 NumericDate claim as whole seconds; None when the token has none."""
    if claim not in payload:
        return None
    try:
        return int(payload[claim])
    except (ValueError, TypeError, OverflowError):
        raise InvalidToken(
            f"the token is not valid: {_CLAIM_NAMES[claim]} claim ({claim}) must be an integer."
        ) from None


def _moment(payload: Mapping[str, Any], claim: str) -> dt.datetime:
    """A required NumericDate claim as a UTC datetime; one no datetime can hold is refused."""
    seconds = _numeric_date(payload, claim)
    assert seconds is not None  # PyJWT refused the token had the claim been missing
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, ValueError, OSError):
        raise InvalidToken("the token's claims are malformed") from None


class JwksKeySource:
    """Core's public keys, fetched from its JWKS URL over HTTP and cached.

    The set is refetched when it is older than ``max_age`` or when a token names an unknown
    ``kid`` (a rotation) — but at most once per ``min_interval`` seconds, so a flood of tokens
    with made-up ``kid`` values cannot turn into a flood of requests to core. When core cannot
    be reached the last good set keeps being used.
    """

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
        max_age: float = 600.0,
        min_interval: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], float] = time.time,
        skew: float = 1.0,
        newer_interval: float = 1.0,
    ) -> None:
        self.url = url
        self._client = client
        self._owns_client = client is None
        self._transport = transport
        self._timeout = timeout
        self._max_age = max_age
        self._min_interval = min_interval
        self._monotonic = monotonic
        self._clock = clock
        self._skew = skew
        self.newer_interval = newer_interval
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at: float | None = None
        self._fetched_on: float | None = None  # the same moment, seconds since the epoch
        self._attempted_at: float | None = None
        self._failing = False
        self._lock = asyncio.Lock()
        self.fetches = 0

    def _client_now(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, transport=self._transport)
        return self._client

    async def _fetch(self) -> None:
        self._attempted_at = self._monotonic()
        self.fetches += 1
        try:
            response = await self._client_now().get(self.url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            self._failing = True
            _log.warning("could not fetch the JWKS", url=self.url, error=str(exc))
            return
        self._failing = False
        keys: dict[str, Ed25519PublicKey] = {}
        for jwk in document.get("keys", []) if isinstance(document, dict) else []:
            if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str):
                key = public_key_from_jwk(jwk)
                if key is not None:
                    keys[jwk["kid"]] = key
        self._keys = keys
        self._fetched_at = self._monotonic()
        self._fetched_on = self._clock()

    def _may_fetch(self) -> bool:
        return (
            self._attempted_at is None
            or self._monotonic() - self._attempted_at >= self._min_interval
        )

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        """The key with ``kid`` from the cached set, refetching it when allowed and needed.

        A token signed after the set was fetched (``issued_at``, whole seconds, within
        ``skew`` seconds after the fetch counting as after) may name a key newer than the set:
        two core replicas starting together each make one. The set is then fetched again at
        once, at most every ``newer_interval`` seconds (waiting for that), so such a token is
        judged on a set fetched after it was signed. A key missing while a fetch is under way
        (a replica's first, or one for another token) is looked for in that fetch's set.

        Raises:
            KeysUnavailable: the set lacks ``kid`` and the last fetch failed.
        """
        expired = self._fetched_at is None or self._monotonic() - self._fetched_at > self._max_age
        if (expired or kid not in self._keys) and self._may_fetch():
            async with self._lock:
                if self._may_fetch():  # another task may have just fetched
                    await self._fetch()
        elif kid not in self._keys:
            if self._lock.locked():
                async with self._lock:  # a fetch is under way: the key may be in its set
                    pass
            if kid not in self._keys and self._newer_than_the_set(issued_at):
                async with self._lock:
                    if self._newer_than_the_set(issued_at):  # not fetched meanwhile
                        assert self._attempted_at is not None  # a set was fetched
                        since = self._monotonic() - self._attempted_at
                        await asyncio.sleep(max(self.newer_interval - since, 0.0))
                        await self._fetch()
        key = self._keys.get(kid)
        if key is None and self._failing:
            raise KeysUnavailable(f"the signing keys could not be fetched from {self.url}")
        return key

    def _newer_than_the_set(self, issued_at: float | None) -> bool:
        fetched = self._fetched_on
        return issued_at is not None and fetched is not None and fetched < issued_at + self._skew

    async def aclose(self) -> None:
        """Close the HTTP client if this source made it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
