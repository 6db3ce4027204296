"""Signed-in breeders' sessions, kept on the server.

The browser holds only a random session id, in an ``HttpOnly; SameSite=Lax`` cookie (``Secure``
when the application is reached over https); the access and refresh tokens from repti-core stay
in a store (Redis when configured, so every replica sees the session; else this process's
memory) under the SHA-256 of the id, so a store dump hands out no live cookie. A session ends
after :data:`IDLE` without a request, at sign-out, or when core refuses its refresh token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
import time
import weakref

import msgspec
from litestar.datastructures import Cookie
from litestar.stores.base import Store

COOKIE = "reptidex_session"
"""The session cookie."""
IDLE = dt.timedelta(days=14)
"""A session unused this long ends (core's refresh token lives as long)."""
EARLY = 30.0
"""Seconds before its expiry that an access token is refreshed."""


class Membership(msgspec.Struct, frozen=True):
    """An organisation the breeder belongs to, and their role there."""

    organisation_id: str
    name: str
    role: str


class WebSession(msgspec.Struct, kw_only=True):
    """One signed-in breeder: who, the organisation they act in, and core's tokens."""

    user_id: str
    email: str
    display_name: str | None
    access_token: str
    access_expires_at: float
    refresh_token: str
    organisation_id: str | None = None
    organisations: list[Membership] = msgspec.field(default_factory=list)

    @property
    def name(self) -> str:
        """What the page calls the breeder."""
        return self.display_name or self.email

    @property
    def organisation(self) -> Membership | None:
        """The organisation the breeder acts in, if any."""
        return next(
            (m for m in self.organisations if m.organisation_id == self.organisation_id), None
        )

    def needs_refresh(self, now: float | None = None) -> bool:
        """Whether the access token expires within :data:`EARLY` seconds."""
        return (now if now is not None else time.time()) >= self.access_expires_at - EARLY


def _key(session_id: str) -> str:
    return "web-session:" + hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Breeders' sessions in a Litestar store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, session_id: str) -> asyncio.Lock:
        """The lock of a session's token refresh in this process (forgotten when unused)."""
        lock = self._locks.get(session_id)
        if lock is None:
            lock = self._locks[session_id] = asyncio.Lock()
        return lock

    async def start(self, session: WebSession) -> str:
        """Keep ``session`` under a new id, returned for the cookie."""
        session_id = secrets.token_urlsafe(32)
        await self.save(session_id, session)
        return session_id

    async def save(self, session_id: str, session: WebSession) -> None:
        """Store ``session`` (again), for :data:`IDLE` from now."""
        await self._store.set(_key(session_id), msgspec.json.encode(session), expires_in=IDLE)

    async def load(self, session_id: str) -> WebSession | None:
        """The live session of ``session_id`` (renewed for :data:`IDLE`), if any."""
        raw = await self._store.get(_key(session_id), renew_for=IDLE)
        if raw is None:
            return None
        try:
            return msgspec.json.decode(raw, type=WebSession)
        except msgspec.DecodeError:  # a session written by an older release: sign in again
            await self.end(session_id)
            return None

    async def end(self, session_id: str) -> None:
        """Forget the session."""
        await self._store.delete(_key(session_id))


def session_cookie(value: str, *, secure: bool) -> Cookie:
    """The session cookie: not readable by scripts, not sent on cross-site sub-requests."""
    return Cookie(
        key=COOKIE,
        value=value,
        path="/",
        max_age=int(IDLE.total_seconds()),
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def ended_cookie(*, secure: bool) -> Cookie:
    """The cookie that makes the browser forget the session."""
    return Cookie(
        key=COOKIE, value="", path="/", max_age=0, secure=secure, httponly=True, samesite="lax"
    )
