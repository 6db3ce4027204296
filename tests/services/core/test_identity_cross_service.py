"""A token from repti-core is accepted by another service, which verifies it locally against
core's JWKS (served over real HTTP by uvicorn) — and refused when expired, tampered with,
signed by an unknown key, or unsigned (``alg: none``)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from identity_testkit import STRONG_PASSWORD, bearer, fast_identity, mail_token
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from platform_process import free_port as _free_port
from reptidex.adapters.identity.tokens import (
    AUDIENCE,
    ISSUER,
    JwksKeySource,
    JwtSigner,
    public_jwk,
)
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.identity import AccessClaims, Role
from reptidex.services.core.app import create_app as create_core_app
from reptidex.services.core.identity import IdentityComponents
from reptidex.services.core.wiring import CoreComponents
from reptidex.services.kernel.app import build_kernel, components_of, create_service_app
from reptidex.services.kernel.auth import (
    BEARER,
    JWKS_PATH,
    Authenticator,
    CurrentPrincipal,
    OptionalPrincipal,
    requires_role,
    requires_service,
    service_secret,
)
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings

T = TypeVar("T")


@get("/test-only/collection", guards=[requires_role(Role.MEMBER)], security=BEARER)
async def members_only(principal: CurrentPrincipal) -> dict[str, Any]:
    return {
        "user_id": str(principal.user_id),
        "organisation_id": str(principal.organisation_id),
        "role": principal.role.value if principal.role else None,
    }


@get("/test-only/public")
async def public(optional_principal: OptionalPrincipal) -> dict[str, Any]:
    return {"signed_in": optional_principal is not None}


@get("/test-only/internal", guards=[requires_service("commerce")])
async def internal(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"service": principal.service}


@dataclass
class Platform:
    core_url: str
    identity: IdentityComponents
    core_loop: asyncio.AbstractEventLoop
    animal: AsyncTestClient[Litestar]
    settings: Settings
    owner_token: str
    clock: list[float]

    def advance(self, seconds: float) -> None:
        """Move the animal service's key-cache clock forward, as time passing would."""
        self.clock[0] += seconds

    async def in_core(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on core's event loop (its database connections live there)."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self.core_loop))


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
async def platform(make_settings: Callable[..., Settings]) -> AsyncIterator[Platform]:
    port = _free_port()
    core_url = f"http://127.0.0.1:{port}"
    settings = make_settings(core_url=core_url)
    upgrade("core", settings.database_url("core"))
    upgrade("animal", settings.database_url("animal"))
    core_app = create_core_app(settings, identity=fast_identity())
    identity = components_of(core_app, CoreComponents).identity
    server = uvicorn.Server(
        uvicorn.Config(
            core_app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            lifespan="on",
        )
    )
    # Core runs in its own thread and event loop, as a separate process would.
    core_loop = asyncio.new_event_loop()
    serving = threading.Thread(target=core_loop.run_until_complete, args=(server.serve(),))
    serving.start()
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.02)
        assert server.started, "core did not start"
        async with httpx.AsyncClient(base_url=core_url) as core:
            email = "cross@example.org"
            response = await core.post(
                "/auth/register", json={"email": email, "password": STRONG_PASSWORD}
            )
            assert response.status_code == 202
            token = mail_token(settings.data_dir, "verify_email", email)
            assert (await core.post("/auth/verify-email", json={"token": token})).is_success
            login = (
                await core.post("/auth/login", json={"email": email, "password": STRONG_PASSWORD})
            ).json()
            organisation = (
                await core.post(
                    "/orgs", json={"name": "Cross Reptiles"}, headers=bearer(login["access_token"])
                )
            ).json()
            switched = (
                await core.post(
                    "/auth/switch-organisation",
                    json={"organisation_id": organisation["id"]},
                    headers=bearer(login["access_token"]),
                )
            ).json()
        # The animal service as deployed: it knows only core's URL (REPTIDEX_CORE_URL) and
        # fetches core's keys from there; only the key cache's clock is the test's.
        clock = [0.0]
        keys = JwksKeySource(
            settings.peer_url("core") + JWKS_PATH,
            timeout=settings.http_timeout,
            monotonic=lambda: clock[0],
        )
        animal_app = create_service_app(
            build_kernel(service_spec("animal"), settings),
            [members_only, public, internal],
            authenticator=Authenticator(keys, leeway=settings.token_leeway),
        )
        async with AsyncTestClient(animal_app) as animal:
            yield Platform(
                core_url, identity, core_loop, animal, settings, switched["access_token"], clock
            )
        await keys.aclose()
    finally:
        server.should_exit = True
        await asyncio.to_thread(serving.join)
        core_loop.close()


async def _signed(platform: Platform, **changes: Any) -> str:
    """A token signed by core's real current key, with chosen claims."""
    now = dt.datetime.now(dt.UTC)
    claims = AccessClaims(
        subject=str(uuid.uuid4()),
        issued_at=now,
        expires_at=now + dt.timedelta(minutes=5),
        token_id=uuid.uuid4().hex,
        organisation_id=uuid.uuid4(),
        role=Role.OWNER,
    )
    claims = AccessClaims(**{**_fields(claims), **changes})
    return await platform.in_core(JwtSigner(platform.identity.keys).sign(claims))


def _fields(claims: AccessClaims) -> dict[str, Any]:
    return {name: getattr(claims, name) for name in AccessClaims.__slots__}


async def _jwks(platform: Platform) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(platform.core_url + "/.well-known/jwks.json")
        assert response.headers["cache-control"] == "public, max-age=300"
        document: dict[str, Any] = response.json()
        return document


def _problem(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    detail: str = response.json()["detail"]
    return detail


async def test_core_token_is_accepted_by_another_service(platform: Platform) -> None:
    response = await platform.animal.get(
        "/test-only/collection", headers=bearer(platform.owner_token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "owner"
    public_view = await platform.animal.get(
        "/test-only/public", headers=bearer(platform.owner_token)
    )
    assert public_view.json() == {"signed_in": True}
    assert (await platform.animal.get("/test-only/public")).json() == {"signed_in": False}


async def test_missing_and_malformed_credentials_are_401(platform: Platform) -> None:
    response = await platform.animal.get("/test-only/collection")
    _problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    _problem(
        await platform.animal.get(
            "/test-only/collection", headers={"Authorization": "Basic dXNlcjpwYXNz"}
        ),
        401,
    )
    _problem(await platform.animal.get("/test-only/collection", headers=bearer("not.a.jwt")), 401)


async def test_expired_token_is_refused(platform: Platform) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    token = await _signed(
        platform, issued_at=long_ago, expires_at=long_ago + dt.timedelta(minutes=15)
    )
    detail = _problem(
        await platform.animal.get("/test-only/collection", headers=bearer(token)), 401
    )
    assert "expired" in detail


async def test_tampered_token_is_refused(platform: Platform) -> None:
    header, payload, signature = platform.owner_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["org"] = str(uuid.uuid4())  # try to act in somebody else's organisation
    forged = f"{header}.{_b64(claims)}.{signature}"
    detail = _problem(
        await platform.animal.get("/test-only/collection", headers=bearer(forged)), 401
    )
    assert "signature" in detail
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    _problem(
        await platform.animal.get(
            "/test-only/collection", headers=bearer(f"{header}.{payload}.{flipped}")
        ),
        401,
    )


async def test_token_signed_by_an_unknown_key_is_refused(platform: Platform) -> None:
    stranger = Ed25519PrivateKey.generate()
    now = dt.datetime.now(dt.UTC)
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 300,
        "jti": uuid.uuid4().hex,
        "org": str(uuid.uuid4()),
        "role": "owner",
    }
    unknown_kid = jwt.encode(
        payload,
        stranger,
        algorithm="EdDSA",
        headers={"kid": public_jwk(stranger.public_key())["kid"], "typ": "at+jwt"},
    )
    detail = _problem(
        await platform.animal.get("/test-only/collection", headers=bearer(unknown_kid)), 401
    )
    assert "unknown key" in detail
    # The same, claiming to be core's real key: the signature does not match it.
    real_kid = jwt.get_unverified_header(platform.owner_token)["kid"]
    borrowed_kid = jwt.encode(
        payload, stranger, algorithm="EdDSA", headers={"kid": real_kid, "typ": "at+jwt"}
    )
    _problem(await platform.animal.get("/test-only/collection", headers=bearer(borrowed_kid)), 401)


async def test_unsigned_and_symmetric_tokens_are_refused(platform: Platform) -> None:
    _, payload, _ = platform.owner_token.split(".")
    real = jwt.get_unverified_header(platform.owner_token)
    for alg in ("none", "None", "NONE"):
        unsigned = f"{_b64({'alg': alg, 'typ': 'at+jwt', 'kid': real['kid']})}.{payload}."
        detail = _problem(
            await platform.animal.get("/test-only/collection", headers=bearer(unsigned)), 401
        )
        assert "EdDSA" in detail
    # Algorithm confusion: HMAC keyed with the public key that anyone can download.
    jwks = await _jwks(platform)
    secret = jwks["keys"][0]["x"].encode()
    confused = f"{_b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': real['kid']})}.{payload}."
    mac = hmac.new(secret, confused[:-1].encode(), hashlib.sha256).digest()
    confused += base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    _problem(await platform.animal.get("/test-only/collection", headers=bearer(confused)), 401)


async def test_wrong_audience_or_issuer_is_refused(platform: Platform) -> None:
    key = await platform.in_core(platform.identity.keys.signing_key())
    now = int(dt.datetime.now(dt.UTC).timestamp())
    base = {
        "sub": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 300,
        "jti": "x",
        "org": str(uuid.uuid4()),
        "role": "owner",
    }
    for extra in ({"iss": ISSUER, "aud": "someone-else"}, {"iss": "evil", "aud": AUDIENCE}):
        token = jwt.encode(
            {**base, **extra},
            key.private_key,
            algorithm="EdDSA",
            headers={"kid": key.kid, "typ": "at+jwt"},
        )
        _problem(await platform.animal.get("/test-only/collection", headers=bearer(token)), 401)


async def test_viewer_is_forbidden_and_service_tokens_are_not_users(platform: Platform) -> None:
    viewer = await _signed(platform, role=Role.VIEWER)
    _problem(await platform.animal.get("/test-only/collection", headers=bearer(viewer)), 403)
    no_organisation = await _signed(platform, role=None, organisation_id=None)
    _problem(
        await platform.animal.get("/test-only/collection", headers=bearer(no_organisation)), 403
    )

    async with httpx.AsyncClient(base_url=platform.core_url) as core:
        response = await core.post(
            "/auth/service-token",
            json={"service": "commerce", "secret": service_secret(platform.settings, "commerce")},
        )
        assert response.status_code == 200, response.text
        service_token = response.json()["access_token"]
        refused = await core.post(
            "/auth/service-token", json={"service": "commerce", "secret": "x" * 32}
        )
        _problem(refused, 401)
    assert jwt.decode(service_token, options={"verify_signature": False})["sub"] == (
        "service:commerce"
    )
    response = await platform.animal.get("/test-only/internal", headers=bearer(service_token))
    assert response.json() == {"service": "commerce"}
    _problem(await platform.animal.get("/test-only/collection", headers=bearer(service_token)), 403)
    _problem(
        await platform.animal.get("/test-only/internal", headers=bearer(platform.owner_token)),
        403,
    )


async def test_rotated_keys_log_nobody_out(platform: Platform) -> None:
    old_token = platform.owner_token
    response = await platform.animal.get("/test-only/collection", headers=bearer(old_token))
    assert response.status_code == 200, response.text  # the animal service now caches the set
    new_kid = await platform.in_core(platform.identity.keys.rotate())
    new_token = await _signed(platform)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    assert jwt.get_unverified_header(old_token)["kid"] != new_kid
    jwks = await _jwks(platform)
    assert len(jwks["keys"]) == 2
    # The animal service has the old set cached; the new token was signed after that set was
    # fetched, so its key may be newer: the set is fetched again at once, not refused.
    response = await platform.animal.get("/test-only/collection", headers=bearer(new_token))
    assert response.status_code == 200, response.text
    platform.advance(5.0)
    response = await platform.animal.get("/test-only/collection", headers=bearer(new_token))
    assert response.status_code == 200, response.text
    response = await platform.animal.get("/test-only/collection", headers=bearer(old_token))
    assert response.status_code == 200, response.text
