"""The marketplace's listings through the API, on SQLite and PostgreSQL: public search with its
filters, sort and pages, a seller's changes and the listing's states, and who may do what."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from commerce_testkit import FakeAnimals, Trader, outbox_events
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from core_tokens import mint_token
from reptidex.adapters.sql.engine import create_engine
from reptidex.domain.audit import AUDIT_EVENT
from reptidex.domain.commerce.listings import ListingDraft, create_listing
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import Conflict
from reptidex.services.commerce.wiring import CommerceUnitsOfWork
from reptidex.services.kernel.app import kernel_of


def outbox_types(client: TestClient[Litestar]) -> list[str]:
    """The types of the events in repti-commerce's outbox, oldest first, without the audit
    records staged beside them."""
    return [kind for kind, _ in outbox_events(client) if kind != AUDIT_EVENT]


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def search(client: TestClient[Litestar], **params: Any) -> dict[str, Any]:
    response = client.get("/marketplace/listings", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_listing_keeps_the_animals_public_data_and_money_in_minor_units(
    seller: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(
        19999,
        "EUR",
        morph="Pastel 66% het Clown",
        traits=("Pastel",),
        possible_hets=(("Clown", "2/3"),),
        title="Pastel pos het Clown",
    )
    assert listing["state"] == "available"
    assert listing["price"] == {
        "amount": 19999,
        "currency": "EUR",
        "exponent": 2,
        "display": "199.99 EUR",
    }
    animal = listing["animal"]
    assert animal["species"] == "ball_python"
    assert animal["morph"] == "Pastel 66% het Clown"
    assert animal["hatch_date"] == "2025-06-01"
    assert animal["possible_hets"] == [
        {
            "gene": "Clown",
            "probability": "2/3",
            "percent": 66.6667,
            "label": "66% het Clown",
            "source": "seller",
        }
    ]
    assert animal["pedigree_odds"] is None
    # public: no token needed
    shown = any_client.get(f"/marketplace/listings/{listing['id']}")
    assert shown.status_code == 200
    assert shown.json() == listing
    yen = seller.list_animal(50000, "jpy")
    assert yen["price"]["display"] == "50000 JPY"
    assert outbox_types(any_client) == ["listing.created", "listing.created"]


def test_search_filters_sorts_and_pages(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    het_clown = seller.list_animal(
        30000, morph="Pastel het Clown", traits=("Pastel",), hets=("Clown",), title="Pastel het"
    )
    visual_clown = seller.list_animal(
        90000, morph="Clown", traits=("Clown",), sex="female", title="Visual clown",
        shipping_available=True,
    )  # fmt: skip
    pos_clown = seller.list_animal(
        20000, possible_hets=(("Clown", "1/2"),), description="50% possible het Clown"
    )
    usd = buyer.list_animal(25000, "USD", country="US", species="corn_snake", title="Amel corn")
    draft = seller.list_animal(100, publish=False, hets=("Clown",))

    everything = search(any_client)
    assert everything["total"] == 4
    assert draft["id"] not in ids(everything)  # drafts are the seller's alone
    assert set(ids(search(any_client, gene="clown", zygosity="het"))) == {het_clown["id"]}
    assert set(ids(search(any_client, gene="Clown", zygosity="visual"))) == {visual_clown["id"]}
    assert set(ids(search(any_client, gene="clown", zygosity="possible_het"))) == {pos_clown["id"]}
    assert set(ids(search(any_client, gene="clown"))) == {
        het_clown["id"], visual_clown["id"], pos_clown["id"]
    }  # fmt: skip
    cheap_hets = search(any_client, gene="clown", zygosity="het", max_price=35000, currency="eur")
    assert ids(cheap_hets) == [het_clown["id"]]
    assert search(any_client, gene="clown", zygosity="het", max_price=29999)["total"] == 0
    assert ids(search(any_client, min_price=85000)) == [visual_clown["id"]]
    assert ids(search(any_client, sex="female")) == [visual_clown["id"]]
    assert ids(search(any_client, currency="USD")) == [usd["id"]]
    assert ids(search(any_client, country="us")) == [usd["id"]]
    assert ids(search(any_client, species="corn_snake")) == [usd["id"]]
    assert ids(search(any_client, seller=str(buyer.organisation_id))) == [usd["id"]]
    assert ids(search(any_client, shipping="true")) == [visual_clown["id"]]
    assert ids(search(any_client, q="POSSIBLE het")) == [pos_clown["id"]]
    assert ids(search(any_client, q="100%")) == []  # % is a character, not a wildcard
    by_price = search(any_client, sort="price", currency="EUR")
    assert ids(by_price) == [pos_clown["id"], het_clown["id"], visual_clown["id"]]
    assert ids(search(any_client, sort="-price", currency="EUR"))[0] == visual_clown["id"]
    assert ids(search(any_client))[0] == usd["id"]  # newest first
    page = search(any_client, sort="price", currency="EUR", limit=1, offset=1)
    assert (ids(page), page["total"], page["limit"], page["offset"]) == (
        [het_clown["id"]], 3, 1, 1
    )  # fmt: skip


def test_ending_soon_and_listings_past_their_end(
    seller: Trader, any_client: TestClient[Litestar]
) -> None:
    later = seller.list_animal(100, expires_at="2031-01-01T00:00:00Z")
    sooner = seller.list_animal(100, expires_at="2030-01-01T00:00:00Z")
    open_ended = seller.list_animal(100)
    assert ids(search(any_client, sort="ending_soon")) == [
        sooner["id"],
        later["id"],
        open_ended["id"],
    ]
    past = seller.post(
        "/marketplace/listings",
        json={
            "animal_id": str(seller.animals.add(seller.organisation_id)),  # type: ignore[union-attr]
            "title": "x",
            "price": {"amount": 1, "currency": "EUR"},
            "country": "DE",
            "expires_at": "2001-01-01T00:00:00Z",
        },
    )
    assert past.status_code == 422
    never = seller.post(
        "/marketplace/listings",
        json={
            "animal_id": str(seller.animals.add(seller.organisation_id)),  # type: ignore[union-attr]
            "title": "x",
            "price": {"amount": 1, "currency": "EUR"},
            "country": "DE",
            "expires_at": "9999-12-31T00:00:00Z",
        },
    )
    assert never.status_code == 422, never.text
    assert [error["field"] for error in never.json()["errors"]] == ["expires_at"]


def test_invalid_searches_are_problems(any_client: TestClient[Litestar]) -> None:
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"currency": "EURO"},
        {"currency": "XYZ"},
        {"sort": "cheapest"},
        {"zygosity": "homozygous"},
        {"min_price": 10, "max_price": 5},
        {"seller": "not-a-uuid"},
    ):
        response = any_client.get("/marketplace/listings", params=params)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_creating_a_listing_checks_the_animal_and_the_body(
    seller: Trader, buyer: Trader, animals: FakeAnimals
) -> None:
    def create(**fields: Any) -> Any:
        body = {
            "title": "T",
            "price": {"amount": 100, "currency": "EUR"},
            "country": "DE",
            **fields,
        }
        return seller.post("/marketplace/listings", json=body)

    others = animals.add(buyer.organisation_id)
    assert create(animal_id=str(others)).status_code == 404  # not the seller's animal
    assert create(animal_id=str(uuid.uuid4())).status_code == 404
    dead = animals.add(seller.organisation_id, status="deceased")
    assert create(animal_id=str(dead)).status_code == 409
    mine = str(animals.add(seller.organisation_id))
    assert create(animal_id=mine, price={"amount": 0, "currency": "EUR"}).status_code == 422
    assert create(animal_id=mine, price={"amount": 10, "currency": "ABC"}).status_code == 422
    assert create(animal_id=mine, price={"amount": 1.5, "currency": "EUR"}).status_code == 422
    assert create(animal_id=mine, colour="red").status_code in (400, 422)
    assert create(animal_id=mine).status_code == 201
    again = create(animal_id=mine)
    assert again.status_code == 409  # already listed
    assert again.headers["content-type"].startswith("application/problem+json")
    anonymous = seller.client.post("/marketplace/listings", json={"animal_id": mine})
    assert anonymous.status_code == 401
    viewer = Trader(seller.client, seller.organisation_id, role="viewer")
    assert viewer.post("/marketplace/listings", json={}).status_code == 403


def test_the_seller_moves_a_listing_through_its_states(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(5000, publish=False)
    url = f"/marketplace/listings/{listing['id']}"
    assert any_client.get(url).status_code == 404  # a draft is private
    assert seller.get(url).status_code == 200
    assert buyer.get(url).status_code == 404

    def move(state: str) -> int:
        return seller.patch(url, json={"state": state}).status_code

    assert move("on_hold") == 409  # a draft cannot be reserved
    assert move("sold") == 409
    assert move("available") == 200
    assert any_client.get(url).status_code == 200
    changed = seller.patch(url, json={"price": {"amount": 4500, "currency": "EUR"}, "title": "New"})
    assert changed.status_code == 200
    assert (changed.json()["price"]["amount"], changed.json()["title"]) == (4500, "New")
    assert move("on_hold") == 200  # reserved by the seller
    assert seller.patch(url, json={"title": "Held"}).status_code == 409  # terms frozen
    assert move("available") == 200  # released: no order holds it
    assert move("hidden") == 200
    assert any_client.get(url).status_code == 404
    assert move("expired") == 200
    assert move("available") == 200
    assert move("sold") == 200
    for state in ("available", "hidden", "draft", "on_hold", "expired"):
        response = seller.patch(url, json={"state": state})
        assert response.status_code == 409, state
        assert response.headers["content-type"].startswith("application/problem+json")
    assert seller.delete(url).status_code == 409  # sold: part of the record
    assert seller.get("/marketplace/seller/listings", params={"state": "sold"}).json()["total"] == 1
    events = outbox_types(any_client)
    assert events.count("listing.state_changed") == 7
    assert events.count("listing.updated") == 1


def test_other_organisations_cannot_change_or_delete_a_listing(
    seller: Trader, buyer: Trader
) -> None:
    listing = seller.list_animal(5000)
    url = f"/marketplace/listings/{listing['id']}"
    assert buyer.patch(url, json={"title": "Mine now"}).status_code == 404
    assert buyer.patch(url, json={"state": "hidden"}).status_code == 404
    assert buyer.delete(url).status_code == 404
    viewer = Trader(seller.client, seller.organisation_id, role="viewer")
    assert viewer.patch(url, json={"title": "x"}).status_code == 403
    assert viewer.delete(url).status_code == 403
    assert seller.client.delete(url).status_code == 401
    assert seller.get(url).json()["title"] == "A fine animal"
    assert seller.delete(url).status_code == 204
    assert seller.get(url).status_code == 404
    mine = seller.get("/marketplace/seller/listings").json()
    assert mine["total"] == 0
    assert buyer.get("/marketplace/seller/listings").json()["total"] == 0


def test_an_external_reference_makes_the_create_idempotent_and_is_found_by_the_seller(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    first = seller.list_animal(15000, external_ref="mm-42", title="Imported")
    assert first["external_ref"] == "mm-42"
    other_animal = seller.animals.add(seller.organisation_id) if seller.animals else None
    again = seller.post(
        "/marketplace/listings",
        json={
            "animal_id": str(other_animal),
            "title": "Imported again",
            "price": {"amount": 1, "currency": "EUR"},
            "country": "DE",
            "external_ref": "mm-42",
        },
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first["id"]
    assert again.json()["title"] == "Imported"
    # another seller's reference is its own
    theirs = buyer.list_animal(15000, external_ref="mm-42")
    assert theirs["id"] != first["id"]
    plain = seller.list_animal(100)
    found = seller.get(
        "/marketplace/seller/listings", params={"external_ref": ["mm-42", "mm-missing"]}
    )
    assert found.status_code == 200, found.text
    assert ids(found.json()) == [first["id"]]
    assert plain["external_ref"] is None
    too_many = seller.get(
        "/marketplace/seller/listings", params={"external_ref": [str(i) for i in range(101)]}
    )
    assert too_many.status_code == 422, too_many.text
    blank = seller.post(
        "/marketplace/listings",
        json={
            "animal_id": str(other_animal),
            "title": "x",
            "price": {"amount": 1, "currency": "EUR"},
            "country": "DE",
            "external_ref": " ",
        },
    )
    assert blank.status_code in (400, 422), blank.text
    assert outbox_types(any_client).count("listing.created") == 3


def test_the_database_keeps_one_listing_per_reference_and_seller(
    seller: Trader, any_client: TestClient[Litestar]
) -> None:
    """Two requests that both found no listing of a reference: the second write is a
    conflict, not a second listing."""
    first = seller.list_animal(15000, external_ref="race-1")
    assert seller.animals is not None
    other = seller.animals.add(seller.organisation_id)
    member = Member(seller.organisation_id, uuid.uuid4())
    draft = ListingDraft(
        animal_id=other,
        title="Racing",
        price=Money.of(100, "EUR"),
        country="DE",
        external_ref="race-1",
    )

    async def race() -> None:
        engine = create_engine(kernel_of(any_client.app).resources.database_url)
        try:
            units = CommerceUnitsOfWork(async_sessionmaker(engine, expire_on_commit=False))
            animal = await seller.animals.animal(  # type: ignore[union-attr]
                other, credential=mint_token(seller.organisation_id, "member")
            )
            async with units.open(seller.organisation_id) as uow:
                await create_listing(uow, member, animal.snapshot, draft)
        finally:
            await engine.dispose()

    with pytest.raises(Conflict, match="race-1"):
        asyncio.run(race())
    refs = seller.get("/marketplace/seller/listings").json()["items"]
    assert [x["id"] for x in refs if x["external_ref"] == "race-1"] == [first["id"]]
