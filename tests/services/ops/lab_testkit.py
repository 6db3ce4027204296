"""repti-ops and a real repti-animal in one test: each app in its own test client (its own
event loop and lifespan); ops reaches animal through its peer client, over a transport that
hands each request to animal's client, and both verify the same core-signed tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import httpx
from litestar import Litestar
from litestar.testing import TestClient
from ops_testkit import bearer, mint_token

from core_tokens import StaticKeys
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.animal.app import create_app as create_animal
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.app import create_app as create_ops


class ToClient(httpx.AsyncBaseTransport):
    """Sends ``http://animal/...`` to repti-animal's test client (in a worker thread, so
    ops' event loop goes on)."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        body = await request.aread()
        answer = await anyio.to_thread.run_sync(
            lambda: self.client.request(
                request.method,
                request.url.raw_path.decode(),
                content=body,
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            )
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


@dataclass
class Platform:
    """repti-ops and repti-animal; ``org`` and ``other`` two organisations."""

    ops: TestClient[Litestar]
    animal: TestClient[Litestar]
    transport: ToClient
    org: uuid.UUID
    other: uuid.UUID

    def headers(self, role: str = "admin", org: uuid.UUID | None = None) -> dict[str, str]:
        """A user's token of ``org`` (default: ``self.org``) with ``role``."""
        return bearer(mint_token(org or self.org, role))

    def add_animal(self, code: str, morph: str, *, org: uuid.UUID | None = None) -> dict[str, Any]:
        """An animal of ``org`` in repti-animal."""
        answer = self.animal.post(
            "/animals",
            json={"species": "ball_python", "sex": "male", "morph": morph, "code": code},
            headers=self.headers("member", org),
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def morph(self, animal_id: str, org: uuid.UUID | None = None) -> str:
        """The animal's morph as repti-animal keeps it."""
        answer = self.animal.get(f"/animals/{animal_id}", headers=self.headers("member", org))
        assert answer.status_code == 200, answer.text
        return str(answer.json()["genotype"]["morph"])

    def configure(self, lab: str = "Example Genetics", **extra: Any) -> dict[str, Any]:
        """Configure a lab integration of ``org``; its body."""
        answer = self.ops.post(
            "/integrations/configure",
            json={"kind": "genetics_lab", "lab": lab, **extra},
            headers=self.headers(),
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def import_file(
        self, integration: str, csv: str, *, dry_run: bool, role: str = "admin", **params: str
    ) -> httpx.Response:
        """Post a results file to the integration."""
        return self.ops.post(
            f"/integrations/labs/{integration}/imports",
            json={"csv": csv, "dry_run": dry_run},
            params=params,
            headers=self.headers(role),
        )


@contextmanager
def lab_platform(ops_settings: Settings, animal_settings: Settings) -> Iterator[Platform]:
    """repti-animal and repti-ops (ops' database migrated by the caller's fixture)."""
    upgrade("animal", animal_settings.database_url("animal"))
    animal_app = create_animal(
        animal_settings, genetics_per_minute=0, authenticator=Authenticator(StaticKeys())
    )
    with TestClient(animal_app, raise_server_exceptions=False) as animal:
        transport = ToClient(animal)
        peers = PeerClient({"animal": "http://animal"}, 10.0, transport=transport)
        ops_app = create_ops(ops_settings, authenticator=Authenticator(StaticKeys()), peers=peers)
        with TestClient(ops_app, raise_server_exceptions=False) as ops:
            yield Platform(ops, animal, transport, uuid.uuid4(), uuid.uuid4())
