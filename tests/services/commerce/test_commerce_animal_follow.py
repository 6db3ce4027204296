"""Listings follow their animal: repti-animal's events withdraw or refresh them, once per
event, on SQLite and PostgreSQL (through the service's own consumer on its bus); the events
each change stages (on fakes)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from commerce_fakes import FakeUnitOfWork, Store
from commerce_testkit import Trader
from litestar import Litestar
from litestar.testing import TestClient
from test_commerce_use_cases import SELLER, listed, run

from reptidex.domain.commerce.animal_follow import follow_animal
from reptidex.domain.events.envelope import DomainEvent, new_event
from reptidex.services.kernel.app import kernel_of


def animal_event(
    organisation: uuid.UUID, event_type: str, animal_id: object, **payload: Any
) -> DomainEvent:
    return new_event(
        event_type,
        producer="animal",
        payload={"animal_id": str(animal_id), "code": "RX-1", **payload},
        organisation_id=organisation,
    )


def updated(organisation: uuid.UUID, animal_id: object, **fields: Any) -> DomainEvent:
    summary = {
        "name": "Sunny",
        "species": "ball_python",
        "sex": "male",
        "phenotype": "Pastel",
        "status": "active",
        "visibility": "public",
        "morph": "Pastel het Clown",
        "hatch_date": "2025-05-01",
        "traits": ["Pastel"],
        "hets": ["Clown"],
        "possible_hets": [["Pied", "2/3"]],
    }
    return animal_event(organisation, "animal.updated", animal_id, **{**summary, **fields})


def publish(client: TestClient[Litestar], event: DomainEvent) -> None:
    with client.portal() as portal:
        portal.call(kernel_of(client.app).events.bus.publish, event)


def state(seller: Trader, listing: dict[str, Any]) -> str:
    found = seller.get(f"/marketplace/listings/{listing['id']}")
    assert found.status_code == 200, found.text
    value: str = found.json()["state"]
    return value


@pytest.mark.parametrize(
    ("event_type", "fields"),
    [
        ("animal.deleted", {}),
        ("animal.transferred", {"to_organisation_id": str(uuid.uuid4())}),
        ("animal.updated", {"status": "deceased"}),
        ("animal.updated", {"status": "sold"}),
        ("animal.updated", {"status": "on_loan"}),
        ("animal.updated", {"visibility": "private"}),
    ],
)
def test_an_animal_gone_withdraws_its_listings(
    any_client: TestClient[Litestar], seller: Trader, event_type: str, fields: dict[str, Any]
) -> None:
    listing = seller.list_animal()
    draft = seller.list_animal(publish=False)
    other = seller.list_animal()
    for withdrawn in (listing, draft):
        animal_id = withdrawn["animal"]["animal_id"]
        if event_type == "animal.updated":
            event = updated(seller.organisation_id, animal_id, **fields)
        else:
            event = animal_event(seller.organisation_id, event_type, animal_id, **fields)
        publish(any_client, event)
        publish(any_client, event)  # a redelivery changes nothing more
        assert state(seller, withdrawn) == "hidden"
    assert state(seller, other) == "available"
    assert any_client.get("/marketplace/listings").json()["total"] == 1


def test_an_animal_still_listable_keeps_its_listing(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    """Lineage-only or for sale, its own organisation's transfer event, another organisation's
    event: the listing stays; a listing held by an order stays with its order."""
    listing = seller.list_animal()
    animal_id = listing["animal"]["animal_id"]
    for event in (
        updated(seller.organisation_id, animal_id, visibility="lineage_only"),
        updated(seller.organisation_id, animal_id, status="for_sale"),
        animal_event(
            seller.organisation_id,
            "animal.transferred",
            animal_id,
            to_organisation_id=str(seller.organisation_id),
        ),
        animal_event(buyer.organisation_id, "animal.deleted", animal_id),
    ):
        publish(any_client, event)
        assert state(seller, listing) == "available", event.type
    held = seller.list_animal()
    assert buyer.order(held["id"]).status_code == 201
    publish(
        any_client,
        animal_event(seller.organisation_id, "animal.deleted", held["animal"]["animal_id"]),
    )
    assert state(seller, held) == "on_hold"


def test_an_updated_animal_refreshes_the_snapshot_and_its_search(
    any_client: TestClient[Litestar], seller: Trader
) -> None:
    listing = seller.list_animal(morph="Normal", traits=(), hets=())
    animal_id = listing["animal"]["animal_id"]
    clown = {"gene": "clown", "zygosity": "het"}
    assert any_client.get("/marketplace/listings", params=clown).json()["total"] == 0
    event = updated(seller.organisation_id, animal_id)
    publish(any_client, event)
    snapshot = seller.get(f"/marketplace/listings/{listing['id']}").json()["animal"]
    assert (snapshot["name"], snapshot["code"], snapshot["morph"]) == (
        "Sunny",
        "RX-1",
        "Pastel het Clown",
    )
    assert (snapshot["traits"], snapshot["hets"], snapshot["hatch_date"]) == (
        ["Pastel"],
        ["Clown"],
        "2025-05-01",
    )
    assert snapshot["possible_hets"][0]["gene"] == "Pied"
    assert snapshot["possible_hets"][0]["probability"] == "2/3"
    found = any_client.get("/marketplace/listings", params=clown).json()
    assert [x["id"] for x in found["items"]] == [listing["id"]]
    # a later change, then the first event delivered again: it is not applied twice
    publish(any_client, updated(seller.organisation_id, animal_id, name="Moon"))
    publish(any_client, event)
    assert seller.get(f"/marketplace/listings/{listing['id']}").json()["animal"]["name"] == "Moon"


def test_the_events_of_a_withdrawal_and_a_refresh() -> None:
    store = Store()
    listing = listed(store)
    animal_id = listing.animal.animal_id
    uow = FakeUnitOfWork(store)
    refreshed = run(
        follow_animal(uow.listings, uow.outbox, updated(SELLER.organisation_id, animal_id))
    )
    assert refreshed is not None
    assert refreshed.animal.hets == ("Clown",)
    event = uow.working.events[-1]
    assert event.type == "listing.updated"
    assert "hets" in event.payload["changed"]
    assert "species" not in event.payload["changed"]
    assert event.payload["before"]["hets"] == []
    assert event.payload["after"]["hets"] == ["Clown"]
    assert event.organisation_id == SELLER.organisation_id
    same = run(follow_animal(uow.listings, uow.outbox, updated(SELLER.organisation_id, animal_id)))
    assert same is None
    gone = animal_event(SELLER.organisation_id, "animal.deleted", animal_id)
    hidden = run(follow_animal(uow.listings, uow.outbox, gone))
    assert hidden is not None
    assert hidden.status.value == "hidden"
    last = uow.working.events[-1]
    assert (last.type, last.payload["before"], last.payload["after"]) == (
        "listing.state_changed",
        {"state": "available"},
        {"state": "hidden"},
    )
    assert run(follow_animal(uow.listings, uow.outbox, gone)) is None
    refresh, withdrawal = uow.working.audit[-2:]  # no user acted: repti-animal's events did
    assert (refresh.action, refresh.resource_id, refresh.actor_id) == (
        "updated",
        str(listing.id),
        None,
    )
    assert (refresh.before["hets"], refresh.after["hets"]) == ([], ["Clown"])
    assert refresh.organisation_id == SELLER.organisation_id
    assert (withdrawal.action, withdrawal.after) == ("state_changed", {"state": "hidden"})


def test_the_consumer_works_as_the_non_owner_role(make_settings: Any, app_role_url: str) -> None:
    """Under row-level security the consumer scopes its transaction to the animal's
    organisation: the seller's listing is withdrawn, another organisation's is not touched."""
    from commerce_testkit import FakeAnimals, commerce_client

    animals = FakeAnimals()
    with commerce_client(make_settings(commerce_database_url=app_role_url), animals) as client:
        seller = Trader(client, uuid.uuid4(), animals)
        listing = seller.list_animal()
        animal_id = listing["animal"]["animal_id"]
        publish(client, animal_event(uuid.uuid4(), "animal.deleted", animal_id))
        assert state(seller, listing) == "available"
        publish(client, updated(seller.organisation_id, animal_id, name="Moon"))
        assert (
            seller.get(f"/marketplace/listings/{listing['id']}").json()["animal"]["name"] == "Moon"
        )
        publish(client, animal_event(seller.organisation_id, "animal.deleted", animal_id))
        assert state(seller, listing) == "hidden"
