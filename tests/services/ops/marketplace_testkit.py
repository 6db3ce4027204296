"""repti-ops, repti-animal and repti-commerce in one test: each app in its own test client;
ops reaches the others (and commerce reaches animal) through peer clients over a transport
that hands each request to the client its host names, and all verify the same core-signed
tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import httpx
from litestar import Litestar
from litestar.testing import TestClient
from ops_testkit import bearer, mint_token

from core_tokens import StaticKeys
from reptidex.adapters.commerce.animal_http import HttpAnimalCatalogue
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.animal.app import create_app as create_animal
from reptidex.services.commerce.app import create_app as create_commerce
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.app import create_app as create_ops


class ToClients(httpx.AsyncBaseTransport):
    """Sends ``http://<service>/...`` to that service's test client (in a worker thread, so
    the caller's event loop goes on); counts the calls."""

    def __init__(self) -> None:
        self.clients: dict[str, TestClient[Litestar]] = {}
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        client = self.clients[request.url.host]
        self.calls.append(f"{request.url.host} {request.method} {request.url.path}")
        body = await request.aread()
        answer = await anyio.to_thread.run_sync(
            lambda: client.request(
                request.method,
                request.url.raw_path.decode(),
                content=body,
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            )
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


@dataclass
class Market:
    """The three services; ``org`` and ``other`` two organisations."""

    ops: TestClient[Litestar]
    animal: TestClient[Litestar]
    commerce: TestClient[Litestar]
    transport: ToClients
    org: uuid.UUID
    other: uuid.UUID

    def headers(self, role: str = "admin", org: uuid.UUID | None = None) -> dict[str, str]:
        """A user's token of ``org`` (default: ``self.org``) with ``role``."""
        return bearer(mint_token(org or self.org, role))

    def add_animal(
        self, code: str, *, species: str = "ball_python", org: uuid.UUID | None = None
    ) -> str:
        """An animal of ``org`` in repti-animal; its id."""
        answer = self.animal.post(
            "/animals",
            json={"species": species, "sex": "male", "morph": "Pastel het Clown", "code": code},
            headers=self.headers("member", org),
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def list_animal(
        self, animal_id: str, title: str, *, publish: bool = True, org: uuid.UUID | None = None
    ) -> dict[str, Any]:
        """A listing of the animal in repti-commerce; its body."""
        answer = self.commerce.post(
            "/marketplace/listings",
            json={
                "animal_id": animal_id,
                "title": title,
                "price": {"amount": 15050, "currency": "EUR"},
                "country": "DE",
                "publish": publish,
            },
            headers=self.headers("member", org),
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def seller_listings(self, org: uuid.UUID | None = None) -> list[dict[str, Any]]:
        """The organisation's listings in repti-commerce, every state."""
        answer = self.commerce.get(
            "/marketplace/seller/listings",
            params={"limit": 100},
            headers=self.headers("viewer", org),
        )
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    def configure(self, partner: str = "Example Market", **extra: Any) -> dict[str, Any]:
        """Enable a partner marketplace of ``org``; its body."""
        answer = self.ops.post(
            "/integrations/configure",
            json={"kind": "partner_marketplace", "partner": partner, **extra},
            headers=self.headers(),
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def import_file(
        self, feed: str, csv: str, *, dry_run: bool, role: str = "admin", **extra: Any
    ) -> httpx.Response:
        """Post a partner's export to the feed's imports."""
        return self.ops.post(
            f"/integrations/marketplaces/{feed}/imports",
            json={"csv": csv, "dry_run": dry_run, **extra},
            headers=self.headers(role),
        )


@contextmanager
def market(ops_settings: Settings, settings: Settings) -> Iterator[Market]:
    """repti-animal, repti-commerce (on ``settings``' databases, migrated here) and repti-ops
    (its database migrated by the caller's fixture)."""
    upgrade("animal", settings.database_url("animal"))
    upgrade("commerce", settings.database_url("commerce"))
    transport = ToClients()
    peers = PeerClient(
        {"animal": "http://animal", "commerce": "http://commerce"}, 10.0, transport=transport
    )
    keys = Authenticator(StaticKeys())
    with ExitStack() as stack:
        animal = stack.enter_context(
            TestClient(
                create_animal(settings, genetics_per_minute=0, authenticator=keys),
                raise_server_exceptions=False,
            )
        )
        commerce = stack.enter_context(
            TestClient(
                create_commerce(
                    settings, authenticator=keys, animals=HttpAnimalCatalogue(lambda: peers)
                ),
                raise_server_exceptions=False,
            )
        )
        transport.clients.update({"animal": animal, "commerce": commerce})
        ops = stack.enter_context(
            TestClient(
                create_ops(ops_settings, authenticator=keys, peers=peers),
                raise_server_exceptions=False,
            )
        )
        yield Market(ops, animal, commerce, transport, uuid.uuid4(), uuid.uuid4())
