"""The shared auth layer's rules, each pinned without a database or a service app: the principal
a token describes, the order of roles, the memory of verified tokens through the leeway, how the
``Authorization`` header is read, every guard's verdict and message, the derived service
secrets, and the service-token client's renewal a minute before expiry.

Keys are fixed Ed25519 keys, time is a fake clock, core is an ``httpx.MockTransport``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from litestar import Litestar, get
from litestar.connection import ASGIConnection
from litestar.middleware import DefineMiddleware
from litestar.testing import AsyncTestClient
from litestar.types import Message, Receive, ReceiveMessage, Scope, Send

from reptidex.adapters.identity.tokens import (
    ALGORITHM,
    AUDIENCE,
    DEFAULT_LEEWAY,
    ISSUER,
    TOKEN_TYPE,
    KeysUnavailable,
)
from reptidex.domain.errors import NotAuthenticated, PermissionDenied, Unavailable
from reptidex.domain.identity.model import Role
from reptidex.domain.identity.tokens import AccessClaims
from reptidex.services.kernel import auth
from reptidex.services.kernel.auth import (
    AUTH_DEPENDENCIES,
    BEARER,
    Authentication,
    Authenticator,
    CurrentPrincipal,
    Guard,
    OptionalPrincipal,
    Principal,
    ServiceTokenClient,
    provide_optional_principal,
    provide_principal,
    requires_auth,
    requires_platform_admin,
    requires_role,
    requires_service,
    requires_user,
    service_secret,
)
from reptidex.services.kernel.problems import EXCEPTION_HANDLERS
from reptidex.services.kernel.settings import load_settings

ISSUED = 1_000_000_000  # a fixed moment in 2001: long expired by the wall clock
LIFETIME = 600
EXPIRES = ISSUED + LIFETIME
USER = uuid.UUID("00000000-0000-4000-8000-000000000001")
ORG = uuid.UUID("00000000-0000-4000-8000-0000000000aa")
SESSION = uuid.UUID("00000000-0000-4000-8000-0000000000bb")
SIGNER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
RealAsyncClient = httpx.AsyncClient

NO_TOKEN = "This needs an access token ('Authorization: Bearer <token>')."
BAD_HEADER = "Send the access token as 'Authorization: Bearer <token>'."
NOT_A_SERVICE = "This needs a user's token, not a service's."
NO_ORGANISATION = "Choose an organisation first (POST /auth/switch-organisation) or create one."
NO_MIDDLEWARE = "no Authentication middleware: build the app with create_service_app"
KEYS_AWAY = (
    "The access token cannot be checked now: repti-core's signing keys could not be fetched. "
    "Try again shortly."
)


class Clock:
    """Seconds since the epoch, set by the test."""

    def __init__(self, now: float = ISSUED) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class OneKey:
    """The signer's public key under kid ``k``, counting the look-ups."""

    def __init__(self, key: Ed25519PublicKey | None = None) -> None:
        self.key = key or SIGNER.public_key()
        self.asked = 0

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        self.asked += 1
        return self.key if kid == "k" else None


class ClosableKeys(OneKey):
    """A key source holding connections, as the JWKS source does."""

    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


def sign(*, exp: int = EXPIRES, **claims: Any) -> str:
    """A token signed by :data:`SIGNER`, issued at :data:`ISSUED`, for :data:`USER`."""
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(USER),
        "iat": ISSUED,
        "exp": exp,
        "jti": "jti-1",
    } | claims
    return jwt.encode(payload, SIGNER, algorithm=ALGORITHM, headers={"kid": "k", "typ": TOKEN_TYPE})


def claims(subject: str = str(USER), **fields: Any) -> AccessClaims:
    return AccessClaims(
        subject=subject,
        issued_at=dt.datetime.fromtimestamp(ISSUED, dt.UTC),
        expires_at=dt.datetime.fromtimestamp(EXPIRES, dt.UTC),
        token_id="jti-1",
        **fields,
    )


def user(role: Role | None = Role.MEMBER, **fields: Any) -> Principal:
    organisation = fields.pop("organisation_id", ORG if role else None)
    return Principal(
        subject=str(USER),
        token_id="jti-1",
        expires_at=dt.datetime.fromtimestamp(EXPIRES, dt.UTC),
        user_id=USER,
        organisation_id=organisation,
        role=role,
        **fields,
    )


def service(name: str) -> Principal:
    return Principal(
        subject=f"service:{name}",
        token_id="jti-s",
        expires_at=dt.datetime.fromtimestamp(EXPIRES, dt.UTC),
        service=name,
    )


class NamedTokens(Authenticator):
    """Accepts the tokens named in ``principals``, recording each verification."""

    def __init__(self, principals: Mapping[str, Principal]) -> None:
        super().__init__(OneKey())
        self.principals = principals
        self.verified_tokens: list[str] = []

    async def verify(self, token: str) -> Principal:
        self.verified_tokens.append(token)
        try:
            return self.principals[token]
        except KeyError:
            raise NotAuthenticated("unknown test token") from None


def callers() -> NamedTokens:
    return NamedTokens(
        {
            **{role.value: user(role) for role in Role},
            "no-org": user(None),
            "platform-admin": user(None, platform_admin=True),
            "service:animal": service("animal"),
            "service:ops": service("ops"),
        }
    )


def connection(
    authenticator: Authenticator | None, *authorization: str, scope: dict[str, Any] | None = None
) -> ASGIConnection[Any, Any, Any, Any]:
    """A request carrying each of ``authorization`` as an ``Authorization`` header."""
    scope = {"type": "http", "headers": [], **(scope or {})}
    scope["headers"] += [(b"authorization", value.encode("latin-1")) for value in authorization]
    if authenticator is not None:
        scope["auth"] = authenticator
    return ASGIConnection(scope)  # type: ignore[arg-type]


async def verdict(guard: Guard, token: str | None, authenticator: Authenticator) -> str:
    """``ok``, or the status and detail the guard refuses ``token`` with."""
    headers = () if token is None else (f"Bearer {token}",)
    try:
        await guard(connection(authenticator, *headers), None)  # type: ignore[arg-type]
    except NotAuthenticated as exc:
        return f"401 {exc.detail}"
    except PermissionDenied as exc:
        return f"403 {exc.detail}"
    return "ok"


# --- the principal ---------------------------------------------------------------------


def test_a_user_token_describes_its_user_organisation_role_and_session() -> None:
    described = Principal.from_claims(
        claims(organisation_id=ORG, role=Role.ADMIN, session_id=SESSION)
    )
    assert described == Principal(
        subject=str(USER),
        token_id="jti-1",
        expires_at=dt.datetime.fromtimestamp(EXPIRES, dt.UTC),
        user_id=USER,
        organisation_id=ORG,
        role=Role.ADMIN,
        session_id=SESSION,
        service=None,
        platform_admin=False,
    )
    assert not described.is_service


def test_an_organisation_without_a_role_is_no_active_organisation() -> None:
    described = Principal.from_claims(claims(organisation_id=ORG))
    assert (described.organisation_id, described.role) == (None, None)


def test_a_service_token_names_its_service_and_no_user() -> None:
    described = Principal.from_claims(claims("service:animal"))
    assert (described.service, described.user_id, described.is_service) == ("animal", None, True)
    assert described.subject == "service:animal"


@pytest.mark.parametrize(
    ("subject", "claimed", "admin"),
    [
        (str(USER), True, True),
        (str(USER), False, False),
        ("service:ops", True, False),  # a service never administers the platform
        ("service:ops", False, False),
    ],
)
def test_only_a_user_administers_the_platform(subject: str, claimed: bool, admin: bool) -> None:
    assert Principal.from_claims(claims(subject, platform_admin=claimed)).platform_admin is admin


def test_roles_include_those_below_them_viewer_member_admin_owner() -> None:
    order = [Role.VIEWER, Role.MEMBER, Role.ADMIN, Role.OWNER]
    for held in order:
        for needed in order:
            expected = order.index(held) >= order.index(needed)
            assert user(held).has_role(needed) is expected, (held, needed)
    assert not any(user(None).has_role(needed) for needed in order)


def test_require_user_gives_the_user_and_refuses_a_service() -> None:
    assert user().require_user() == USER
    with pytest.raises(PermissionDenied) as refused:
        service("animal").require_user()
    assert refused.value.detail == NOT_A_SERVICE


def test_require_organisation_gives_the_active_one_or_says_how_to_choose() -> None:
    assert user().require_organisation() == ORG
    with pytest.raises(PermissionDenied) as refused:
        user(None).require_organisation()
    assert refused.value.detail == NO_ORGANISATION


# --- verifying tokens ------------------------------------------------------------------


async def test_a_token_verifies_to_the_principal_it_describes() -> None:
    token = sign(org=str(ORG), role="owner", sid=str(SESSION), jti="jti-9")
    principal = await Authenticator(OneKey(), clock=Clock()).verify(token)
    assert principal == Principal(
        subject=str(USER),
        token_id="jti-9",
        expires_at=dt.datetime.fromtimestamp(EXPIRES, dt.UTC),
        user_id=USER,
        organisation_id=ORG,
        role=Role.OWNER,
        session_id=SESSION,
    )


async def test_a_token_is_checked_once_then_remembered_on_the_injected_clock() -> None:
    keys = OneKey()
    authenticator = Authenticator(keys, clock=Clock(ISSUED + 100))
    first, second = sign(jti="a"), sign(jti="b")
    assert (await authenticator.verify(first)).token_id == "a"
    assert (await authenticator.verify(first)).token_id == "a"
    assert keys.asked == 1
    assert (await authenticator.verify(second)).token_id == "b"
    assert keys.asked == 2
    assert len(authenticator.verified) == 2


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (sign(exp=ISSUED), "the token has expired"),
        ("not.a.token", "the token is malformed"),
        (
            jwt.encode(
                {"sub": "x"},
                Ed25519PrivateKey.generate(),
                algorithm=ALGORITHM,
                headers={"kid": "k", "typ": TOKEN_TYPE},
            ),
            "the token's signature is not valid",
        ),
    ],
)
async def test_a_refused_token_says_why_and_is_checked_again_each_time(
    token: str, reason: str
) -> None:
    keys = OneKey()
    authenticator = Authenticator(keys, clock=Clock(ISSUED + 100))
    for _ in range(2):
        with pytest.raises(NotAuthenticated) as refused:
            await authenticator.verify(token)
        assert refused.value.detail == f"The access token is refused: {reason}."
    assert len(authenticator.verified) == 0


async def test_the_default_leeway_is_the_verifiers_thirty_seconds() -> None:
    clock = Clock()
    authenticator = Authenticator(OneKey(), clock=clock)
    assert authenticator.verifier.leeway == DEFAULT_LEEWAY == 30
    clock.now = EXPIRES + 29
    await authenticator.verify(sign())
    clock.now = EXPIRES + 30
    with pytest.raises(NotAuthenticated, match="expired"):
        await authenticator.verify(sign(jti="other"))


@pytest.mark.parametrize("leeway", [0, 5])
async def test_a_given_leeway_moves_the_expiry_by_that_many_seconds(leeway: int) -> None:
    clock = Clock(EXPIRES + leeway - 1)
    authenticator = Authenticator(OneKey(), leeway=leeway, clock=clock)
    assert authenticator.verifier.leeway == leeway
    await authenticator.verify(sign())
    clock.now = EXPIRES + leeway
    with pytest.raises(NotAuthenticated, match="expired"):
        await authenticator.verify(sign(jti="other"))


async def test_a_remembered_token_lives_through_the_leeway_and_not_a_second_longer() -> None:
    keys, clock = OneKey(), Clock(EXPIRES - 10)
    authenticator = Authenticator(keys, leeway=30, clock=clock)
    token = sign()
    await authenticator.verify(token)
    clock.now = EXPIRES + 29.9  # within the memory's minute and the token's leeway
    assert (await authenticator.verify(token)).subject == str(USER)
    assert keys.asked == 1
    clock.now = EXPIRES + 30
    with pytest.raises(NotAuthenticated, match="expired"):
        await authenticator.verify(token)
    assert keys.asked == 2


async def test_the_memory_keeps_a_token_for_a_minute_at_most() -> None:
    keys, clock = OneKey(), Clock(ISSUED)
    authenticator = Authenticator(keys, clock=clock)
    token = sign()
    await authenticator.verify(token)
    clock.now = ISSUED + 59.9
    await authenticator.verify(token)
    assert keys.asked == 1
    clock.now = ISSUED + 60
    await authenticator.verify(token)
    assert keys.asked == 2


async def test_from_settings_verifies_against_cores_jwks_with_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[str, float, object]] = []

    def jwks(url: str, *, timeout: float, transport: object) -> OneKey:
        made.append((url, timeout, transport))
        return OneKey()

    monkeypatch.setattr(auth, "JwksKeySource", jwks)
    settings = load_settings(
        {
            "REPTIDEX_DATA_DIR": str(tmp_path),
            "REPTIDEX_CORE_URL": "http://core.example:8000",
            "REPTIDEX_HTTP_TIMEOUT": "7.5",
            "REPTIDEX_TOKEN_LEEWAY": "12",
        }
    )
    authenticator = Authenticator.from_settings(settings)
    assert made == [("http://core.example:8000/.well-known/jwks.json", 7.5, None)]
    assert isinstance(authenticator.keys, OneKey)
    assert authenticator.verifier.leeway == 12
    traced = httpx.AsyncHTTPTransport()  # the kernel passes its traced transport this way
    Authenticator.from_settings(settings, transport=traced)
    assert made[-1][2] is traced


class KeysAway(OneKey):
    """Core's keys cannot be fetched: the signer's key is not in hand."""

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        self.asked += 1
        raise KeysUnavailable("the signing keys could not be fetched from http://core")


async def test_a_token_is_not_refused_but_put_off_while_cores_keys_cannot_be_fetched() -> None:
    keys = KeysAway()
    authenticator = Authenticator(keys, clock=Clock())
    for _ in range(2):  # not remembered: asked again each time
        with pytest.raises(Unavailable) as away:
            await authenticator.verify(sign())
        assert away.value.detail == KEYS_AWAY
        assert away.value.retry_after == 5
    assert keys.asked == 2


async def test_a_request_while_cores_keys_cannot_be_fetched_gets_a_503_with_retry_after() -> None:
    @get("/mine", guards=[requires_auth], security=BEARER)
    async def mine() -> str:
        return "ok"

    app = Litestar(
        [mine],
        middleware=[DefineMiddleware(Authentication, authenticator=Authenticator(KeysAway()))],
        dependencies=AUTH_DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    async with AsyncTestClient(app) as client:
        response = await client.get("/mine", headers={"Authorization": f"Bearer {sign()}"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == KEYS_AWAY


async def test_aclose_closes_the_key_source_when_it_holds_connections() -> None:
    keys = ClosableKeys()
    await Authenticator(keys).aclose()
    assert keys.closed == 1
    await Authenticator(OneKey()).aclose()  # nothing to close: no error


# --- reading the Authorization header --------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Bearer tok", "bearer tok", "BEARER tok", "  Bearer tok  ", "Bearer  tok", "Bearer \t tok"],
)
async def test_the_bearer_scheme_is_read_in_any_case_and_spacing(header: str) -> None:
    authenticator = NamedTokens({"tok": user()})
    assert await authenticator.authenticate(connection(authenticator, header)) == user()
    assert authenticator.verified_tokens == ["tok"]


@pytest.mark.parametrize(
    "header", ["Basic dG9rOnRvaw==", "Token tok", "tok", "Bearer", "Bearer   ", "Bearertok"]
)
async def test_another_scheme_or_a_missing_token_is_refused_unverified(header: str) -> None:
    authenticator = NamedTokens({"tok": user(), "dG9rOnRvaw==": user()})
    with pytest.raises(NotAuthenticated) as refused:
        await authenticator.authenticate(connection(authenticator, header))
    assert refused.value.detail == BAD_HEADER
    assert authenticator.verified_tokens == []


@pytest.mark.parametrize("headers", [(), ("",)])
async def test_without_a_token_there_is_no_principal(headers: tuple[str, ...]) -> None:
    authenticator = NamedTokens({})
    request = connection(authenticator, *headers)
    assert await authenticator.authenticate(request) is None
    assert await authenticator.authenticate(request) is None
    assert authenticator.verified_tokens == []


async def test_the_first_authorization_header_is_the_one_read() -> None:
    authenticator = NamedTokens({"one": user(Role.VIEWER), "two": user(Role.OWNER)})
    request = connection(authenticator, "Bearer one", "Bearer two")
    assert await authenticator.authenticate(request) == user(Role.VIEWER)


async def test_a_token_is_verified_once_per_request() -> None:
    authenticator = NamedTokens({"tok": user()})
    request = connection(authenticator, "Bearer tok")
    assert await authenticator.authenticate(request) == user()
    assert await authenticator.authenticate(request) == user()
    assert authenticator.verified_tokens == ["tok"]
    assert await authenticator.authenticate(connection(authenticator, "Bearer tok")) == user()
    assert authenticator.verified_tokens == ["tok", "tok"]  # a new request checks again


async def test_a_refused_token_is_refused_again_in_the_same_request() -> None:
    authenticator = NamedTokens({})
    request = connection(authenticator, "Bearer forged")
    for _ in range(2):
        with pytest.raises(NotAuthenticated, match="unknown test token"):
            await authenticator.authenticate(request)
    assert authenticator.verified_tokens == ["forged", "forged"]


async def test_authenticate_verifies_a_real_token() -> None:
    authenticator = Authenticator(OneKey(), clock=Clock())
    principal = await authenticator.authenticate(
        connection(authenticator, f"Bearer {sign(role='member', org=str(ORG))}")
    )
    assert principal is not None
    assert (principal.user_id, principal.organisation_id) == (USER, ORG)


# --- the middleware and the dependencies -----------------------------------------------


async def test_the_middleware_hands_each_request_the_authenticator() -> None:
    seen: list[tuple[Scope, Receive, Send]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope, receive, send))

    async def receive() -> ReceiveMessage:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        return None

    authenticator = NamedTokens({})
    scope: Any = {"type": "http"}
    await Authentication(app, authenticator)(scope, receive, send)
    assert seen == [(scope, receive, send)]
    assert scope["auth"] is authenticator


async def test_without_the_middleware_asking_for_the_caller_is_a_bug() -> None:
    for ask in (provide_principal, provide_optional_principal):
        with pytest.raises(RuntimeError) as failed:
            await ask(connection(None, "Bearer tok"))
        assert str(failed.value) == NO_MIDDLEWARE
    with pytest.raises(RuntimeError, match=r"^no Authentication middleware"):
        await requires_auth(connection(None), None)  # type: ignore[arg-type]
    not_an_authenticator: Any = object()
    with pytest.raises(RuntimeError, match=r"^no Authentication middleware"):
        await provide_principal(connection(None, scope={"auth": not_an_authenticator}))


async def test_the_principal_dependency_needs_a_token() -> None:
    authenticator = NamedTokens({"tok": user()})
    assert await provide_principal(connection(authenticator, "Bearer tok")) == user()
    with pytest.raises(NotAuthenticated) as refused:
        await provide_principal(connection(authenticator))
    assert refused.value.detail == NO_TOKEN


async def test_the_optional_principal_is_none_without_a_token_but_a_bad_token_fails() -> None:
    authenticator = NamedTokens({"tok": user()})
    assert await provide_optional_principal(connection(authenticator, "Bearer tok")) == user()
    assert await provide_optional_principal(connection(authenticator)) is None
    with pytest.raises(NotAuthenticated):
        await provide_optional_principal(connection(authenticator, "Bearer forged"))


# --- the guards ------------------------------------------------------------------------


async def test_requires_auth_takes_any_valid_token() -> None:
    authenticator = callers()
    assert await verdict(requires_auth, None, authenticator) == f"401 {NO_TOKEN}"
    for token in ("viewer", "no-org", "service:animal"):
        assert await verdict(requires_auth, token, authenticator) == "ok"
    assert await verdict(requires_auth, "forged", authenticator) == "401 unknown test token"


async def test_requires_user_refuses_services() -> None:
    authenticator = callers()
    assert await verdict(requires_user, None, authenticator) == f"401 {NO_TOKEN}"
    assert await verdict(requires_user, "no-org", authenticator) == "ok"
    assert await verdict(requires_user, "service:ops", authenticator) == f"403 {NOT_A_SERVICE}"


@pytest.mark.parametrize("needed", list(Role))
async def test_requires_role_takes_that_role_or_higher_in_the_active_organisation(
    needed: Role,
) -> None:
    authenticator = callers()
    guard = requires_role(needed)
    assert guard.__name__ == f"requires_role_{needed.value}"
    short = f"403 This needs the {needed.value} role or higher in the active organisation."
    for held in Role:
        expected = "ok" if held.rank >= needed.rank else short
        assert await verdict(guard, held.value, authenticator) == expected, held
    assert await verdict(guard, None, authenticator) == f"401 {NO_TOKEN}"
    assert await verdict(guard, "no-org", authenticator) == f"403 {NO_ORGANISATION}"
    assert await verdict(guard, "platform-admin", authenticator) == f"403 {NO_ORGANISATION}"
    assert await verdict(guard, "service:animal", authenticator) == f"403 {NOT_A_SERVICE}"


async def test_requires_role_admits_services_only_when_told() -> None:
    authenticator = callers()
    guard = requires_role("admin", allow_services=True)
    assert await verdict(guard, "service:animal", authenticator) == "ok"
    assert await verdict(guard, "owner", authenticator) == "ok"
    assert await verdict(guard, "member", authenticator) == (
        "403 This needs the admin role or higher in the active organisation."
    )
    assert await verdict(guard, None, authenticator) == f"401 {NO_TOKEN}"
    refusing = requires_role("viewer", allow_services=False)
    assert await verdict(refusing, "service:animal", authenticator) == f"403 {NOT_A_SERVICE}"


async def test_requires_role_checks_the_organisation_before_the_role() -> None:
    authenticator = NamedTokens(
        {
            "role-without-org": user(Role.OWNER, organisation_id=None),
            "org-without-role": user(None, organisation_id=ORG),
        }
    )
    guard = requires_role(Role.VIEWER)
    assert await verdict(guard, "role-without-org", authenticator) == f"403 {NO_ORGANISATION}"
    assert await verdict(guard, "org-without-role", authenticator) == (
        "403 This needs the viewer role or higher in the active organisation."
    )


def test_requires_role_knows_only_the_four_roles() -> None:
    with pytest.raises(ValueError, match="superuser"):
        requires_role("superuser")


async def test_requires_service_takes_the_services_named_or_any_service() -> None:
    authenticator = callers()
    anyone, only_ops = requires_service(), requires_service("ops", "media")
    refused = "403 Only trusted services may call this."
    assert await verdict(anyone, None, authenticator) == "401 This needs a service token."
    assert await verdict(only_ops, None, authenticator) == "401 This needs a service token."
    assert await verdict(anyone, "service:animal", authenticator) == "ok"
    assert await verdict(anyone, "service:ops", authenticator) == "ok"
    assert await verdict(only_ops, "service:ops", authenticator) == "ok"
    assert await verdict(only_ops, "service:animal", authenticator) == refused
    for token in ("owner", "platform-admin"):
        assert await verdict(anyone, token, authenticator) == refused
        assert await verdict(only_ops, token, authenticator) == refused


async def test_requires_platform_admin_takes_an_administrator_or_the_services_named() -> None:
    authenticator = callers()
    admins_or_ops, admins_only = requires_platform_admin("ops"), requires_platform_admin()
    refused = "403 Only platform administrators may do this."
    for guard in (admins_or_ops, admins_only):
        assert await verdict(guard, None, authenticator) == f"401 {NO_TOKEN}"
        assert await verdict(guard, "platform-admin", authenticator) == "ok"
        assert await verdict(guard, "owner", authenticator) == refused
        assert await verdict(guard, "service:animal", authenticator) == refused
    assert await verdict(admins_or_ops, "service:ops", authenticator) == "ok"
    assert await verdict(admins_only, "service:ops", authenticator) == refused


# --- a tiny service app ----------------------------------------------------------------


async def test_an_app_with_the_middleware_and_dependencies_checks_each_request_once() -> None:
    authenticator = callers()

    @get("/mine", guards=[requires_role(Role.MEMBER)], security=BEARER)
    async def mine(principal: CurrentPrincipal) -> dict[str, str | None]:
        return {"role": principal.role}

    @get("/public")
    async def public(optional_principal: OptionalPrincipal) -> dict[str, str | None]:
        return {"subject": optional_principal.subject if optional_principal else None}

    app = Litestar(
        [mine, public],
        dependencies=dict(AUTH_DEPENDENCIES),
        middleware=[DefineMiddleware(Authentication, authenticator=authenticator)],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    async with AsyncTestClient(app) as client:
        response = await client.get("/mine", headers={"Authorization": "Bearer admin"})
        assert (response.status_code, response.json()) == (200, {"role": "admin"})
        assert authenticator.verified_tokens == ["admin"]  # the guard's and the handler's
        response = await client.get("/mine")
        assert (response.status_code, response.json()["detail"]) == (401, NO_TOKEN)
        assert response.headers["www-authenticate"] == "Bearer"
        response = await client.get("/mine", headers={"Authorization": "Bearer viewer"})
        assert response.status_code == 403
        response = await client.get("/public")
        assert response.json() == {"subject": None}
        response = await client.get("/public", headers={"Authorization": "Bearer service:ops"})
        assert response.json() == {"subject": "service:ops"}
        response = await client.get("/public", headers={"Authorization": "Bearer forged"})
        assert response.status_code == 401


# --- service secrets -------------------------------------------------------------------


def test_a_configured_service_secret_wins_and_no_key_file_is_made(tmp_path: Path) -> None:
    settings = load_settings(
        {"REPTIDEX_DATA_DIR": str(tmp_path), "REPTIDEX_ANIMAL_SERVICE_SECRET": "s" * 20}
    )
    assert service_secret(settings, "animal") == "s" * 20
    assert list(tmp_path.iterdir()) == []


def test_without_one_the_secret_derives_from_a_master_key_made_on_first_use(
    tmp_path: Path,
) -> None:
    data = tmp_path / "not" / "yet"
    settings = load_settings({"REPTIDEX_DATA_DIR": str(data)})
    secret = service_secret(settings, "animal")
    key_file = data / "service-master.key"
    master = key_file.read_bytes()
    assert len(master) == 32
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert secret == hmac.new(master, b"animal", hashlib.sha256).hexdigest()
    assert service_secret(settings, "animal") == secret  # the key is made once
    assert key_file.read_bytes() == master
    assert service_secret(settings, "media") == (
        hmac.new(master, b"media", hashlib.sha256).hexdigest()
    )


def test_an_existing_master_key_is_used_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "service-master.key").write_bytes(b"shared master key")
    settings = load_settings({"REPTIDEX_DATA_DIR": str(tmp_path)})
    assert service_secret(settings, "commerce") == (
        hmac.new(b"shared master key", b"commerce", hashlib.sha256).hexdigest()
    )


def test_a_master_key_another_service_made_first_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between this service's read and its write, another one of the process wrote the key."""
    key_file = tmp_path / "service-master.key"
    mkdir = Path.mkdir

    def mkdir_then_race(self: Path, *args: Any, **kwargs: Any) -> None:
        mkdir(self, *args, **kwargs)
        if self == tmp_path:
            key_file.write_bytes(b"the other service's key")

    monkeypatch.setattr(Path, "mkdir", mkdir_then_race)
    settings = load_settings({"REPTIDEX_DATA_DIR": str(tmp_path)})
    secret = service_secret(settings, "media")
    assert key_file.read_bytes() == b"the other service's key"
    assert secret == hmac.new(b"the other service's key", b"media", hashlib.sha256).hexdigest()


# --- the service-token client ----------------------------------------------------------


class Core:
    """Core's ``/auth/service-token``: hands out ``t1``, ``t2``, ... living ``expires_in``."""

    def __init__(self, expires_in: float = 900.0) -> None:
        self.expires_in = expires_in
        self.status = 200
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        await asyncio.sleep(0)  # other callers run while the token is on its way
        if self.status != 200:
            return httpx.Response(self.status, json={"detail": "no"})
        token = f"t{len(self.requests)}"
        return httpx.Response(200, json={"access_token": token, "expires_in": self.expires_in})

    def client(self) -> httpx.AsyncClient:
        return RealAsyncClient(transport=httpx.MockTransport(self))


class OwnClients:
    """Stands in for ``httpx.AsyncClient`` when the token client makes its own: records the
    timeout and answers as :attr:`core`."""

    def __init__(self) -> None:
        self.core = Core()
        self.made: list[tuple[float, httpx.AsyncClient]] = []

    def __call__(
        self, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> httpx.AsyncClient:
        assert transport is None  # tracing off: httpx's own transport
        client = RealAsyncClient(transport=httpx.MockTransport(self.core), timeout=timeout)
        self.made.append((timeout, client))
        return client


@pytest.fixture
def own_clients(monkeypatch: pytest.MonkeyPatch) -> OwnClients:
    clients = OwnClients()
    monkeypatch.setattr(httpx, "AsyncClient", clients)
    return clients


async def test_the_client_asks_core_with_its_name_and_secret(own_clients: OwnClients) -> None:
    core = Core()
    client = ServiceTokenClient(
        "animal", "a-secret-of-20-chars", "http://core.example/", client=core.client()
    )
    assert client.service == "animal"
    assert await client.headers() == {"Authorization": "Bearer t1"}
    (request,) = core.requests
    assert (request.method, str(request.url)) == ("POST", "http://core.example/auth/service-token")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.read()) == {"service": "animal", "secret": "a-secret-of-20-chars"}
    assert own_clients.made == []


@pytest.mark.parametrize(
    ("core_url", "asked"),
    [
        ("http://core.example", "http://core.example/auth/service-token"),
        ("http://core.example///", "http://core.example/auth/service-token"),
        ("http://gateway.example/X/", "http://gateway.example/X/auth/service-token"),
    ],
)
async def test_the_token_url_is_the_core_url_without_trailing_slashes(
    own_clients: OwnClients, core_url: str, asked: str
) -> None:
    core = Core()
    await ServiceTokenClient("animal", "secret", core_url, client=core.client()).token()
    assert [str(request.url) for request in core.requests] == [asked]


async def test_the_token_is_renewed_a_minute_before_it_expires(own_clients: OwnClients) -> None:
    core, clock = Core(expires_in=900), Clock(100.0)
    client = ServiceTokenClient(
        "animal", "secret", "http://core", client=core.client(), clock=clock
    )
    assert await client.token() == "t1"
    clock.now = 100 + 900 - 60 - 0.001
    assert await client.token() == "t1"
    clock.now = 100 + 900 - 60
    assert await client.token() == "t2"
    clock.now = 940 + 839
    assert await client.token() == "t2"
    clock.now = 940 + 840
    assert await client.headers() == {"Authorization": "Bearer t3"}
    assert len(core.requests) == 3


async def test_the_clock_only_measures_time_so_any_origin_works(own_clients: OwnClients) -> None:
    core, clock = Core(expires_in=120), Clock(-10_000.0)
    client = ServiceTokenClient(
        "animal", "secret", "http://core", client=core.client(), clock=clock
    )
    assert await client.token() == "t1"
    clock.now += 59
    assert await client.token() == "t1"
    clock.now += 1
    assert await client.token() == "t2"


async def test_concurrent_callers_share_one_request(own_clients: OwnClients) -> None:
    core = Core(expires_in=60.5)  # a fresh token with more than a minute left is shared
    client = ServiceTokenClient(
        "animal", "secret", "http://core", client=core.client(), clock=Clock()
    )
    tokens = await asyncio.gather(*(client.token() for _ in range(3)))
    assert tokens == ["t1", "t1", "t1"]
    assert len(core.requests) == 1


async def test_a_refusal_by_core_raises_and_the_next_call_asks_again(
    own_clients: OwnClients,
) -> None:
    core = Core()
    core.status = 403
    client = ServiceTokenClient(
        "animal", "secret", "http://core", client=core.client(), clock=Clock()
    )
    with pytest.raises(httpx.HTTPStatusError):
        await client.token()
    core.status = 200
    assert await client.token() == "t2"


@pytest.mark.parametrize(
    "answer", [{"access_token": "t0"}, {"access_token": "t0", "expires_in": "soon"}]
)
async def test_an_answer_without_a_lifetime_caches_nothing(
    own_clients: OwnClients, answer: dict[str, str]
) -> None:
    """Whatever the clock's origin, a token whose lifetime core did not say is never served."""
    answers = [
        httpx.Response(200, json=answer),
        httpx.Response(200, json={"access_token": "t1", "expires_in": 900}),
    ]
    asked: list[httpx.Request] = []

    def core(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return answers[len(asked) - 1]

    client = ServiceTokenClient(
        "animal",
        "secret",
        "http://core",
        client=RealAsyncClient(transport=httpx.MockTransport(core)),
        clock=Clock(-10_000.0),
    )
    with pytest.raises((KeyError, ValueError)):
        await client.token()
    assert await client.token() == "t1"
    assert len(asked) == 2


async def test_the_client_makes_its_own_http_client_and_closes_only_that(
    own_clients: OwnClients,
) -> None:
    clock = Clock()
    client = ServiceTokenClient("animal", "secret", "http://core", timeout=2.5, clock=clock)
    await client.aclose()  # nothing made yet: nothing to close
    assert own_clients.made == []
    assert await client.token() == "t1"
    assert await client.token() == "t1"
    ((timeout, made),) = own_clients.made
    assert timeout == 2.5
    await client.aclose()
    assert made.is_closed
    await client.aclose()  # twice is harmless
    clock.now += 900
    assert await client.token() == "t2"  # a new client after closing
    assert len(own_clients.made) == 2
    assert not own_clients.made[1][1].is_closed

    given = Core().client()
    borrowing = ServiceTokenClient("animal", "secret", "http://core", client=given)
    await borrowing.token()
    await borrowing.aclose()
    assert not given.is_closed
    assert len(own_clients.made) == 2


async def test_an_own_http_client_calls_through_the_given_transport(tmp_path: Path) -> None:
    """The transport a service hands over (tracing's, which sends the trace context) carries
    the token request, whether the client is made directly or from the settings."""
    core = Core()
    direct = ServiceTokenClient(
        "animal", "secret", "http://core", transport=httpx.MockTransport(core)
    )
    settings = load_settings(
        {"REPTIDEX_DATA_DIR": str(tmp_path), "REPTIDEX_CORE_URL": "http://core"}
    )
    configured = ServiceTokenClient.from_settings(
        settings, "media", transport=httpx.MockTransport(core)
    )
    try:
        assert await direct.token() == "t1"
        assert await configured.token() == "t2"
    finally:
        await direct.aclose()
        await configured.aclose()
    assert [str(request.url) for request in core.requests] == ["http://core/auth/service-token"] * 2


async def test_an_own_http_client_waits_five_seconds_by_default(own_clients: OwnClients) -> None:
    await ServiceTokenClient("animal", "secret", "http://core").token()
    assert [timeout for timeout, _ in own_clients.made] == [5.0]


async def test_from_settings_uses_the_service_secret_core_url_and_timeout(
    tmp_path: Path, own_clients: OwnClients
) -> None:
    settings = load_settings(
        {
            "REPTIDEX_DATA_DIR": str(tmp_path),
            "REPTIDEX_CORE_URL": "http://core.example:8000",
            "REPTIDEX_HTTP_TIMEOUT": "7.5",
        }
    )
    client = ServiceTokenClient.from_settings(settings, "media")
    assert await client.token() == "t1"
    (request,) = own_clients.core.requests
    assert str(request.url) == "http://core.example:8000/auth/service-token"
    secret = service_secret(settings, "media")
    assert json.loads(request.read()) == {"service": "media", "secret": secret}
    assert [timeout for timeout, _ in own_clients.made] == [7.5]
    await client.aclose()
