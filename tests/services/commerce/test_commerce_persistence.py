"""repti-commerce's hand-written migrations build exactly the tables its models declare, and the
animal catalogue's HTTP adapter reads the real repti-animal."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from commerce_testkit import Trader, commerce_client
from litestar.testing import TestClient

from core_tokens import StaticKeys, mint_token
from reptidex.adapters.commerce.animal_http import HttpAnimalCatalogue
from reptidex.adapters.sql.bases import service_metadata
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.commerce.ports import AnimalsUnavailable
from reptidex.domain.errors import NotAuthenticated, NotFound
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

COMMERCE_TABLES = {
    "listing",
    "commerce_order",
    "commerce_order_step",
    "ledger_entry",
    "idempotency_key",
    "supply",
    "supply_reservation",
}


def test_migrations_match_the_models(make_settings: Callable[..., Settings]) -> None:
    url = make_settings().database_url("commerce")
    upgrade("commerce", url)
    engine = sa.create_engine(url.replace("+aiosqlite", ""))
    metadata = service_metadata("commerce")
    assert set(metadata.tables) >= COMMERCE_TABLES
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [
            d
            for d in compare_metadata(context, metadata)
            if any(table in repr(d) for table in COMMERCE_TABLES)
        ]
    engine.dispose()
    assert differences == []


class Answering:
    """A peer client answering every call with one response (or raising)."""

    def __init__(self, status: int = 200, body: bytes = b"{}", error: Exception | None = None):
        self.status, self.body, self.error = status, body, error
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        self.calls.append((service, path, kwargs))
        if self.error is not None:
            raise self.error
        return httpx.Response(self.status, content=self.body)


@pytest.mark.parametrize(
    ("status", "body", "error", "expected"),
    [
        (404, b"{}", None, NotFound),
        (401, b"{}", None, NotAuthenticated),
        (500, b"{}", None, AnimalsUnavailable),
        (200, b'{"not": "an animal"}', None, AnimalsUnavailable),
        (200, b"", httpx.ReadTimeout("slow"), AnimalsUnavailable),
        (200, b"", httpx.ConnectError("down"), AnimalsUnavailable),
    ],
)
def test_answers_of_repti_animal_become_domain_errors(
    status: int, body: bytes, error: Exception | None, expected: type[Exception]
) -> None:
    peer = Answering(status, body, error)
    catalogue = HttpAnimalCatalogue(lambda: peer)
    with pytest.raises(expected):
        asyncio.run(catalogue.animal(uuid.uuid4(), credential="seller-token"))
    assert peer.calls[0][2]["headers"] == {"Authorization": "Bearer seller-token"}
    with pytest.raises(NotAuthenticated):
        asyncio.run(catalogue.animal(uuid.uuid4(), credential=None))


class InProcessAnimal:
    """The peer client on an in-process repti-animal (its TestClient runs the app)."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        assert service == "animal"
        return self.client.get(path, **kwargs)


def test_a_listing_through_the_real_repti_animal(make_settings: Callable[..., Settings]) -> None:
    """An animal added to repti-animal is listed on repti-commerce with its snapshot; another
    organisation's animal is a 404, and the snapshot is searchable by gene."""

    from reptidex.services.animal.app import create_app as create_animal_app

    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    animal_app = create_animal_app(
        settings, genetics_per_minute=0, authenticator=Authenticator(StaticKeys())
    )
    seller, other = uuid.uuid4(), uuid.uuid4()
    with TestClient(animal_app) as animal:

        def add(organisation: uuid.UUID, **fields: Any) -> str:
            response = animal.post(
                "/animals",
                json={"species": "ball_python", **fields},
                headers={"Authorization": f"Bearer {mint_token(organisation)}"},
            )
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        pastel = add(seller, name="Sunny", sex="male", morph="Pastel 66% het Clown",
                     hatch_date="2025-05-01")  # fmt: skip
        theirs = add(other, morph="Clown")
        catalogue = HttpAnimalCatalogue(lambda: InProcessAnimal(animal))
        with commerce_client(settings, catalogue) as client:
            trader = Trader(client, seller)

            def list_it(animal_id: str) -> httpx.Response:
                return trader.post(
                    "/marketplace/listings",
                    json={
                        "animal_id": animal_id,
                        "title": "Pastel 66% het Clown",
                        "price": {"amount": 30000, "currency": "EUR"},
                        "country": "DE",
                        "publish": True,
                    },
                )

            assert list_it(theirs).status_code == 404
            created = list_it(pastel)
            assert created.status_code == 201, created.text
            snapshot = created.json()["animal"]
            assert snapshot["name"] == "Sunny"
            assert (snapshot["sex"], snapshot["hatch_date"]) == ("male", "2025-05-01")
            assert snapshot["traits"] == ["Pastel"]
            assert snapshot["possible_hets"][0]["gene"] == "Clown"
            assert Fraction(snapshot["possible_hets"][0]["probability"]) == Fraction(2, 3)
            found = client.get(
                "/marketplace/listings", params={"gene": "clown", "zygosity": "possible_het"}
            ).json()
            assert [x["id"] for x in found["items"]] == [created.json()["id"]]
