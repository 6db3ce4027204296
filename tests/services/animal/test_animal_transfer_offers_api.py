"""Transfer offers over HTTP, on SQLite and PostgreSQL: an animal offered to an organisation
that does not exist is a 422 and stays (it used to be a 201 and the animal was lost); an offer
leaves the animal with the sender until the receiver accepts; decline, withdraw and expiry
leave it there; each side may do only its part; a sale withdraws an open offer."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from animal_testkit import Breeder, Organisations, animal_client
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core_tokens import mint_service_token
from reptidex.adapters.sql.animal.workers import TransferOfferExpiryWorker
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.domain.animals.transfer_offers import OfferedAnimal, OfferStatus, TransferOffer
from reptidex.domain.errors import Conflict
from reptidex.services.animal.wiring import AnimalUnitsOfWork
from reptidex.services.kernel.settings import Settings

Outbox: Any = OUTBOX_MODELS["animal"]


@dataclass
class Service:
    """repti-animal under test, its database and its stand-in for core's directory."""

    client: TestClient[Litestar]
    url: str
    organisations: Organisations

    def breeder(self, role: str = "member", organisation: uuid.UUID | None = None) -> Breeder:
        return Breeder(self.client, organisation or uuid.uuid4(), role)


@pytest.fixture(params=["sqlite", "postgres"])
def service(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[Service]:
    overrides = {}
    if request.param == "postgres":
        overrides["animal_database_url"] = request.getfixturevalue("postgres_database")
    settings = make_settings(**overrides)
    organisations = Organisations()
    with animal_client(settings, organisations) as client:
        yield Service(client, settings.database_url("animal"), organisations)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def offer(seller: Breeder, animal: dict[str, Any], to: uuid.UUID, **fields: object) -> Any:
    body = {"organisation_id": str(to), **fields}
    return ok(seller.post(f"/animals/{animal['id']}/transfer", json=body), 201)


def events(url: str, prefix: str = "animal.transfer") -> list[tuple[str, dict[str, Any]]]:
    """The outbox's events of a kind, oldest first: (type, payload)."""

    async def read() -> list[tuple[str, dict[str, Any]]]:
        engine = create_engine(url)
        try:
            async with AsyncSession(engine) as session:
                rows = await session.scalars(
                    select(Outbox)
                    .where(Outbox.event_type.startswith(prefix))
                    .order_by(Outbox.occurred_at, Outbox.id)
                )
                return [(r.event_type, r.payload) for r in rows]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def expire(url: str, at: dt.datetime) -> int:
    """One pass of the expiry worker at ``at`` on a connection of its own: the offers found."""

    async def one_pass() -> int:
        engine = create_engine(url)
        try:
            units = AnimalUnitsOfWork(async_sessionmaker(engine, expire_on_commit=False))
            return await TransferOfferExpiryWorker(units.open_expiry, clock=lambda: at).run_once()
        finally:
            await engine.dispose()

    return asyncio.run(one_pass())


def test_an_organisation_that_does_not_exist_is_a_422_and_the_animal_stays(
    service: Service,
) -> None:
    """The regression: this was a 201, and the animal left for an organisation nobody has."""
    seller = service.breeder()
    animal = seller.add(name="Kid")
    nobody = uuid.uuid4()
    service.organisations.missing.add(nobody)
    refused = seller.post(
        f"/animals/{animal['id']}/transfer", json={"organisation_id": str(nobody)}
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["detail"] == (
        f"No organisation {nobody} exists; ask the receiver for the id of their organisation."
    )
    assert problem["errors"] == [{"field": "organisation_id", "message": "no such organisation"}]
    assert service.organisations.asked == [nobody]
    assert ok(seller.get(f"/animals/{animal['id']}"))["name"] == "Kid"
    assert ok(seller.get("/animals/transfer-offers")) == []
    assert ok(seller.get("/animals/transfers")) == []
    assert events(service.url) == []
    # nor may anyone of that organisation's id claim it
    assert service.breeder(organisation=nobody).get(f"/animals/{animal['id']}").status_code == 404


def test_when_core_cannot_answer_the_offer_is_a_503_and_nothing_is_written(
    service: Service,
) -> None:
    seller, buyer = service.breeder(), service.breeder()
    animal = seller.add()
    service.organisations.unavailable = True
    refused = seller.post(
        f"/animals/{animal['id']}/transfer", json={"organisation_id": str(buyer.organisation_id)}
    )
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert ok(seller.get("/animals/transfer-offers")) == []
    assert events(service.url) == []


def test_the_receiver_accepts_and_only_then_the_animal_moves(service: Service) -> None:
    seller, buyer = service.breeder(), service.breeder()
    viewer = service.breeder("viewer", buyer.organisation_id)
    stranger = service.breeder()
    animal = seller.add(
        name="Kid", code="K1", sex="female", morph="Pastel", hatch_date="2025-06-01"
    )
    weight = {"occurred_on": "2026-01-01", "details": {"kind": "weight", "grams": 50}}
    ok(seller.post(f"/animals/{animal['id']}/logs", json=weight), 201)
    made = offer(seller, animal, buyer.organisation_id, expires_in_days=7)
    assert made["status"] == "pending"
    assert made["animal"] == {
        "code": "K1",
        "name": "Kid",
        "species": "ball_python",
        "sex": "female",
        "morph": "Pastel",
        "hatch_date": "2025-06-01",
    }
    assert (made["from_organisation_id"], made["to_organisation_id"]) == (
        str(seller.organisation_id),
        str(buyer.organisation_id),
    )
    offered_at = dt.datetime.fromisoformat(made["offered_at"])
    assert dt.datetime.fromisoformat(made["expires_at"]) - offered_at == dt.timedelta(days=7)
    assert made["decided_at"] is None
    # meanwhile the animal is the seller's, and the buyer cannot read it
    assert ok(seller.get(f"/animals/{animal['id']}"))["organisation_id"] == str(
        seller.organisation_id
    )
    assert buyer.get(f"/animals/{animal['id']}").status_code == 404
    # each side lists it; a viewer of the receiver reads it too, nobody else sees it
    assert ok(buyer.get("/animals/transfer-offers", {"direction": "incoming"})) == [made]
    assert ok(viewer.get("/animals/transfer-offers", {"status": "pending"})) == [made]
    assert ok(buyer.get("/animals/transfer-offers", {"direction": "outgoing"})) == []
    assert ok(seller.get("/animals/transfer-offers", {"direction": "outgoing"})) == [made]
    assert ok(seller.get("/animals/transfer-offers", {"direction": "incoming"})) == []
    assert ok(seller.get("/animals/transfer-offers", {"status": "accepted"})) == []
    assert ok(buyer.get(f"/animals/transfer-offers/{made['id']}")) == made
    assert ok(stranger.get("/animals/transfer-offers")) == []
    assert stranger.get(f"/animals/transfer-offers/{made['id']}").status_code == 404
    # an offered animal is offered once, and is not deleted
    again = seller.post(
        f"/animals/{animal['id']}/transfer", json={"organisation_id": str(stranger.organisation_id)}
    )
    assert again.status_code == 409, again.text
    assert "withdraw that offer first" in again.json()["detail"]
    gone = seller.delete(f"/animals/{animal['id']}")
    assert gone.status_code == 409, gone.text
    assert gone.json()["detail"] == (
        f"Kid (K1) is offered to organisation {buyer.organisation_id}; withdraw the offer "
        "before deleting the animal."
    )
    # who may not answer
    path = f"/animals/transfer-offers/{made['id']}"
    assert seller.post(f"{path}/accept").status_code == 403
    assert viewer.post(f"{path}/accept").status_code == 403
    assert stranger.post(f"{path}/accept").status_code == 404
    assert buyer.post(f"{path}/withdraw").status_code == 403

    moved = ok(buyer.post(f"{path}/accept"), 201)
    assert moved["reference"] == f"offer:{made['id']}"
    assert moved["snapshot"]["animal"]["name"] == "Kid"
    assert moved["snapshot"]["logs"][0]["details"]["grams"] == 50
    assert ok(buyer.get(f"/animals/{animal['id']}"))["code"] == "K1"
    assert len(ok(buyer.get(f"/animals/{animal['id']}/logs"))) == 1
    assert seller.get(f"/animals/{animal['id']}").status_code == 404
    assert ok(seller.get("/animals/transfers")) == [moved]
    accepted = ok(seller.get(f"{path}"))
    assert accepted["status"] == "accepted"
    assert accepted["decided_at"] is not None
    assert buyer.post(f"{path}/accept").status_code == 409
    assert [t for t, _ in events(service.url, "animal.transfer")] == [
        "animal.transfer_offered",
        "animal.transfer_accepted",
        "animal.transferred",
    ]


def test_declined_or_withdrawn_the_animal_stays_with_the_sender(service: Service) -> None:
    seller, buyer = service.breeder(), service.breeder()
    animal = seller.add(name="Kid")
    first = offer(seller, animal, buyer.organisation_id)
    declined = ok(buyer.post(f"/animals/transfer-offers/{first['id']}/decline"))
    assert (declined["id"], declined["status"]) == (first["id"], "declined")
    assert declined["decided_at"] is not None
    assert ok(seller.get(f"/animals/{animal['id']}"))["name"] == "Kid"
    assert seller.post(f"/animals/transfer-offers/{first['id']}/withdraw").status_code == 409
    second = offer(seller, animal, buyer.organisation_id, share_lineage=False)
    assert second["share_lineage"] is False
    withdrawn = ok(seller.post(f"/animals/transfer-offers/{second['id']}/withdraw"))
    assert withdrawn["status"] == "withdrawn"
    assert buyer.post(f"/animals/transfer-offers/{second['id']}/accept").status_code == 409
    assert ok(seller.get("/animals/transfers")) == []
    assert [o["status"] for o in ok(buyer.get("/animals/transfer-offers"))] == [
        "withdrawn",
        "declined",
    ]
    assert [(t, p["status"]) for t, p in events(service.url)] == [
        ("animal.transfer_offered", "pending"),
        ("animal.transfer_declined", "declined"),
        ("animal.transfer_offered", "pending"),
        ("animal.transfer_withdrawn", "withdrawn"),
    ]
    assert seller.delete(f"/animals/{animal['id']}").status_code == 204


def test_an_unanswered_offer_expires_and_the_animal_stays(service: Service) -> None:
    seller, buyer = service.breeder(), service.breeder()
    animal = seller.add(name="Kid")
    made = offer(seller, animal, buyer.organisation_id, expires_in_days=1)
    ends = dt.datetime.fromisoformat(made["expires_at"])
    assert expire(service.url, ends - dt.timedelta(seconds=1)) == 0
    assert expire(service.url, ends) == 1
    assert ok(seller.get(f"/animals/transfer-offers/{made['id']}"))["status"] == "expired"
    assert buyer.post(f"/animals/transfer-offers/{made['id']}/accept").status_code == 409
    assert expire(service.url, ends + dt.timedelta(minutes=1)) == 0
    assert ok(seller.get(f"/animals/{animal['id']}"))["name"] == "Kid"
    assert [(t, p["offer_id"]) for t, p in events(service.url)][-1] == (
        "animal.transfer_expired",
        made["id"],
    )
    # the animal may be offered again
    offer(seller, animal, buyer.organisation_id)


@pytest.mark.parametrize("days", [0, 31])
def test_an_offer_stays_open_one_to_thirty_days(service: Service, days: int) -> None:
    seller, buyer = service.breeder(), service.breeder()
    animal = seller.add()
    refused = seller.post(
        f"/animals/{animal['id']}/transfer",
        json={"organisation_id": str(buyer.organisation_id), "expires_in_days": days},
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["expires_in_days"]
    assert service.organisations.asked == []
    assert ok(seller.get("/animals/transfer-offers")) == []


def test_a_sale_withdraws_the_open_offer(service: Service) -> None:
    seller, buyer, friend = service.breeder(), service.breeder(), service.breeder()
    animal = seller.add(name="Kid")
    made = offer(seller, animal, friend.organisation_id)
    sold = service.client.put(
        f"/animals/{animal['id']}/sales/{uuid.uuid4()}",
        json={
            "seller_organisation_id": str(seller.organisation_id),
            "buyer_organisation_id": str(buyer.organisation_id),
        },
        headers={"Authorization": f"Bearer {mint_service_token('commerce')}"},
    )
    assert sold.status_code == 201, sold.text
    assert ok(buyer.get(f"/animals/{animal['id']}"))["name"] == "Kid"
    assert ok(friend.get(f"/animals/transfer-offers/{made['id']}"))["status"] == "withdrawn"
    assert friend.post(f"/animals/transfer-offers/{made['id']}/accept").status_code == 409
    assert friend.get(f"/animals/{animal['id']}").status_code == 404


def test_the_database_keeps_one_pending_offer_per_animal(service: Service) -> None:
    """Two offers of one animal racing past the use case's check: the partial unique index
    refuses the second as a conflict; closed offers do not count."""
    animal_id, sender, receiver = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def an_offer(status: OfferStatus = OfferStatus.PENDING) -> TransferOffer:
        # open for a day: the service's expiry worker must not close it while the test runs
        at = dt.datetime.now(dt.UTC)
        shown = OfferedAnimal("K1", None, "ball_python", "unknown", "Normal", None)
        ends = at + dt.timedelta(days=1)
        return TransferOffer(
            uuid.uuid4(), animal_id, sender, receiver, shown, True, at, ends, status
        )

    async def add(offer: TransferOffer) -> str:
        engine = create_engine(service.url)
        try:
            units = AnimalUnitsOfWork(async_sessionmaker(engine, expire_on_commit=False))
            async with units.open(sender) as uow:
                try:
                    await uow.transfer_offers.add(offer)
                except Conflict as conflict:
                    return conflict.detail
                await uow.commit()
                return "added"
        finally:
            await engine.dispose()

    first = an_offer()
    assert asyncio.run(add(first)) == "added"
    assert asyncio.run(add(an_offer())) == "The animal is already offered to another organisation."
    assert asyncio.run(add(an_offer(OfferStatus.DECLINED))) == "added"
    assert asyncio.run(add(an_offer(OfferStatus.WITHDRAWN))) == "added"
    receiver_breeder = service.breeder(organisation=receiver)
    listed = ok(receiver_breeder.get("/animals/transfer-offers"))
    assert {o["id"] for o in listed if o["status"] == "pending"} == {str(first.id)}
