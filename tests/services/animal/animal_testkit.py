"""Helpers of the repti-animal tests: tokens as repti-core signs them, a breeder's client, the
app on a given database (with a stand-in for repti-core's directory of organisations), a
transfer offered and accepted, and plain lineage records (the fixtures are in conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient

from core_tokens import StaticKeys, mint_token
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.animals.lineage import LineageRecord
from reptidex.domain.animals.ports import OrganisationsUnavailable
from reptidex.services.animal.app import create_app
from reptidex.services.animal.wiring import AnimalComponents
from reptidex.services.kernel.app import components_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings


@dataclass
class Breeder:
    """A member of an organisation with a client that sends their token."""

    client: TestClient[Litestar]
    organisation_id: uuid.UUID
    role: str = "member"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.organisation_id, self.role)}"}

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.client.get(url, params=params, headers=self.headers)

    def post(self, url: str, json: object = None) -> httpx.Response:
        return self.client.post(url, json=json, headers=self.headers)

    def patch(self, url: str, json: object = None) -> httpx.Response:
        return self.client.patch(url, json=json, headers=self.headers)

    def put(self, url: str, json: object = None) -> httpx.Response:
        return self.client.put(url, json=json, headers=self.headers)

    def delete(self, url: str) -> httpx.Response:
        return self.client.delete(url, headers=self.headers)

    def add(self, **fields: object) -> dict[str, Any]:
        """Add an animal; fail the test unless it is created."""
        response = self.post("/animals", json={"species": "ball_python", **fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


class Organisations:
    """repti-core's directory of organisations as the tests need it: every organisation exists
    but those in ``missing``; with ``unavailable`` every question fails, as with core down."""

    def __init__(self) -> None:
        self.missing: set[uuid.UUID] = set()
        self.unavailable = False
        self.asked: list[uuid.UUID] = []

    async def exists(self, organisation_id: uuid.UUID) -> bool:
        self.asked.append(organisation_id)
        if self.unavailable:
            raise OrganisationsUnavailable("repti-core is away.")
        return organisation_id not in self.missing


def animal_client(
    settings: Settings, organisations: Organisations | None = None
) -> TestClient[Litestar]:
    """A test client of repti-animal on ``settings``' database (migrated first)."""
    upgrade("animal", settings.database_url("animal"))
    app = create_app(
        settings,
        genetics_per_minute=0,
        authenticator=Authenticator(StaticKeys()),
        organisations=organisations or Organisations(),
    )
    return TestClient(app, raise_server_exceptions=False)


def transfer(
    seller: Breeder, animal: Mapping[str, Any], buyer: Breeder, **fields: object
) -> dict[str, Any]:
    """Offer the animal to the buyer's organisation and have the buyer accept it; the
    transfer made (fail the test unless both succeed)."""
    body = {"organisation_id": str(buyer.organisation_id), **fields}
    offered = seller.post(f"/animals/{animal['id']}/transfer", json=body)
    assert offered.status_code == 201, offered.text
    accepted = buyer.post(f"/animals/transfer-offers/{offered.json()['id']}/accept")
    assert accepted.status_code == 201, accepted.text
    made: dict[str, Any] = accepted.json()
    return made


def animal_components(app: Litestar) -> AnimalComponents:
    """What repti-animal's composition root built for ``app``."""
    return components_of(app, AnimalComponents)


def lineage_record(
    ident: uuid.UUID,
    organisation: uuid.UUID,
    sire: uuid.UUID | None = None,
    dam: uuid.UUID | None = None,
    *,
    visibility: str = "private",
    code: str | None = None,
) -> LineageRecord:
    """A plain animal as the lineage query reads it (code: the id's first characters)."""
    return LineageRecord(
        ident,
        organisation,
        ident.hex[:8] if code is None else code,
        None,
        "ball_python",
        "unknown",
        "Normal",
        None,
        (),
        (),
        "active",
        visibility,
        sire,
        dam,
    )
