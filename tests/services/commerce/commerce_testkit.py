"""Helpers of the repti-commerce tests: tokens as repti-core signs them, a trader's client,
an in-process animal catalogue, and the app on a given database (fixtures: conftest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import httpx
import jwt
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from core_tokens import StaticKeys, mint_token
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.commerce.listing_model import AnimalSnapshot, PossibleHet
from reptidex.domain.commerce.ownership import AnimalHandover, OwnershipTransfer
from reptidex.domain.commerce.ports import AnimalCatalogue, CatalogueAnimal
from reptidex.domain.errors import NotFound
from reptidex.services.commerce.app import create_app
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

FEE_BASIS_POINTS = 250
"""The platform fee of the API tests' app (2.5 %)."""


@dataclass
class FakeAnimals:
    """An in-process :class:`~reptidex.domain.commerce.ports.AnimalCatalogue`: animals by id,
    each of one organisation (what repti-animal's ``GET /animals/{id}`` would answer)."""

    animals: dict[uuid.UUID, CatalogueAnimal] = field(default_factory=dict)
    asked: list[uuid.UUID] = field(default_factory=list)
    """Every animal asked for, in order."""

    async def animal(self, animal_id: uuid.UUID, *, credential: str | None) -> CatalogueAnimal:
        self.asked.append(animal_id)
        found = self.animals.get(animal_id)
        if found is None or credential is None:
            raise NotFound(f"No animal {animal_id} in your collection.")
        claims = jwt.decode(credential, options={"verify_signature": False})
        if claims["org"] != str(found.organisation_id):
            raise NotFound(f"No animal {animal_id} in your collection.")
        return found

    def add(
        self,
        organisation_id: uuid.UUID,
        *,
        species: str = "ball_python",
        sex: str = "male",
        morph: str = "Normal",
        traits: tuple[str, ...] = (),
        hets: tuple[str, ...] = (),
        possible_hets: tuple[tuple[str, str], ...] = (),
        status: str = "active",
    ) -> uuid.UUID:
        """An animal of ``organisation_id``'s collection; its id."""
        animal_id = uuid.uuid4()
        self.animals[animal_id] = CatalogueAnimal(
            organisation_id,
            status,
            AnimalSnapshot(
                animal_id=animal_id,
                species=species,
                sex=sex,
                hatch_date=dt.date(2025, 6, 1),
                morph=morph,
                phenotype=" ".join(traits) or "Normal",
                traits=traits,
                hets=hets,
                possible_hets=tuple(PossibleHet(g, Fraction(p)) for g, p in possible_hets),
                name=f"{morph} {sex}",
                code=animal_id.hex[:6],
            ),
        )
        return animal_id


@dataclass
class Trader:
    """A member of an organisation with a client that sends their token."""

    client: TestClient[Litestar]
    organisation_id: uuid.UUID
    animals: FakeAnimals | None = None
    role: str = "member"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.organisation_id, self.role)}"}

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.client.get(url, params=params, headers=self.headers)

    def post(
        self, url: str, json: object = None, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        return self.client.post(url, json=json, headers={**self.headers, **(headers or {})})

    def patch(self, url: str, json: object = None) -> httpx.Response:
        return self.client.patch(url, json=json, headers=self.headers)

    def delete(self, url: str) -> httpx.Response:
        return self.client.delete(url, headers=self.headers)

    def list_animal(
        self, price: int = 25000, currency: str = "EUR", **fields: Any
    ) -> dict[str, Any]:
        """Add an animal (with ``morph``, ``traits``, ``hets``... of ``fields``) and list it,
        published; fail the test unless it is created."""
        assert self.animals is not None
        animal = {k: fields.pop(k) for k in list(fields) if k in _ANIMAL_FIELDS}
        animal_id = self.animals.add(self.organisation_id, **animal)
        body = {
            "animal_id": str(animal_id),
            "title": fields.pop("title", "A fine animal"),
            "price": {"amount": price, "currency": currency},
            "country": fields.pop("country", "DE"),
            "publish": fields.pop("publish", True),
            **fields,
        }
        response = self.post("/marketplace/listings", json=body)
        assert response.status_code == 201, response.text
        listing: dict[str, Any] = response.json()
        return listing

    def order(self, listing_id: object, key: str | None = None) -> httpx.Response:
        """Order a listing under ``key`` (a fresh one by default)."""
        return self.post(
            "/orders",
            json={"listing_id": str(listing_id)},
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
        )


_ANIMAL_FIELDS = {"species", "sex", "morph", "traits", "hets", "possible_hets", "status"}


@dataclass
class RecordingHandover:
    """An in-process :class:`~reptidex.domain.commerce.ownership.AnimalHandover`: every
    transfer asked for is done, and kept."""

    done: list[OwnershipTransfer] = field(default_factory=list)

    async def transfer(self, request: OwnershipTransfer) -> None:
        self.done.append(request)


def commerce_client(
    settings: Settings,
    animals: AnimalCatalogue,
    *,
    fee_basis_points: int = 0,
    handover: AnimalHandover | None = None,
) -> TestClient[Litestar]:
    """A test client of repti-commerce on ``settings``' database (migrated first); sold
    animals go to ``handover`` (by default one that only records them)."""
    upgrade("commerce", settings.database_url("commerce"))
    app = create_app(
        settings,
        authenticator=Authenticator(StaticKeys()),
        animals=animals,
        handover=handover or RecordingHandover(),
        fee_basis_points=fee_basis_points,
    )
    return TestClient(app, raise_server_exceptions=False)


def commerce_app(settings: Settings, animals: AnimalCatalogue) -> Litestar:
    """repti-commerce on ``settings``' database (migrated first), for a real server."""
    upgrade("commerce", settings.database_url("commerce"))
    return create_app(
        settings,
        authenticator=Authenticator(StaticKeys()),
        animals=animals,
        handover=RecordingHandover(),
    )


RELAY_READS = "SELECT set_config('reptidex.outbox_relay', 'on', false)"
"""What lets a connection read the outbox under row-level security (as the relay does)."""


def outbox_events(client: TestClient[Litestar]) -> list[tuple[str, dict[str, Any]]]:
    """The events in repti-commerce's outbox, oldest first: (type, payload)."""
    url = kernel_of(client.app).resources.database_url

    async def read() -> list[tuple[str, dict[str, Any]]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                if connection.dialect.name == "postgresql":  # read as the relay (the role's RLS)
                    await connection.execute(text(RELAY_READS))
                rows = await connection.execute(
                    text(
                        "SELECT event_type, payload FROM outbox_message "
                        "ORDER BY occurred_at, created_at"
                    )
                )
                return [
                    (kind, json.loads(payload) if isinstance(payload, str) else payload)
                    for kind, payload in rows
                ]
        finally:
            await engine.dispose()

    return asyncio.run(read())
