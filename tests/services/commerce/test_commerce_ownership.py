"""The animal's record passes to the buyer: completing an order asks repti-animal (the real
one, over its HTTP API with commerce's service token) to transfer the animal; a request made
while repti-animal is down is kept and carried out once it is back; a refusal ends it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from commerce_testkit import Trader, commerce_client
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker
from test_commerce_persistence import InProcessAnimal

from core_tokens import StaticKeys, mint_service_token, mint_token
from reptidex.adapters.commerce.animal_handover_http import HttpAnimalHandover
from reptidex.adapters.commerce.animal_http import HttpAnimalCatalogue
from reptidex.adapters.sql.commerce.workers import OwnershipTransferWorker
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.commerce.wiring import CommerceUnitsOfWork
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings


class Animal:
    """repti-animal as commerce's peer client reaches it, which can be switched off."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.down = False
        self.calls = 0

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        return await InProcessAnimal(self.client).get(service, path, **kwargs)

    async def put(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        assert service == "animal"
        self.calls += 1
        if self.down:
            raise httpx.ConnectError("connection refused")
        return self.client.put(path, **kwargs)


async def _service_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_service_token('commerce')}"}


@pytest.fixture(params=["sqlite", "postgres"])
def commerce_settings(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Settings:
    """SQLite, then PostgreSQL; the app's own worker idle (the tests drive one with a clock)."""
    if request.param == "sqlite":
        return make_settings(outbox_poll_interval="3600")
    return make_settings(
        outbox_poll_interval="3600",
        commerce_database_url=request.getfixturevalue("postgres_database"),
    )


@pytest.fixture
def animal_client(commerce_settings: Settings) -> Iterator[TestClient[Litestar]]:
    """The real repti-animal, on SQLite."""
    from reptidex.services.animal.app import create_app as create_animal_app

    upgrade("animal", commerce_settings.database_url("animal"))
    app = create_animal_app(
        commerce_settings, genetics_per_minute=0, authenticator=Authenticator(StaticKeys())
    )
    with TestClient(app) as client:
        yield client


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def run_worker(settings: Settings, handover: HttpAnimalHandover, clock: Clock) -> int:
    """One pass of a transfer worker on the commerce database at ``clock``'s time: the
    number of requests attempted."""

    async def one_pass() -> int:
        engine = create_engine(settings.database_url("commerce"))
        try:
            units = CommerceUnitsOfWork(async_sessionmaker(engine, expire_on_commit=False))
            worker = OwnershipTransferWorker(units.open_worker, handover, clock=clock)
            return await worker.run_once()
        finally:
            await engine.dispose()

    return asyncio.run(one_pass())


def _sold(
    animal: TestClient[Litestar], client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> tuple[str, str]:
    """A husbandry-logged animal of the seller's, listed, bought, paid, handed over and
    completed: (animal id, order id)."""
    created = animal.post(
        "/animals",
        json={"species": "ball_python", "sex": "female", "morph": "Pastel", "code": "P-1"},
        headers=seller.headers,
    )
    assert created.status_code == 201, created.text
    animal_id = created.json()["id"]
    logged = animal.post(
        f"/animals/{animal_id}/logs",
        json={"occurred_on": "2026-01-02", "details": {"kind": "weight", "grams": 900}},
        headers=seller.headers,
    )
    assert logged.status_code == 201, logged.text
    listing = seller.post(
        "/marketplace/listings",
        json={
            "animal_id": animal_id,
            "title": "Pastel female",
            "price": {"amount": 20000, "currency": "EUR"},
            "country": "DE",
            "publish": True,
        },
    )
    assert listing.status_code == 201, listing.text
    order = buyer.order(listing.json()["id"])
    assert order.status_code == 201, order.text
    order_id = order.json()["id"]
    for who, step in ((seller, "paid"), (seller, "handed-over"), (buyer, "completed")):
        assert who.post(f"/orders/{order_id}/{step}").status_code == 200
    return animal_id, order_id


def test_the_animal_reaches_the_buyer_after_repti_animal_was_down(
    commerce_settings: Settings, animal_client: TestClient[Litestar]
) -> None:
    """Completed while repti-animal is down: the request stays pending and is retried later
    (not before its time); once repti-animal is back the animal, its logs and its code are the
    buyer's, the seller keeps a read-only snapshot, and a repeat moves nothing twice."""
    animal = Animal(animal_client)
    handover = HttpAnimalHandover(lambda: animal, _service_headers)
    catalogue = HttpAnimalCatalogue(lambda: animal)
    with commerce_client(commerce_settings, catalogue, handover=handover) as client:
        seller, buyer = Trader(client, uuid.uuid4()), Trader(client, uuid.uuid4())
        stranger = Trader(client, uuid.uuid4())
        animal.down = True
        animal_id, order_id = _sold(animal_client, client, seller, buyer)
        pending = buyer.get(f"/orders/{order_id}/animal-transfer")
        assert pending.status_code == 200, pending.text
        assert (pending.json()["status"], pending.json()["attempts"]) == ("pending", 0)
        assert stranger.get(f"/orders/{order_id}/animal-transfer").status_code == 404

        clock = Clock()

        def run_once() -> int:
            return run_worker(commerce_settings, handover, clock)

        assert run_once() == 1  # animal down: tried, kept
        failed = seller.get(f"/orders/{order_id}/animal-transfer").json()
        assert (failed["status"], failed["attempts"]) == ("pending", 1)
        assert "could not be reached" in failed["last_error"]
        assert run_once() == 0  # not due again yet
        animal.down = False
        clock.now += dt.timedelta(seconds=6)
        assert run_once() == 1
        done = seller.get(f"/orders/{order_id}/animal-transfer").json()
        assert (done["status"], done["attempts"], done["last_error"]) == ("done", 2, None)
        assert run_once() == 0
        assert animal.calls == 2

    # the buyer now holds the animal and its log; the seller a read-only snapshot
    mine = animal_client.get(f"/animals/{animal_id}", headers=buyer.headers)
    assert mine.status_code == 200, mine.text
    assert mine.json()["organisation_id"] == str(buyer.organisation_id)
    logs = animal_client.get(f"/animals/{animal_id}/logs", headers=buyer.headers).json()
    assert [e["details"]["kind"] for e in logs] == ["weight"]
    assert animal_client.get(f"/animals/{animal_id}", headers=seller.headers).status_code == 404
    (record,) = animal_client.get("/animals/transfers", headers=seller.headers).json()
    assert record["to_organisation_id"] == str(buyer.organisation_id)
    assert record["snapshot"]["animal"]["code"] == "P-1"
    assert record["snapshot"]["logs"][0]["kind"] == "weight"
    # the same order again returns the first transfer; nothing moves twice
    again = animal_client.put(
        f"/animals/{animal_id}/sales/{order_id}",
        json={
            "seller_organisation_id": str(seller.organisation_id),
            "buyer_organisation_id": str(buyer.organisation_id),
        },
        headers=asyncio.run(_service_headers()),
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] == record["id"]
    assert len(animal_client.get("/animals/transfers", headers=buyer.headers).json()) == 1


def test_a_refused_transfer_ends_refused(
    commerce_settings: Settings, animal_client: TestClient[Litestar]
) -> None:
    """The seller deleted the animal before the transfer: repti-animal answers 404, the
    request ends ``refused`` with the reason and is not tried again."""
    animal = Animal(animal_client)
    handover = HttpAnimalHandover(lambda: animal, _service_headers)
    with commerce_client(
        commerce_settings, HttpAnimalCatalogue(lambda: animal), handover=handover
    ) as client:
        seller, buyer = Trader(client, uuid.uuid4()), Trader(client, uuid.uuid4())
        animal_id, order_id = _sold(animal_client, client, seller, buyer)
        gone = animal_client.delete(f"/animals/{animal_id}", headers=seller.headers)
        assert gone.status_code == 204, gone.text
        clock = Clock()
        assert run_worker(commerce_settings, handover, clock) == 1
        refused = buyer.get(f"/orders/{order_id}/animal-transfer").json()
        assert refused["status"] == "refused"
        assert "404" in refused["last_error"]
        clock.now += dt.timedelta(days=1)
        assert run_worker(commerce_settings, handover, clock) == 0


def test_only_repti_commerce_may_transfer_a_sale(animal_client: TestClient[Litestar]) -> None:
    """The sale transfer takes commerce's service token: a user (even the seller) is refused,
    another service too, and no token is a 401."""
    seller, buyer = uuid.uuid4(), uuid.uuid4()
    created = animal_client.post(
        "/animals",
        json={"species": "ball_python"},
        headers={"Authorization": f"Bearer {mint_token(seller)}"},
    )
    path = f"/animals/{created.json()['id']}/sales/{uuid.uuid4()}"
    body = {"seller_organisation_id": str(seller), "buyer_organisation_id": str(buyer)}
    assert animal_client.put(path, json=body).status_code == 401
    for token in (mint_token(seller, "owner"), mint_service_token("media")):
        refused = animal_client.put(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 403, refused.text
    commerce = {"Authorization": f"Bearer {mint_service_token('commerce')}"}
    other_seller = {**body, "seller_organisation_id": str(uuid.uuid4())}
    assert animal_client.put(path, json=other_seller, headers=commerce).status_code == 404
    assert animal_client.put(path, json=body, headers=commerce).status_code == 201
    other_order = path.rsplit("/", 1)[0] + f"/{uuid.uuid4()}"
    # the animal is the buyer's now: a second order of it finds no animal at the seller's
    assert animal_client.put(other_order, json=body, headers=commerce).status_code == 404
