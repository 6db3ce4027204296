"""What the dashboard's pages are given: the session store, repti-core, the platform watch, the
platform's status and uptime, and the audit trail; and who is looking at a page (a signed-in
platform administrator, or not)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from litestar import Request

from reptidex.domain.audit.figures import ActivityRecords
from reptidex.domain.audit.ports import AuditTrail
from reptidex.domain.errors import NotAuthenticated, PermissionDenied, RateLimited
from reptidex.domain.rate_limits import RateLimiter
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.ops.dashboard.core_api import CoreAdmin, CoreTokens
from reptidex.services.ops.dashboard.platform import PlatformWatch
from reptidex.services.ops.dashboard.sessions import (
    DashboardSession,
    SessionStore,
    new_csrf_token,
    session_id_of,
)
from reptidex.services.ops.monitor import Monitoring

REFRESH_BEFORE = 30.0
"""Seconds before its access token expires that a session refreshes it."""
SIGN_IN_ATTEMPTS = 20
"""Sign-in attempts one client address may make per :data:`SIGN_IN_WINDOW` at the dashboard
(before core's own login limits, which may see only ops' address)."""
SIGN_IN_WINDOW = 300

NOT_AN_ADMIN = "This account is not a platform administrator."


ADMIN_STATE = "dashboard_admin"
"""Where a request keeps its signed-in administrator once known."""


class SignInRequired(Exception):
    """The page needs a signed-in administrator and the request has no live session."""


@dataclass(frozen=True, slots=True)
class Admin:
    """The signed-in administrator looking at a page, and their session."""

    session_id: str
    session: DashboardSession

    @property
    def user_id(self) -> uuid.UUID:
        """Their account's id."""
        return self.session.user_id

    @property
    def email(self) -> str:
        """Their address."""
        return self.session.email

    @property
    def token(self) -> str:
        """Their current core access token."""
        return self.session.access_token

    @property
    def csrf_token(self) -> str:
        """The token every form of their session carries."""
        return self.session.csrf_token


def authenticator_of(request: Request[Any, Any, Any]) -> Authenticator:
    """The service's token verifier (the kernel's Authentication middleware hands it over)."""
    authenticator = request.scope.get("auth")
    if not isinstance(authenticator, Authenticator):
        raise RuntimeError("no Authentication middleware: build the app with create_service_app")
    return authenticator


@dataclass(frozen=True, slots=True)
class DashboardDesk:
    """The dashboard's collaborators."""

    sessions: SessionStore
    core: CoreAdmin
    watch: PlatformWatch
    monitoring: Monitoring
    trail: AuditTrail
    activity: ActivityRecords
    limiter: RateLimiter
    clock: Callable[[], float] = time.time

    async def count_sign_in(self, client_address: str) -> None:
        """Count a sign-in attempt from ``client_address``; :class:`RateLimited` past
        :data:`SIGN_IN_ATTEMPTS` in :data:`SIGN_IN_WINDOW` seconds."""
        key = f"dashboard-sign-in:{client_address}"
        retry_after = await self.limiter.hit(key, SIGN_IN_ATTEMPTS, SIGN_IN_WINDOW)
        if retry_after is not None:
            raise RateLimited(
                f"Too many sign-in attempts; try again in {retry_after} s.",
                retry_after=retry_after,
            )

    async def new_session(
        self, request: Request[Any, Any, Any], tokens: CoreTokens
    ) -> tuple[str, DashboardSession]:
        """A session for the person ``tokens`` sign in; :class:`PermissionDenied` (and the
        core session ended) for anyone but a platform administrator."""
        principal = await authenticator_of(request).verify(tokens.access_token)
        if not principal.platform_admin or principal.user_id is None:
            await self._end_core_session(tokens.refresh_token)
            raise PermissionDenied(NOT_AN_ADMIN)
        now = self.clock()
        session = DashboardSession(
            user_id=principal.user_id,
            email=await self.core.email_of(tokens.access_token),
            platform_admin=True,
            access_token=tokens.access_token,
            access_expires_at=now + tokens.expires_in,
            refresh_token=tokens.refresh_token,
            csrf_token=new_csrf_token(),
            started_at=now,
        )
        return await self.sessions.start(session), session

    async def _end_core_session(self, refresh_token: str) -> None:
        try:
            await self.core.logout(refresh_token)
        except Exception:  # ending it is a courtesy: the token expires anyway
            return

    async def admin(self, request: Request[Any, Any, Any]) -> Admin:
        """The signed-in administrator of ``request``, their access token refreshed when it is
        about to expire. :class:`SignInRequired` without a live session;
        :class:`PermissionDenied` (and the session ended) once the account lost the right."""
        session_id = session_id_of(request)
        now = self.clock()
        session = await self.sessions.load(session_id, now) if session_id else None
        if session_id is None or session is None:
            raise SignInRequired
        if session.access_expires_at - now < REFRESH_BEFORE:
            try:
                tokens = await self.core.refresh(session.refresh_token)
                principal = await authenticator_of(request).verify(tokens.access_token)
            except (NotAuthenticated, PermissionDenied):
                await self.sessions.end(session_id)
                raise SignInRequired from None
            session.access_token = tokens.access_token
            session.access_expires_at = now + tokens.expires_in
            session.refresh_token = tokens.refresh_token
            session.platform_admin = principal.platform_admin
            await self.sessions.save(session_id, session)
        if not session.platform_admin:
            await self.sign_out(session_id, session)
            raise PermissionDenied(NOT_AN_ADMIN)
        admin = Admin(session_id, session)
        # the request's own scope state: an error page of this request still shows the menu
        request.scope.setdefault("state", {})[ADMIN_STATE] = admin
        return admin

    async def sign_out(self, session_id: str, session: DashboardSession) -> None:
        """End the dashboard session and its core session."""
        await self.sessions.end(session_id)
        await self._end_core_session(session.refresh_token)


Desk: TypeAlias = Injected[DashboardDesk]
"""The ``dashboard`` dependency."""
