"""What the admin dashboard asks repti-core, through ops' peer client: signing in, refreshing
and ending the core session, and the administration and feature-flag APIs, always with the
signed-in administrator's own access token (so core checks their right and its audit trail
names them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from reptidex.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from reptidex.services.kernel.peers import PeerClient


class CoreUnreachable(Exception):
    """repti-core did not give a usable answer (down, timed out, 5xx)."""


class CoreTokens(msgspec.Struct, frozen=True):
    """The pair core's login and refresh answer."""

    access_token: str
    expires_in: int
    refresh_token: str


class AdminUser(msgspec.Struct, frozen=True):
    """An account as core's ``/admin/users`` shows it."""

    id: uuid.UUID
    email: str
    display_name: str | None
    email_verified: bool
    platform_admin: bool
    suspended: bool
    created_at: str
    suspended_at: str | None = None


class UserPage(msgspec.Struct, frozen=True):
    """A page of users."""

    items: list[AdminUser]
    total: int


class AdminOrganisation(msgspec.Struct, frozen=True):
    """An organisation as core's ``/admin/organisations`` shows it."""

    id: uuid.UUID
    name: str
    created_by: uuid.UUID
    created_at: str
    members: int


class OrganisationPage(msgspec.Struct, frozen=True):
    """A page of organisations."""

    items: list[AdminOrganisation]
    total: int


class Flag(msgspec.Struct, frozen=True):
    """A feature flag as core's ``/config/flags`` shows it."""

    key: str
    description: str
    enabled: bool
    rollout_percentage: int | None = None
    entitlement: str | None = None


class _Me(msgspec.Struct):
    email: str


_ERRORS: dict[int, type[DomainError]] = {
    401: NotAuthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    400: InvalidInput,
    422: InvalidInput,
}


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail)[:300] if detail else f"repti-core answered {response.status_code}"


class CoreAdmin:
    """repti-core as the dashboard uses it."""

    def __init__(self, peers: Callable[[], PeerClient]) -> None:
        self._peers = peers

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        peers = self._peers()
        try:
            response = await peers.request(method, "core", path, **kwargs)
        except httpx.HTTPError as exc:
            raise CoreUnreachable(f"repti-core is unreachable: {type(exc).__name__}") from None
        if response.is_success:
            return response
        status = response.status_code
        if status == 429:
            retry = response.headers.get("Retry-After", "60")
            raise RateLimited(_detail(response), retry_after=int(retry) if retry.isdigit() else 60)
        error = _ERRORS.get(status)
        if error is None:
            raise CoreUnreachable(f"repti-core answered {status}")
        raise error(_detail(response))

    @staticmethod
    def _bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def login(self, email: str, password: str, client_address: str) -> CoreTokens:
        """Sign in with core (which counts the attempt against the browser's address when it
        trusts ops as a proxy: ``REPTIDEX_TRUSTED_PROXIES``)."""
        response = await self._call(
            "POST",
            "/auth/login",
            json={"email": email, "password": password},
            headers={"X-Forwarded-For": client_address},
        )
        return msgspec.json.decode(response.content, type=CoreTokens)

    async def refresh(self, refresh_token: str) -> CoreTokens:
        """Rotate the refresh token for a new pair."""
        response = await self._call("POST", "/auth/refresh", json={"refresh_token": refresh_token})
        return msgspec.json.decode(response.content, type=CoreTokens)

    async def logout(self, refresh_token: str) -> None:
        """End the core session."""
        await self._call("POST", "/auth/logout", json={"refresh_token": refresh_token})

    async def email_of(self, token: str) -> str:
        """The address of the account ``token`` belongs to."""
        response = await self._call("GET", "/auth/me", headers=self._bearer(token))
        return msgspec.json.decode(response.content, type=_Me).email

    async def users(self, token: str, text: str, limit: int, offset: int) -> UserPage:
        """Search users."""
        response = await self._call(
            "GET",
            "/admin/users",
            params={"q": text, "limit": limit, "offset": offset},
            headers=self._bearer(token),
        )
        return msgspec.json.decode(response.content, type=UserPage)

    async def organisations(
        self, token: str, text: str, limit: int, offset: int
    ) -> OrganisationPage:
        """Search organisations."""
        response = await self._call(
            "GET",
            "/admin/organisations",
            params={"q": text, "limit": limit, "offset": offset},
            headers=self._bearer(token),
        )
        return msgspec.json.decode(response.content, type=OrganisationPage)

    async def set_suspended(self, token: str, user_id: uuid.UUID, suspended: bool) -> AdminUser:
        """Suspend or reinstate an account."""
        response = await self._call(
            "PUT" if suspended else "DELETE",
            f"/admin/users/{user_id}/suspension",
            headers=self._bearer(token),
        )
        return msgspec.json.decode(response.content, type=AdminUser)

    async def set_platform_admin(self, token: str, user_id: uuid.UUID, granted: bool) -> AdminUser:
        """Grant or revoke an account's platform-admin right."""
        response = await self._call(
            "PUT" if granted else "DELETE",
            f"/admin/users/{user_id}/platform-admin",
            headers=self._bearer(token),
        )
        return msgspec.json.decode(response.content, type=AdminUser)

    async def flags(self, token: str) -> list[Flag]:
        """Every feature flag."""
        response = await self._call("GET", "/config/flags/", headers=self._bearer(token))
        return msgspec.json.decode(response.content, type=list[Flag])

    async def set_flag_enabled(self, token: str, key: str, enabled: bool) -> Flag:
        """Switch a flag on or off."""
        response = await self._call(
            "PATCH",
            f"/config/flags/{quote(key, safe='')}",
            json={"enabled": enabled},
            headers=self._bearer(token),
        )
        return msgspec.json.decode(response.content, type=Flag)
