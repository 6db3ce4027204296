"""The admin dashboard's sign-in sessions, kept on the server.

The browser holds only a random session id in a ``Secure; HttpOnly; SameSite=Strict`` cookie;
the core tokens and the session's CSRF token stay in a store (Redis when configured, so every
replica sees the session; else this process's memory), under the SHA-256 of the id, so a
store dump does not hand out live cookies. A session ends after :data:`IDLE` without a request,
after :data:`LIFETIME` in all, or at sign-out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import Cookie
from litestar.stores.base import Store

from reptidex.domain.errors import PermissionDenied

COOKIE = "reptidex_admin"
"""The session cookie."""
SIGN_IN_COOKIE = "reptidex_admin_signin"
"""The CSRF cookie of the sign-in form (no session exists yet): a double-submit token."""
PATH = "/admin/dashboard"
"""Where both cookies are sent (nowhere else on ops)."""
IDLE = dt.timedelta(minutes=30)
"""A session unused this long ends."""
LIFETIME = dt.timedelta(hours=8)
"""No session lasts longer than this, used or not."""
SIGN_IN_FORM_LIFETIME = dt.timedelta(minutes=15)
"""How long a sign-in form (its CSRF cookie) stays usable."""

FORBIDDEN_FORM = "The form is out of date or did not come from this dashboard; reload it."


class DashboardSession(msgspec.Struct, kw_only=True):
    """One signed-in administrator: who, the core tokens acting for them, the form token."""

    user_id: uuid.UUID
    email: str
    platform_admin: bool
    access_token: str
    access_expires_at: float
    refresh_token: str
    csrf_token: str
    started_at: float


def new_csrf_token() -> str:
    """A fresh unguessable form token."""
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: str | None) -> bool:
    """Whether a form's token matches, compared in constant time."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def require_form_token(expected: str | None, given: str | None) -> None:
    """Refuse (403) a form whose CSRF token is missing or not the session's."""
    if not same_token(expected, given):
        raise PermissionDenied(FORBIDDEN_FORM)


def _key(session_id: str) -> str:
    return "dashboard-session:" + hashlib.sha256(session_id.encode()).hexdigest()


def cookie(name: str, value: str, max_age: dt.timedelta) -> Cookie:
    """A dashboard cookie: secure, not readable by scripts, never sent from another site."""
    return Cookie(
        key=name,
        value=value,
        path=PATH,
        max_age=int(max_age.total_seconds()),
        secure=True,
        httponly=True,
        samesite="strict",
    )


def expired_cookie(name: str) -> Cookie:
    """The cookie that makes the browser forget ``name``."""
    return Cookie(
        key=name, value="", path=PATH, max_age=0, secure=True, httponly=True, samesite="strict"
    )


class SessionStore:
    """Dashboard sessions in a Litestar store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def start(self, session: DashboardSession) -> str:
        """Keep ``session`` under a new id, returned for the cookie."""
        session_id = secrets.token_urlsafe(32)
        await self.save(session_id, session)
        return session_id

    async def save(self, session_id: str, session: DashboardSession) -> None:
        """Store ``session`` (again), for :data:`IDLE` from now."""
        await self._store.set(_key(session_id), msgspec.json.encode(session), expires_in=IDLE)

    async def load(self, session_id: str, now: float) -> DashboardSession | None:
        """The live session of ``session_id`` (renewed for :data:`IDLE`), if any."""
        raw = await self._store.get(_key(session_id), renew_for=IDLE)
        if raw is None:
            return None
        try:
            session = msgspec.json.decode(raw, type=DashboardSession)
        except msgspec.DecodeError:
            await self.end(session_id)
            return None
        if now - session.started_at > LIFETIME.total_seconds():
            await self.end(session_id)
            return None
        return session

    async def end(self, session_id: str) -> None:
        """Forget the session."""
        await self._store.delete(_key(session_id))


def session_id_of(request: Request[Any, Any, Any]) -> str | None:
    """The session id the browser sent, if any."""
    value = request.cookies.get(COOKIE)
    return value if value and len(value) <= 128 else None
