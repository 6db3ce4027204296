"""repti-core, repti-animal, repti-media, repti-commerce, repti-community and repti-ops in one
event loop for the GDPR tests:
each app runs its lifespan, other services reach it over HTTP through an in-process router
that can take a service down, and every service verifies core's real tokens."""

from __future__ import annotations

import asyncio
import io
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image

from reptidex.adapters.identity.passwords import Argon2PasswordHasher
from reptidex.adapters.privacy.http_holder import HttpPersonalData
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.commerce.listing_model import AnimalSnapshot
from reptidex.domain.commerce.ports import CatalogueAnimal
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.domain.privacy.use_cases import RetryPolicy
from reptidex.services.animal.app import create_app as create_animal
from reptidex.services.commerce.app import create_app as create_commerce
from reptidex.services.community.app import create_app as create_community
from reptidex.services.core.app import create_app as create_core
from reptidex.services.core.identity.wiring import IdentityOverrides
from reptidex.services.core.wiring import CoreComponents
from reptidex.services.kernel.app import components_of
from reptidex.services.kernel.auth import Authenticator, ServiceTokenClient, service_secret
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.app import create_app as create_media
from reptidex.services.ops.app import create_app as create_ops

PASSWORD = "basking-under-the-heat-lamp"
SERVICES = ("core", "animal", "media", "commerce", "community")


class Router(httpx.AsyncBaseTransport):
    """Calls to ``http://<service>`` go to that service's app; a service in :attr:`down`
    refuses the connection, as a stopped process would."""

    def __init__(self) -> None:
        self.apps: dict[str, httpx.ASGITransport] = {}
        self.down: set[str] = set()
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.calls.append(f"{host}{request.url.path}")
        if host in self.down or host not in self.apps:
            raise httpx.ConnectError(f"{host} is down", request=request)
        return await self.apps[host].handle_async_request(request)


class KeepersAnimals:
    """Every animal asked for is the caller's own, available to list (commerce asks repti-animal
    otherwise); the caller's organisation is read from the token core signed."""

    async def animal(self, animal_id: uuid.UUID, *, credential: str | None) -> CatalogueAnimal:
        claims = jwt.decode(credential or "", options={"verify_signature": False})
        snapshot = AnimalSnapshot(animal_id, "ball_python", "male", None, "Pastel", "Pastel")
        return CatalogueAnimal(uuid.UUID(claims["org"]), "active", snapshot)


class AnyPlan:
    """Every organisation on the free plan (media asks core for plans otherwise)."""

    async def plan_of(self, organisation_id: uuid.UUID, credential: str | None) -> str | None:
        return "free"


@dataclass
class GdprPlatform:
    """The running services and their clients."""

    settings: Settings
    router: Router
    clients: dict[str, AsyncTestClient[Litestar]] = field(default_factory=dict)

    tokens: ServiceTokenClient | None = None
    apps: dict[str, Litestar] = field(default_factory=dict)

    async def router_token(self) -> str:
        """repti-ops' own service token."""
        assert self.tokens is not None
        return await self.tokens.token()

    @property
    def core(self) -> AsyncTestClient[Litestar]:
        return self.clients["core"]

    @property
    def ops(self) -> AsyncTestClient[Litestar]:
        return self.clients["ops"]

    @property
    def media(self) -> AsyncTestClient[Litestar]:
        return self.clients["media"]

    async def keeper(self, email: str) -> tuple[uuid.UUID, dict[str, str]]:
        """A verified user with an organisation of their own: id and token headers."""
        registered = await self.core.post(
            "/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert registered.status_code == 202, registered.text
        token = await mail_token(self.settings.data_dir, email)
        assert (await self.core.post("/auth/verify-email", json={"token": token})).is_success
        login = await self.core.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        organisation = await self.core.post("/orgs/", json={"name": "Scales"}, headers=headers)
        assert organisation.status_code == 201, organisation.text
        switched = await self.core.post(
            "/auth/switch-organisation",
            json={"organisation_id": organisation.json()["id"]},
            headers=headers,
        )
        assert switched.status_code == 200, switched.text
        me = await self.core.get(
            "/auth/me", headers={"Authorization": f"Bearer {switched.json()['access_token']}"}
        )
        assert me.status_code == 200, me.text
        return uuid.UUID(me.json()["id"]), {
            "Authorization": f"Bearer {switched.json()['access_token']}"
        }

    async def admin(self) -> dict[str, str]:
        """A platform administrator's token headers (granted as ``reptidex admin grant``)."""
        email = f"admin-{uuid.uuid4().hex[:6]}@example.org"
        await self.keeper(email)
        core = self.apps["core"]
        await components_of(core, CoreComponents).identity.accounts.set_platform_admin(email, True)
        login = await self.core.post("/auth/login", json={"email": email, "password": PASSWORD})
        return {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def list_animal(self, headers: dict[str, str]) -> dict[str, Any]:
        """A listing on repti-commerce."""
        response = await self.clients["commerce"].post(
            "/marketplace/listings",
            json={
                "animal_id": str(uuid.uuid4()),
                "title": "Pastel male",
                "price": {"amount": 15000, "currency": "EUR"},
                "country": "DE",
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def upload(self, headers: dict[str, str]) -> dict[str, Any]:
        """A photo uploaded to repti-media."""
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 120, 40)).save(buffer, "PNG")
        response = await self.media.post(
            "/upload",
            files={"file": ("sunny.png", buffer.getvalue(), "image/png")},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


async def mail_token(data_dir: Path, to: str, within: float = 5.0) -> str:
    """The token of the newest verification mail to ``to`` in the local mail folder."""
    deadline = time.monotonic() + within
    while True:
        for path in sorted((data_dir / "mail-outbox").glob("*-verify_email-*.eml"), reverse=True):
            text = path.read_text("utf-8")
            if re.search(rf"^To: {re.escape(to)}$", text, re.MULTILINE):
                match = re.search(r"^Token: (\S+)$", text, re.MULTILINE)
                assert match is not None
                return match.group(1)
        assert time.monotonic() < deadline, f"no verification mail to {to}"
        await asyncio.sleep(0.02)


async def eventually(check: Callable[[], Any], within: float = 15.0) -> Any:
    """Poll the coroutine function ``check`` until it returns something true."""
    deadline = time.monotonic() + within
    while True:
        outcome = await check()
        if outcome:
            return outcome
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


@asynccontextmanager
async def gdpr_platform(settings: Settings) -> AsyncIterator[GdprPlatform]:
    """The six services on ``settings``' SQLite databases (migrated first)."""
    for service in (*SERVICES, "ops"):
        upgrade(service, settings.database_url(service))
    router = Router()
    platform = GdprPlatform(settings, router)
    core = create_core(
        settings,
        identity=IdentityOverrides(
            hasher=Argon2PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        ),
    )
    keys = components_of(core, CoreComponents).identity.keys

    def authenticator() -> Authenticator:
        return Authenticator(keys)

    peer_http = httpx.AsyncClient(transport=router)
    tokens = ServiceTokenClient(
        "ops", service_secret(settings, "ops") or "", "http://core", client=peer_http
    )
    peers = PeerClient({s: f"http://{s}" for s in SERVICES}, timeout=5.0, transport=router)
    holders: dict[str, PersonalDataHolder] = {
        s: HttpPersonalData(s, lambda: peers, tokens.headers) for s in SERVICES
    }
    platform.tokens = tokens
    apps: dict[str, Litestar] = {
        "core": core,
        "animal": create_animal(settings, authenticator=authenticator()),
        "media": create_media(
            settings, authenticator=authenticator(), plans=AnyPlan(), backfill_on_start=False
        ),
        "commerce": create_commerce(
            settings, authenticator=authenticator(), animals=KeepersAnimals()
        ),
        "community": create_community(settings, authenticator=authenticator()),
        "ops": create_ops(
            settings,
            authenticator=authenticator(),
            holders=holders,
            retry=RetryPolicy(first=0.1, longest=0.2, attempts=50),
            tokens=tokens,
        ),
    }
    platform.apps = apps
    async with AsyncExitStack() as stack:
        for name, app in apps.items():
            platform.clients[name] = await stack.enter_async_context(
                AsyncTestClient(app, raise_server_exceptions=False)
            )
            router.apps[name] = httpx.ASGITransport(app)  # type: ignore[arg-type]
        try:
            yield platform
        finally:
            await peers.aclose()
            await peer_http.aclose()
