"""Who is asking: the visitor of a page, signed in or not, and their calls to the services.

Every page handler takes a :class:`Visitor` (a Litestar dependency). A page for signed-in
breeders asks for :attr:`Visitor.session` (:class:`SignInRequired` sends anyone else to the
sign-in page and back); its calls go through :meth:`Visitor.call`, which adds the access token
and refreshes it with core first when it is about to expire.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any, TypeAlias

from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import SkipValidation

from reptidex.services.web.api import ServiceAnswer, ServiceCalls, ServiceProblem
from reptidex.services.web.sessions import (
    COOKIE,
    Membership,
    SessionStore,
    WebSession,
    ended_cookie,
    session_cookie,
)


class SignInRequired(Exception):
    """The page needs a signed-in breeder; ``next`` is where to come back to."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in to see this page")
        self.next_path = next_path


class Visitor:
    """The person behind one request: their session (if signed in) and their service calls."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        calls: ServiceCalls,
        sessions: SessionStore,
        *,
        secure: bool,
    ) -> None:
        self.request = request
        self.calls = calls
        self.sessions = sessions
        self.secure = secure
        self.session_id: str | None = request.cookies.get(COOKIE) or None
        self.current: WebSession | None = None
        self.cookies: list[Cookie] = []
        """Cookies the response must set (a session started or ended during the request)."""

    @property
    def forwarded_for(self) -> str:
        """The ``X-Forwarded-For`` the services get: the chain this request came with, then
        the address it came from. A service believes it only from the proxies it trusts
        (``REPTIDEX_TRUSTED_PROXIES``, which should name repti-web's address): then its
        per-address limits count each browser, not all of them as one."""
        hops = [*self.request.headers.getall("x-forwarded-for", [])]
        hops.append(self.request.client.host if self.request.client else "unknown")
        return ", ".join(hop.strip() for hop in hops if hop.strip())

    async def load(self) -> Visitor:
        """Read the session named by the cookie, if it is still alive."""
        if self.session_id:
            self.current = await self.sessions.load(self.session_id)
        return self

    @property
    def session(self) -> WebSession:
        """The signed-in breeder's session; :class:`SignInRequired` without one."""
        if self.current is None:
            path = self.request.url.path
            query = self.request.url.query
            raise SignInRequired(f"{path}?{query}" if query else path)
        return self.current

    async def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        anonymous: bool = False,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> ServiceAnswer:
        """``method path`` on ``service`` as the signed-in breeder (``anonymous``: without a
        token, for public operations and visitors)."""
        token = None
        if not anonymous:
            session = self.session
            if session.needs_refresh():
                await self._refresh(session)
            token = session.access_token
        sent = {**(headers or {}), "X-Forwarded-For": self.forwarded_for}
        try:
            return await self.calls.call(
                method, service, path, token=token, json=json, params=params, headers=sent,
                files=files, form=form,
            )  # fmt: skip
        except ServiceProblem as problem:
            if problem.status == 401 and not anonymous:
                await self.sign_out()  # core no longer knows the session: sign in again
                raise SignInRequired(self.request.url.path) from problem
            raise

    async def _refresh(self, session: WebSession) -> None:
        """Refresh the access token, once for all the requests of this session in flight in
        this process: core rotates the refresh token and takes a second use of the old one
        for theft."""
        if self.session_id is None:
            return await self._refresh_now(session)
        async with self.sessions.lock(self.session_id):
            kept = await self.sessions.load(self.session_id)
            if kept is not None and not kept.needs_refresh():  # another request refreshed it
                session.access_token = kept.access_token
                session.access_expires_at = kept.access_expires_at
                session.refresh_token = kept.refresh_token
                self.current = session
                return None
            return await self._refresh_now(session)

    async def _refresh_now(self, session: WebSession) -> None:
        try:
            answer = await self.calls.call(
                "POST", "core", "/auth/refresh", json={"refresh_token": session.refresh_token}
            )
        except ServiceProblem as problem:
            if problem.status in (400, 401, 403, 422):
                await self.sign_out()
                raise SignInRequired(self.request.url.path) from problem
            raise
        tokens = answer.json()
        session.access_token = tokens["access_token"]
        session.access_expires_at = time.time() + tokens["expires_in"]
        session.refresh_token = tokens["refresh_token"]
        await self._save(session)

    async def _save(self, session: WebSession) -> None:
        self.current = session
        if self.session_id:
            await self.sessions.save(self.session_id, session)

    async def sign_in(self, tokens: Mapping[str, Any]) -> WebSession:
        """Start a session from core's login answer (acting in the breeder's first
        organisation when the token names none)."""
        if self.session_id:
            await self.sessions.end(self.session_id)  # a new id at sign-in: no fixation
        me = (await self.calls.call("GET", "core", "/auth/me", token=tokens["access_token"])).json()
        session = WebSession(
            user_id=str(me["id"]),
            email=me["email"],
            display_name=me.get("display_name"),
            access_token=tokens["access_token"],
            access_expires_at=time.time() + tokens["expires_in"],
            refresh_token=tokens["refresh_token"],
            organisation_id=me.get("organisation_id"),
            organisations=_memberships(me),
        )
        self.session_id = await self.sessions.start(session)
        self.current = session
        self.cookies.append(session_cookie(self.session_id, secure=self.secure))
        if session.organisation_id is None and session.organisations:
            await self.switch_organisation(session.organisations[0].organisation_id)
        return session

    async def switch_organisation(self, organisation_id: str) -> None:
        """Act in another of the breeder's organisations (core issues the token)."""
        session = self.session
        answer = await self.call(
            "POST", "core", "/auth/switch-organisation", json={"organisation_id": organisation_id}
        )
        tokens = answer.json()
        session.access_token = tokens["access_token"]
        session.access_expires_at = time.time() + tokens["expires_in"]
        if tokens.get("refresh_token"):
            session.refresh_token = tokens["refresh_token"]
        session.organisation_id = str(tokens.get("organisation_id") or organisation_id)
        await self._save(session)

    async def reload_memberships(self) -> None:
        """Read the breeder's organisations again (after creating or joining one)."""
        session = self.session
        me = (await self.call("GET", "core", "/auth/me")).json()
        session.organisations = _memberships(me)
        await self._save(session)

    async def sign_out(self) -> None:
        """End the session here and at core."""
        if self.current is not None:
            refresh = self.current.refresh_token
            self.current = None
            with contextlib.suppress(ServiceProblem):  # already ended at core
                await self.calls.call(
                    "POST", "core", "/auth/logout", json={"refresh_token": refresh}
                )
        if self.session_id:
            await self.sessions.end(self.session_id)
            self.session_id = None
        self.cookies.append(ended_cookie(secure=self.secure))


def _memberships(me: Mapping[str, Any]) -> list[Membership]:
    return [
        Membership(organisation_id=str(m["organisation_id"]), name=m["name"], role=m["role"])
        for m in me.get("organisations") or ()
    ]


CurrentVisitor: TypeAlias = NamedDependency[SkipValidation[Visitor]]
"""A page handler's parameter: ``visitor: CurrentVisitor``."""
