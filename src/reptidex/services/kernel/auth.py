"""The shared auth layer: who is calling, verified locally, and guards on what they may do.

Every service verifies access tokens itself, against repti-core's public keys (fetched from
``/.well-known/jwks.json`` and cached), so no request needs a call to core. A handler gets the
caller as a :class:`Principal`::

    @get("/animals", guards=[requires_role(Role.MEMBER)], security=BEARER)
    async def list_animals(principal: CurrentPrincipal) -> ...:
        principal.organisation_id  # the active organisation, to scope every query

Public endpoints take ``optional_principal: OptionalPrincipal`` instead (None when no token
was sent; a token that *was* sent must still be valid). Service-to-service calls carry a
service token (``sub = service:<name>``), obtained with :class:`ServiceTokenClient`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import httpx
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from reptidex.adapters.identity.tokens import (
    InvalidToken,
    JwksKeySource,
    KeysUnavailable,
    PublicKeySource,
    TokenVerifier,
)
from reptidex.domain.errors import NotAuthenticated, PermissionDenied, Unavailable
from reptidex.domain.identity.model import Role
from reptidex.domain.identity.tokens import AccessClaims
from reptidex.services.kernel.request_context import scope_headers
from reptidex.services.kernel.settings import Settings
from reptidex.services.kernel.verified_tokens import VerifiedTokens

JWKS_PATH = "/.well-known/jwks.json"
SERVICE_TOKEN_PATH = "/auth/service-token"  # noqa: S105 (a path, not a secret)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
"""``security=BEARER`` on a route documents in OpenAPI that it takes a bearer token."""
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, *BEARER]
"""``security=OPTIONAL_BEARER`` documents that a bearer token may be sent but need not be (the
empty requirement admits anonymous callers), on a route that reads ``OptionalPrincipal``: an
anonymous caller gets the public answer, a token that is sent is verified (401 if it fails).

Litestar adds up the ``security`` of every layer (app, router, controller, handler), so a
handler cannot take away its controller's: a public route (``security`` empty) or one of these
belongs in a controller that declares none."""

KEYS_RETRY_AFTER = 5
"""Seconds a caller is told to wait when core's keys cannot be fetched (the key source's
shortest interval between two fetches)."""

_STATE_KEY = "reptidex_principal"
_NO_PRINCIPAL = object()


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller of a request: a user (in an organisation, with a role) or a service."""

    subject: str
    token_id: str
    expires_at: dt.datetime
    user_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    role: Role | None = None
    session_id: uuid.UUID | None = None
    service: str | None = None
    platform_admin: bool = False

    @classmethod
    def from_claims(cls, claims: AccessClaims) -> Principal:
        """The principal a verified token describes."""
        return cls(
            subject=claims.subject,
            token_id=claims.token_id,
            expires_at=claims.expires_at,
            user_id=claims.user_id,
            organisation_id=claims.organisation_id if claims.role else None,
            role=claims.role,
            session_id=claims.session_id,
            service=claims.service,
            platform_admin=claims.platform_admin and claims.service is None,
        )

    @property
    def is_service(self) -> bool:
        """Whether another service (not a person) is calling."""
        return self.service is not None

    def has_role(self, role: Role) -> bool:
        """Whether the caller holds ``role`` or higher in its active organisation."""
        return self.role is not None and self.role.at_least(role)

    def require_user(self) -> uuid.UUID:
        """The user's id; a service principal gets :class:`PermissionDenied`."""
        if self.user_id is None:
            raise PermissionDenied("This needs a user's token, not a service's.")
        return self.user_id

    def require_organisation(self) -> uuid.UUID:
        """The active organisation's id, or :class:`PermissionDenied` when there is none."""
        if self.organisation_id is None:
            raise PermissionDenied(
                "Choose an organisation first (POST /auth/switch-organisation) or create one."
            )
        return self.organisation_id


class Authenticator:
    """Turns a request's ``Authorization: Bearer`` header into a :class:`Principal`.

    ``clock`` (seconds since the epoch) judges token expiry, both when verifying and when
    remembering a verified token.
    """

    def __init__(
        self,
        keys: PublicKeySource,
        *,
        leeway: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.verifier = (
            TokenVerifier(keys, clock=clock)
            if leeway is None
            else TokenVerifier(keys, leeway=leeway, clock=clock)
        )
        self.verified = VerifiedTokens[Principal](clock=clock)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> Authenticator:
        """Verify against core's JWKS at ``settings.peer_url("core")``, fetched through
        ``transport`` (default: httpx's own)."""
        return cls(
            JwksKeySource(
                settings.peer_url("core") + JWKS_PATH,
                transport=transport,
                timeout=settings.http_timeout,
            ),
            leeway=settings.token_leeway,
        )

    async def verify(self, token: str) -> Principal:
        """The principal of a raw token; :class:`NotAuthenticated` says why it is refused,
        :class:`Unavailable` that it cannot be judged now (core's keys cannot be fetched).

        A token verified in the last minute is not checked again (see
        :mod:`~reptidex.services.kernel.verified_tokens`); it still stops at its expiry."""
        principal = self.verified.get(token)
        if principal is not None:
            return principal
        try:
            principal = Principal.from_claims(await self.verifier.verify(token))
        except InvalidToken as exc:
            raise NotAuthenticated(f"The access token is refused: {exc}.") from None
        except KeysUnavailable:
            raise Unavailable(
                "The access token cannot be checked now: repti-core's signing keys could not "
                "be fetched. Try again shortly.",
                retry_after=KEYS_RETRY_AFTER,
            ) from None
        expires = principal.expires_at.timestamp() + self.verifier.leeway
        self.verified.keep(token, principal, expires_at=expires)
        return principal

    async def authenticate(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> Principal | None:
        """The request's principal, None without a token; verified once per request."""
        state = connection.scope.setdefault("state", {})
        cached = state.get(_STATE_KEY, _NO_PRINCIPAL)
        if cached is not _NO_PRINCIPAL:
            return cached  # type: ignore[no-any-return]
        header = next(scope_headers(connection.scope, b"authorization"), None)
        principal: Principal | None = None
        if header:
            scheme, _, token = header.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthenticated("Send the access token as 'Authorization: Bearer <token>'.")
            principal = await self.verify(token.strip())
        state[_STATE_KEY] = principal
        return principal

    async def aclose(self) -> None:
        """Release the key source's connections."""
        close = getattr(self.keys, "aclose", None)
        if close is not None:
            await close()


class Authentication:
    """ASGI middleware the kernel puts around every route: it hands each request the service's
    :class:`Authenticator` (as the scope's ``auth``), with which the guards and the principal
    dependencies verify the token when one of them first asks; a route that asks for no
    caller never verifies one."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["auth"] = self.authenticator
        await self.app(scope, receive, send)


async def _principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    authenticator = connection.scope.get("auth")
    if not isinstance(authenticator, Authenticator):
        raise RuntimeError("no Authentication middleware: build the app with create_service_app")
    return await authenticator.authenticate(connection)


async def provide_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """Dependency ``principal``: the verified caller, or 401."""
    principal = await _principal_of(request)
    if principal is None:
        raise NotAuthenticated("This needs an access token ('Authorization: Bearer <token>').")
    return principal


async def provide_optional_principal(
    request: ASGIConnection[Any, Any, Any, Any],
) -> Principal | None:
    """Dependency ``optional_principal``: the caller when a token was sent, else None."""
    return await _principal_of(request)


CurrentPrincipal: TypeAlias = NamedDependency[Principal]
"""Annotate a handler parameter ``principal: CurrentPrincipal`` to receive the verified caller."""

OptionalPrincipal: TypeAlias = NamedDependency[Principal | None]
"""Annotate ``optional_principal: OptionalPrincipal`` on public routes (None without a token)."""

AUTH_DEPENDENCIES: Mapping[str, Provide] = {
    "principal": Provide(provide_principal),
    "optional_principal": Provide(provide_optional_principal),
}
"""App-level dependencies every service has (the kernel's app builder installs them)."""


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Any]


async def requires_auth(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: any valid token, a user's or a service's."""
    if await _principal_of(connection) is None:
        raise NotAuthenticated("This needs an access token ('Authorization: Bearer <token>').")


async def requires_user(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a user's token (services are refused)."""
    principal = await _principal_of(connection)
    if principal is None:
        raise NotAuthenticated("This needs an access token ('Authorization: Bearer <token>').")
    principal.require_user()


def requires_role(role: Role | str, *, allow_services: bool = False) -> Guard:
    """Guard: a user holding ``role`` or higher in the token's active organisation.

    The order is viewer < member < admin < owner. With ``allow_services`` a service token
    passes too (it acts for the platform, not inside one organisation).
    """
    needed = Role(role)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await _principal_of(connection)
        if principal is None:
            raise NotAuthenticated("This needs an access token ('Authorization: Bearer <token>').")
        if principal.is_service:
            if allow_services:
                return
            raise PermissionDenied("This needs a user's token, not a service's.")
        principal.require_organisation()
        if not principal.has_role(needed):
            raise PermissionDenied(
                f"This needs the {needed.value} role or higher in the active organisation."
            )

    guard.__name__ = f"requires_role_{needed.value}"
    return guard


def requires_service(*names: str) -> Guard:
    """Guard: a service token from one of ``names`` (any service when none are given)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await _principal_of(connection)
        if principal is None:
            raise NotAuthenticated("This needs a service token.")
        if principal.service is None or (names and principal.service not in names):
            raise PermissionDenied("Only trusted services may call this.")

    return guard


def requires_platform_admin(*services: str) -> Guard:
    """Guard: a platform administrator's user token (``reptidex admin grant EMAIL``), or a
    service token from one of ``services`` (e.g. repti-ops' admin dashboard)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await _principal_of(connection)
        if principal is None:
            raise NotAuthenticated("This needs an access token ('Authorization: Bearer <token>').")
        if principal.platform_admin or (
            principal.service is not None and principal.service in services
        ):
            return
        raise PermissionDenied("Only platform administrators may do this.")

    return guard


def service_secret(settings: Settings, service: str) -> str | None:
    """The shared secret ``service`` proves itself to core with.

    ``REPTIDEX_<NAME>_SERVICE_SECRET`` when set. Otherwise, for the embedded platform (every
    service in one process, one data folder), a secret derived from a random master key kept in
    ``<data dir>/service-master.key``, made on first use; containers with separate data folders
    must set the variables.
    """
    explicit = settings.service_secrets.get(service)
    if explicit:
        return explicit
    path = settings.data_dir / "service-master.key"
    try:
        master = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("xb") as handle:
                path.chmod(0o600)
                handle.write(secrets.token_bytes(32))
        except FileExistsError:  # another service of the process made it first
            pass
        master = path.read_bytes()
    return hmac.new(master, service.encode("utf-8"), hashlib.sha256).hexdigest()


class ServiceTokenClient:
    """Gets (and caches) this service's own token from core, for calls to other services.

    ``await client.headers()`` gives the ``Authorization`` header to send; the token is renewed
    a minute before it expires.
    """

    def __init__(
        self,
        service: str,
        secret: str,
        core_url: str,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self._transport = transport
        self._secret = secret
        self._url = core_url.rstrip("/") + SERVICE_TOKEN_PATH
        self._client = client
        self._owns_client = client is None
        self._timeout = timeout
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        service: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> ServiceTokenClient:
        """A client for ``service`` using its configured (or embedded-derived) secret,
        calling core through ``transport`` (default: httpx's own)."""
        secret = service_secret(settings, service)
        assert secret is not None
        return cls(
            service,
            secret,
            settings.peer_url("core"),
            transport=transport,
            timeout=settings.http_timeout,
        )

    def _fresh(self) -> bool:
        """Whether the cached token has more than a minute left."""
        return self._token is not None and self._clock() < self._expires_at - 60

    async def token(self) -> str:
        """A valid service token."""
        if not self._fresh():
            async with self._lock:
                if not self._fresh():  # unless a caller it waited for has just renewed it
                    if self._client is None:
                        self._client = httpx.AsyncClient(
                            timeout=self._timeout, transport=self._transport
                        )
                    response = await self._client.post(
                        self._url, json={"service": self.service, "secret": self._secret}
                    )
                    response.raise_for_status()
                    body = response.json()
                    token, lifetime = str(body["access_token"]), float(body["expires_in"])
                    self._token, self._expires_at = token, self._clock() + lifetime
        assert self._token is not None
        return self._token

    async def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <service token>"}``."""
        return {"Authorization": f"Bearer {await self.token()}"}

    async def aclose(self) -> None:
        """Close the HTTP client if this object made it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
