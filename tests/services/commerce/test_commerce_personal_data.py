"""repti-commerce's GDPR port (``/internal/personal-data``), on SQLite and on PostgreSQL as the
service's non-owner role: a user's listings, orders, order steps, supplies and reservations
are exported, and an erasure puts repti-ops' pseudonym where the user's id was while the
records stay; only repti-ops' service token may ask."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client
from litestar import Litestar
from litestar.testing import TestClient

from core_tokens import mint_service_token, signed_token
from reptidex.services.kernel.settings import Settings

OPS = {"Authorization": f"Bearer {mint_service_token('ops')}"}


@dataclass
class Person(Trader):
    """A trader who is one known user."""

    user_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def headers(self) -> dict[str, str]:
        token = signed_token(sub=str(self.user_id), org=str(self.organisation_id), role=self.role)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=["sqlite", "postgres"])
def port_client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[tuple[TestClient[Litestar], FakeAnimals]]:
    """repti-commerce on SQLite, then on PostgreSQL connected as its non-owner role."""
    animals = FakeAnimals()
    if request.param == "sqlite":
        settings = make_settings()
    else:
        settings = make_settings(commerce_database_url=request.getfixturevalue("app_role_url"))
    with commerce_client(settings, animals) as client:
        yield client, animals


def ask(client: TestClient[Litestar], action: str, body: dict[str, Any]) -> Any:
    response = client.post(f"/internal/personal-data/{action}", json=body, headers=OPS)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_users_trading_is_exported_then_pseudonymised(
    port_client: tuple[TestClient[Litestar], FakeAnimals],
) -> None:
    client, animals = port_client
    seller = Person(client, uuid.uuid4(), animals)
    buyer = Person(client, uuid.uuid4(), animals)
    listing = seller.list_animal(25000, title="Pastel het Clown")
    placed = buyer.order(listing["id"])
    assert placed.status_code == 201, placed.text
    order = placed.json()
    paid = seller.post(f"/orders/{order['id']}/paid", json={"note": "cash"})
    assert paid.status_code == 200, paid.text
    supply = seller.post(
        "/inventory/supplies",
        json={
            "name": "Frozen rats",
            "kind": "feeder",
            "unit_price": {"amount": 250, "currency": "EUR"},
            "stock": 5,
        },
    ).json()
    reserved = buyer.post(f"/inventory/supplies/{supply['id']}/reservations", json={"quantity": 2})
    assert reserved.status_code == 201, reserved.text
    reservation = reserved.json()

    mine = ask(client, "export", {"user_id": str(buyer.user_id)})["data"]
    assert mine["listings"] == []
    assert [(o["id"], o["state"], o["price"]) for o in mine["orders"]] == [
        (order["id"], "paid", {"amount": 25000, "currency": "EUR"})
    ]
    assert [s["action"] for s in mine["order_steps"]] == ["place"]
    assert mine["supplies"] == []
    assert [(r["id"], r["quantity"], r["status"]) for r in mine["supply_reservations"]] == [
        (reservation["id"], 2, "held")
    ]
    theirs = ask(client, "export", {"user_id": str(seller.user_id)})["data"]
    assert [(x["id"], x["title"]) for x in theirs["listings"]] == [
        (listing["id"], "Pastel het Clown")
    ]
    assert theirs["orders"] == []
    assert [(s["action"], s["note"]) for s in theirs["order_steps"]] == [("mark_paid", "cash")]
    assert [(x["id"], x["name"]) for x in theirs["supplies"]] == [(supply["id"], "Frozen rats")]
    assert theirs["supply_reservations"] == []

    pseudonym = uuid.uuid4()
    erasure = {"user_id": str(buyer.user_id), "pseudonym": str(pseudonym)}
    assert ask(client, "erase", erasure)["erased"] == {
        "listings_pseudonymised": 0,
        "orders_pseudonymised": 1,
        "order_steps_pseudonymised": 1,
        "supplies_pseudonymised": 0,
        "supply_reservations_pseudonymised": 1,
    }
    assert ask(client, "export", {"user_id": str(buyer.user_id)})["data"] == {
        "listings": [],
        "orders": [],
        "order_steps": [],
        "supplies": [],
        "supply_reservations": [],
    }
    kept = ask(client, "export", {"user_id": str(pseudonym)})["data"]
    assert [o["id"] for o in kept["orders"]] == [order["id"]]  # the ledger's record stays
    assert [r["id"] for r in kept["supply_reservations"]] == [reservation["id"]]
    # the reservation still holds its units: a pseudonym moves no stock
    stock = client.get(f"/inventory/supplies/{supply['id']}").json()
    assert (stock["available"], stock["reserved"]) == (3, 2)
    shown = buyer.get(f"/inventory/reservations/{reservation['id']}").json()
    assert (shown["status"], shown["buyer_user_id"]) == ("held", str(pseudonym))
    again = ask(client, "erase", erasure)["erased"]
    assert set(again.values()) == {0}
    shown = seller.get(f"/orders/{order['id']}")
    assert shown.json()["state"] == "paid"
    # the seller's data is untouched by the buyer's erasure
    assert ask(client, "export", {"user_id": str(seller.user_id)})["data"] == theirs


def test_only_repti_ops_may_ask(port_client: tuple[TestClient[Litestar], FakeAnimals]) -> None:
    client, _ = port_client
    body = {"user_id": str(uuid.uuid4())}
    assert client.post("/internal/personal-data/export", json=body).status_code == 401
    for token in (
        mint_service_token("media"),
        signed_token(org=str(uuid.uuid4()), role="owner"),
        signed_token(platform_admin=True),
    ):
        refused = client.post(
            "/internal/personal-data/export",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert refused.status_code == 403, refused.text
    bad = client.post("/internal/personal-data/erase", json=body, headers=OPS)
    assert bad.status_code == 422  # no pseudonym: nothing erased
