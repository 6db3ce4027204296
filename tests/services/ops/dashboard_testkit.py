"""repti-core and repti-ops in one event loop for the admin dashboard's tests: ops reaches core
through an in-process router (every other service is down), verifies core's real tokens, and
is driven like a browser (cookies kept, forms posted)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
from gdpr_platform import PASSWORD, Router, mail_token
from litestar import Litestar
from litestar.testing import AsyncTestClient

from reptidex.adapters.identity.passwords import Argon2PasswordHasher
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app as create_core
from reptidex.services.core.identity.wiring import IdentityOverrides
from reptidex.services.core.wiring import CoreComponents
from reptidex.services.kernel.app import components_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.app import create_app as create_ops

HOME = "/admin/dashboard"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token a page's forms carry."""
    match = _CSRF.search(page)
    assert match is not None, page[:500]
    return match.group(1)


@dataclass
class DashboardPlatform:
    """repti-core and repti-ops, and a client of each."""

    settings: Settings
    router: Router
    core: AsyncTestClient[Litestar]
    ops: AsyncTestClient[Litestar]
    core_app: Litestar

    async def account(self, email: str, *, admin: bool = False) -> uuid.UUID:
        """A verified account (a platform administrator when ``admin``); its id."""
        registered = await self.core.post(
            "/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert registered.status_code == 202, registered.text
        token = await mail_token(self.settings.data_dir, email)
        verified = await self.core.post("/auth/verify-email", json={"token": token})
        assert verified.status_code == 200, verified.text
        if admin:
            accounts = components_of(self.core_app, CoreComponents).identity.accounts
            await accounts.set_platform_admin(email, True)
        return uuid.UUID(verified.json()["user_id"])

    async def sign_in(
        self, email: str, password: str = PASSWORD, client: AsyncTestClient[Litestar] | None = None
    ) -> httpx.Response:
        """Open the sign-in form and post it (not following the redirect)."""
        client = client or self.ops
        form = await client.get(f"{HOME}/sign-in")
        assert form.status_code == 200, form.text
        return await client.post(
            f"{HOME}/sign-in",
            data={"email": email, "password": password, "csrf_token": csrf_of(form.text)},
        )

    async def admin_signed_in(self, email: str = "root@example.org") -> uuid.UUID:
        """An administrator signed in on :attr:`ops`; their id."""
        user_id = await self.account(email, admin=True)
        signed_in = await self.sign_in(email)
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == HOME
        return user_id

    async def csrf(self, path: str = f"{HOME}/users") -> str:
        """The session's CSRF token, read from a page."""
        page = await self.ops.get(path)
        assert page.status_code == 200, page.text
        return csrf_of(page.text)


@asynccontextmanager
async def dashboard_platform(settings: Settings) -> AsyncIterator[DashboardPlatform]:
    """repti-core and repti-ops on ``settings``' databases (migrated first)."""
    for service in ("core", "ops"):
        upgrade(service, settings.database_url(service))
    router = Router()
    core = create_core(
        settings,
        identity=IdentityOverrides(
            hasher=Argon2PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        ),
    )
    keys = components_of(core, CoreComponents).identity.keys
    services = ("core", "animal", "commerce", "media", "community")
    peers = PeerClient({s: f"http://{s}" for s in services}, timeout=2.0, transport=router)
    ops = create_ops(settings, authenticator=Authenticator(keys), peers=peers)
    async with AsyncExitStack() as stack:
        core_client = await stack.enter_async_context(
            AsyncTestClient(core, raise_server_exceptions=False)
        )
        ops_client = await stack.enter_async_context(
            AsyncTestClient(ops, base_url="https://ops.test", raise_server_exceptions=False)
        )
        ops_client.follow_redirects = False  # the tests look at each redirect
        router.apps["core"] = httpx.ASGITransport(core)  # type: ignore[arg-type]
        try:
            yield DashboardPlatform(settings, router, core_client, ops_client, core)
        finally:
            await peers.aclose()
