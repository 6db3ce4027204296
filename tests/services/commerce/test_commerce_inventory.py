"""The inventory through the API on SQLite and PostgreSQL: a seller's supplies and their
stock, buyers' reservations (confirmed, released, expired by the worker), a breeder's
inventory as anyone and as its members see it, who may do what, and the events and audit
records of every change."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client, outbox_events
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.commerce.workers import ReservationExpiryWorker
from reptidex.adapters.sql.engine import create_engine
from reptidex.domain.audit import AUDIT_EVENT
from reptidex.domain.commerce.inventory import breeder_inventory
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.reservations import settle_reservation
from reptidex.domain.commerce.supply_model import ReservationStatus
from reptidex.domain.errors import Conflict
from reptidex.services.commerce.wiring import CommerceUnitsOfWork
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings

FEEDERS = {
    "name": "Frozen rats, medium",
    "kind": "feeder",
    "sku": "FT-RAT-M",
    "unit_price": {"amount": 250, "currency": "EUR"},
    "stock": 10,
}


def add_supply(who: Trader, **fields: Any) -> dict[str, Any]:
    """A supply of ``who``'s organisation (the feeders, with ``fields`` changed)."""
    created = who.post("/inventory/supplies", json={**FEEDERS, **fields})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def reserve(who: Trader, supply: dict[str, Any], quantity: int, **fields: Any) -> Any:
    return who.post(
        f"/inventory/supplies/{supply['id']}/reservations", json={"quantity": quantity, **fields}
    )


def counts(client: TestClient[Litestar], supply: dict[str, Any]) -> tuple[int, int, int]:
    """The supply's (stock, available, reserved) as anyone sees them."""
    shown = client.get(f"/inventory/supplies/{supply['id']}")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["sold"] is None  # the seller's members only
    return body["stock"], body["available"], body["reserved"]


def test_a_seller_keeps_supplies_and_sets_or_changes_their_stock(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    supply = add_supply(seller)
    assert supply["seller_organisation_id"] == str(seller.organisation_id)
    assert supply["unit_price"] == {
        "amount": 250,
        "currency": "EUR",
        "exponent": 2,
        "display": "2.50 EUR",
    }
    assert (supply["stock"], supply["available"], supply["reserved"], supply["sold"]) == (
        10,
        10,
        0,
        0,
    )
    taken = seller.post("/inventory/supplies", json=FEEDERS)
    assert taken.status_code == 409  # the SKU is the seller's already
    assert taken.headers["content-type"].startswith("application/problem+json")
    assert add_supply(buyer)["sku"] == "FT-RAT-M"  # another organisation's SKUs are its own
    tank = add_supply(seller, name="Tank", kind="enclosure", sku="TANK-60")
    tank_path = f"/inventory/supplies/{tank['id']}"
    assert seller.patch(tank_path, json={"sku": "FT-RAT-M"}).status_code == 409
    cleared = seller.patch(tank_path, json={"sku": None, "kind": "equipment"})
    assert (cleared.json()["sku"], cleared.json()["kind"]) == (None, "equipment")
    path = f"/inventory/supplies/{supply['id']}"

    changed = seller.patch(
        path,
        json={"name": "Frozen rats, large", "unit_price": {"amount": 300, "currency": "EUR"}},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["unit_price"]["amount"]) == (
        "Frozen rats, large",
        300,
    )
    assert seller.patch(path, json={"stock_change": -4}).json()["stock"] == 6
    assert seller.patch(path, json={"stock_change": 5}).json()["available"] == 11
    assert reserve(buyer, supply, 3).status_code == 201
    assert counts(any_client, supply) == (11, 8, 3)
    # a set names the units on hand, the reserved among them: never fewer than are reserved
    assert seller.patch(path, json={"stock": 2}).status_code == 409
    assert seller.patch(path, json={"stock": 3}).json()["available"] == 0
    assert seller.patch(path, json={"stock_change": -1}).status_code == 409
    assert seller.patch(path, json={"stock": 7}).json()["available"] == 4
    assert counts(any_client, supply) == (7, 4, 3)
    both = seller.patch(path, json={"stock": 5, "stock_change": 1})
    assert both.status_code == 422
    # a refused stock change leaves the name it came with unchanged too
    refused = seller.patch(path, json={"name": "Renamed", "stock_change": -5})
    assert refused.status_code == 409
    assert seller.get(path).json()["name"] == "Frozen rats, large"
    assert seller.get(path).json()["sold"] == 0


def test_buyers_reserve_and_the_seller_confirms_or_either_releases(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    supply = add_supply(seller, stock=5)
    held = reserve(buyer, supply, 2, hold_minutes=30)
    assert held.status_code == 201, held.text
    first = held.json()
    assert (first["status"], first["quantity"], first["supply_name"]) == (
        "held",
        2,
        "Frozen rats, medium",
    )
    assert first["total"]["amount"] == 500
    assert first["buyer_organisation_id"] == str(buyer.organisation_id)
    expires = dt.datetime.fromisoformat(first["expires_at"])
    reserved = dt.datetime.fromisoformat(first["reserved_at"])
    assert expires - reserved == dt.timedelta(minutes=30)
    assert counts(any_client, supply) == (5, 3, 2)
    assert reserve(buyer, supply, 4).status_code == 409  # only 3 left
    assert counts(any_client, supply) == (5, 3, 2)
    second = reserve(buyer, supply, 3).json()
    default_hold = dt.datetime.fromisoformat(second["expires_at"]) - dt.datetime.fromisoformat(
        second["reserved_at"]
    )
    assert default_hold == dt.timedelta(minutes=60)
    assert counts(any_client, supply) == (5, 0, 5)
    assert reserve(buyer, supply, 1).status_code == 409

    stranger = Trader(any_client, uuid.uuid4())
    confirm = f"/inventory/reservations/{first['id']}/confirm"
    assert buyer.post(confirm).status_code == 403
    assert stranger.post(confirm).status_code == 404
    assert stranger.get(f"/inventory/reservations/{first['id']}").status_code == 404
    assert Trader(any_client, seller.organisation_id, role="viewer").post(confirm).status_code == (
        403
    )
    assert seller.delete(f"/inventory/supplies/{supply['id']}").status_code == 409
    confirmed = seller.post(confirm)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["settled_by"] == str(seller.organisation_id)
    assert seller.post(confirm).status_code == 409
    assert buyer.post(f"/inventory/reservations/{first['id']}/release").status_code == 409
    assert counts(any_client, supply) == (3, 0, 3)
    assert seller.get(f"/inventory/supplies/{supply['id']}").json()["sold"] == 2

    release = f"/inventory/reservations/{second['id']}/release"
    assert stranger.post(release).status_code == 404
    released = buyer.post(release)
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    assert buyer.post(release).status_code == 409
    assert counts(any_client, supply) == (3, 3, 0)

    assert buyer.get(f"/inventory/reservations/{first['id']}").json()["status"] == "confirmed"
    mine = buyer.get("/inventory/reservations", params={"side": "buyer"}).json()
    assert [r["id"] for r in mine["items"]] == [second["id"], first["id"]]
    assert buyer.get("/inventory/reservations", params={"side": "seller"}).json()["total"] == 0
    received = seller.get("/inventory/reservations", params={"status": "confirmed"}).json()
    assert [r["id"] for r in received["items"]] == [first["id"]]
    assert stranger.get("/inventory/reservations").json()["total"] == 0
    assert seller.delete(f"/inventory/supplies/{supply['id']}").status_code == 204
    assert any_client.get(f"/inventory/supplies/{supply['id']}").status_code == 404
    # the reservations stay, with what they held
    assert buyer.get(f"/inventory/reservations/{first['id']}").json()["quantity"] == 2


def test_who_may_do_what(any_client: TestClient[Litestar], seller: Trader, buyer: Trader) -> None:
    supply = add_supply(seller)
    path = f"/inventory/supplies/{supply['id']}"
    viewer = Trader(any_client, seller.organisation_id, role="viewer")
    buyer_viewer = Trader(any_client, buyer.organisation_id, role="viewer")
    assert any_client.post("/inventory/supplies", json=FEEDERS).status_code == 401
    assert any_client.patch(path, json={"stock": 1}).status_code == 401
    assert any_client.delete(path).status_code == 401
    assert any_client.post(f"{path}/reservations", json={"quantity": 1}).status_code == 401
    assert any_client.get("/inventory/reservations").status_code == 401
    assert viewer.post("/inventory/supplies", json=FEEDERS).status_code == 403
    assert viewer.patch(path, json={"stock": 1}).status_code == 403
    assert viewer.delete(path).status_code == 403
    assert buyer_viewer.post(f"{path}/reservations", json={"quantity": 1}).status_code == 403
    assert viewer.get("/inventory/reservations").status_code == 200
    # another organisation's supply is not the caller's to change
    assert buyer.patch(path, json={"stock": 100}).status_code == 404
    assert buyer.delete(path).status_code == 404
    assert reserve(seller, supply, 1).status_code == 422  # its own
    missing = f"/inventory/supplies/{uuid.uuid4()}"
    assert buyer.post(f"{missing}/reservations", json={"quantity": 1}).status_code == 404
    assert seller.patch(missing, json={"stock": 1}).status_code == 404
    assert any_client.get(missing).status_code == 404
    for action in ("confirm", "release"):
        unknown = f"/inventory/reservations/{uuid.uuid4()}/{action}"
        assert seller.post(unknown).status_code == 404
    assert counts(any_client, supply) == (10, 10, 0)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {**FEEDERS, "name": "   "},
        {**FEEDERS, "name": "x" * 201},
        {**FEEDERS, "kind": "snake"},
        {**FEEDERS, "sku": "has space"},
        {**FEEDERS, "sku": ""},
        {**FEEDERS, "unit_price": {"amount": 0, "currency": "EUR"}},
        {**FEEDERS, "unit_price": {"amount": 250, "currency": "XXX"}},
        {**FEEDERS, "unit_price": {"amount": 2.5, "currency": "EUR"}},
        {**FEEDERS, "stock": -1},
        {**FEEDERS, "stock": 1_000_001},
        {**FEEDERS, "colour": "red"},
    ],
)
def test_a_bad_supply_is_refused(seller: Trader, body: dict[str, Any]) -> None:
    refused = seller.post("/inventory/supplies", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_bad_changes_and_reservations_are_refused(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    supply = add_supply(seller, stock=999_999)
    path = f"/inventory/supplies/{supply['id']}"
    for patch in (
        {"stock": -1},
        {"stock_change": 1.5},
        {"name": ""},
        {"kind": "x"},
        {"unit_price": {"amount": -5, "currency": "EUR"}},
        {"stock": 1, "stock_change": 1},
        {"reserved": 3},
    ):
        assert seller.patch(path, json=patch).status_code == 422, patch
    assert seller.patch(path, json={"stock_change": 2}).status_code == 409  # over the most
    for body in (
        {},
        {"quantity": 0},
        {"quantity": 10_001},
        {"quantity": 1, "hold_minutes": 0},
        {"quantity": 1, "hold_minutes": 10_081},
        {"quantity": "one"},
    ):
        assert buyer.post(f"{path}/reservations", json=body).status_code == 422, body
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"kind": "snake"}):
        assert any_client.get(
            f"/inventory/{seller.organisation_id}", params=params
        ).status_code == (422)
    for params in ({"side": "both"}, {"status": "gone"}):
        assert buyer.get("/inventory/reservations", params=params).status_code == 422
    assert any_client.get("/inventory/not-a-uuid").status_code in (404, 422)
    assert counts(any_client, supply) == (999_999, 999_999, 0)


def test_the_inventory_of_a_breeder(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    available = seller.list_animal(30000, title="Pastel het Clown", morph="Pastel")
    seller.list_animal(20000, title="Second")
    held = seller.list_animal(25000, title="On hold")
    sold = seller.list_animal(40000, title="Sold")
    seller.list_animal(10000, publish=False, title="Draft")
    hidden = seller.list_animal(10000, title="Hidden")
    assert seller.patch(
        f"/marketplace/listings/{hidden['id']}", json={"state": "hidden"}
    ).status_code == (200)
    assert buyer.order(held["id"]).status_code == 201
    order = buyer.order(sold["id"]).json()
    for who, step in ((seller, "paid"), (seller, "handed-over"), (buyer, "completed")):
        assert who.post(f"/orders/{order['id']}/{step}").status_code == 200
    feeders = add_supply(seller, stock=12)
    add_supply(seller, name="Exo Terra 60x45x60", kind="enclosure", sku=None, stock=2)
    assert reserve(buyer, feeders, 5).status_code == 201

    path = f"/inventory/{seller.organisation_id}"
    public = any_client.get(path)
    assert public.status_code == 200, public.text
    body = public.json()
    animals = body["animals"]
    assert (animals["available"]["count"], animals["on_hold"]["count"]) == (2, 1)
    assert animals["sold"]["count"] == 1
    assert (animals["draft"], animals["hidden"], animals["expired"]) == (None, None, None)
    titles = {item["title"] for item in animals["available"]["items"]}
    assert titles == {"Pastel het Clown", "Second"}
    first = next(i for i in animals["available"]["items"] if i["listing_id"] == available["id"])
    assert (first["morph"], first["price"]["amount"]) == ("Pastel", 30000)
    assert [i["listing_id"] for i in animals["sold"]["items"]] == [sold["id"]]
    assert [i["listing_id"] for i in animals["on_hold"]["items"]] == [held["id"]]
    supplies = body["supplies"]
    assert supplies["total"] == 2
    assert [s["name"] for s in supplies["items"]] == ["Exo Terra 60x45x60", "Frozen rats, medium"]
    rats = supplies["items"][1]
    assert (rats["stock"], rats["available"], rats["reserved"], rats["sold"]) == (12, 7, 5, None)
    assert buyer.get(path).json() == body  # another organisation sees what anyone sees

    own = seller.get(path).json()
    assert (own["animals"]["draft"], own["animals"]["hidden"], own["animals"]["expired"]) == (
        1,
        1,
        0,
    )
    assert own["supplies"]["items"][1]["sold"] == 0
    viewer = Trader(any_client, seller.organisation_id, role="viewer")
    assert viewer.get(path).json()["animals"]["hidden"] == 1

    paged = any_client.get(path, params={"limit": 1, "offset": 1}).json()
    assert (paged["limit"], paged["offset"]) == (1, 1)
    assert paged["animals"]["available"]["count"] == 2
    assert len(paged["animals"]["available"]["items"]) == 1
    assert paged["animals"]["sold"]["items"] == []
    assert [s["name"] for s in paged["supplies"]["items"]] == ["Frozen rats, medium"]
    feeders_only = any_client.get(path, params={"kind": "feeder"}).json()["supplies"]
    assert feeders_only["total"] == 1

    empty = any_client.get(f"/inventory/{uuid.uuid4()}").json()
    assert empty["animals"]["available"] == {"count": 0, "items": []}
    assert empty["supplies"] == {"items": [], "total": 0}


def at_time(
    client: TestClient[Litestar],
    use: Callable[[Any], Any],
    organisation: uuid.UUID | None = None,
) -> Any:
    """``use(uow)`` run on a unit of work of the client's database, in ``organisation``."""

    async def run() -> Any:
        engine = create_engine(kernel_of(client.app).resources.database_url)
        try:
            units = CommerceUnitsOfWork(async_sessionmaker(engine, expire_on_commit=False))
            async with units.open(organisation) as uow:
                return await use(uow)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_an_ended_listing_counts_as_expired(
    seller: Trader, any_client: TestClient[Litestar]
) -> None:
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    seller.list_animal(expires_at=ends.isoformat())
    path = f"/inventory/{seller.organisation_id}"
    assert seller.get(path).json()["animals"]["available"]["count"] == 1
    later = ends + dt.timedelta(seconds=1)
    found = at_time(
        any_client,
        lambda uow: breeder_inventory(uow, None, seller.organisation_id, now=later),
    )
    assert [(s.listing_state.value, s.count) for s in found.shelves] == [
        ("available", 0),
        ("on_hold", 0),
        ("sold", 0),
    ]
    assert found.private_counts is None


def test_every_change_has_its_event_and_audit_record(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    supply = add_supply(seller, stock=4)
    path = f"/inventory/supplies/{supply['id']}"
    repriced = seller.patch(path, json={"unit_price": {"amount": 275, "currency": "EUR"}})
    assert repriced.status_code == 200
    assert seller.patch(path, json={"stock_change": 2}).status_code == 200
    first = reserve(buyer, supply, 2).json()
    second = reserve(buyer, supply, 1).json()
    assert seller.post(f"/inventory/reservations/{first['id']}/confirm").status_code == 200
    assert buyer.post(f"/inventory/reservations/{second['id']}/release").status_code == 200
    assert seller.patch(path, json={"stock": 0}).status_code == 200
    assert seller.delete(path).status_code == 204

    events = [(k, p) for k, p in outbox_events(any_client) if k.startswith("inventory.")]
    assert [k for k, _ in events] == [
        "inventory.item_created",
        "inventory.item_updated",
        "inventory.stock_changed",
        "inventory.reserved",
        "inventory.reserved",
        "inventory.confirmed",
        "inventory.released",
        "inventory.stock_changed",
        "inventory.item_deleted",
    ]
    payloads = [p for _, p in events]
    assert payloads[1]["before"] == {"unit_price": {"amount": 250, "currency": "EUR"}}
    assert payloads[2]["before"] == {"stock": 4, "available": 4}
    assert payloads[2]["after"] == {"stock": 6, "available": 6}
    assert (payloads[3]["available"], payloads[3]["reserved"], payloads[3]["party"]) == (
        4,
        2,
        "buyer",
    )
    assert payloads[5]["previous_status"] == "held"
    assert (payloads[5]["status"], payloads[5]["sold"], payloads[5]["party"]) == (
        "confirmed",
        2,
        "seller",
    )
    assert (payloads[6]["available"], payloads[6]["reserved"]) == (4, 0)

    records = [
        p
        for k, p in outbox_events(any_client)
        if k == AUDIT_EVENT and p["resource_kind"] in ("supply", "supply_reservation")
    ]
    trail = [(r["resource_kind"], r["action"], r["organisation_id"]) for r in records]
    s, b = str(seller.organisation_id), str(buyer.organisation_id)
    # a reservation's two records share a transaction: their order among them is open
    assert sorted(trail) == sorted(
        [
            ("supply", "created", s),
            ("supply", "updated", s),
            ("supply", "stock_changed", s),
            ("supply_reservation", "reserved", b),
            ("supply", "reserved", s),
            ("supply_reservation", "reserved", b),
            ("supply", "reserved", s),
            ("supply_reservation", "confirmed", s),
            ("supply", "confirmed", s),
            ("supply_reservation", "released", b),
            ("supply", "released", s),
            ("supply", "stock_changed", s),
            ("supply", "deleted", s),
        ]
    )

    def record(kind: str, action: str) -> dict[str, Any]:
        return next(r for r in records if (r["resource_kind"], r["action"]) == (kind, action))

    created, updated = record("supply", "created"), record("supply", "updated")
    assert created["after"]["unit_price_amount"] == 250
    assert created["after"]["available"] == 4
    assert (updated["before"], updated["after"]) == (
        {"unit_price_amount": 250},
        {"unit_price_amount": 275},
    )
    held_by_buyer = record("supply", "reserved")
    assert held_by_buyer["before"] == {"available": 6, "reserved": 0}
    assert held_by_buyer["after"] == {"available": 4, "reserved": 2}
    reservation = record("supply_reservation", "reserved")
    assert reservation["after"]["quantity"] == 2
    assert held_by_buyer["actor_id"] == reservation["actor_id"] != created["actor_id"]
    confirmed = record("supply_reservation", "confirmed")
    assert (confirmed["before"]["status"], confirmed["after"]["status"]) == ("held", "confirmed")
    deleted = record("supply", "deleted")
    assert deleted["before"]["name"] == "Frozen rats, medium"
    assert deleted["after"] == {}


def expire(url: str, at: dt.datetime) -> int:
    """One pass of the reservation expiry worker at ``at``: the reservations it found."""

    async def one_pass() -> int:
        engine = create_engine(url)
        try:
            units = CommerceUnitsOfWork(async_sessionmaker(engine, expire_on_commit=False))
            return await ReservationExpiryWorker(
                units.open_reservation_expiry, clock=lambda: at
            ).run_once()
        finally:
            await engine.dispose()

    return asyncio.run(one_pass())


def expiring(client: TestClient[Litestar], url: str, animals: FakeAnimals) -> None:
    """Reservations held past their end are released by the worker, once; others stay."""
    seller = Trader(client, uuid.uuid4(), animals)
    buyer = Trader(client, uuid.uuid4(), animals)
    supply = add_supply(seller, stock=10)
    short = reserve(buyer, supply, 2, hold_minutes=5).json()
    long = reserve(buyer, supply, 3, hold_minutes=120).json()
    confirmed = reserve(buyer, supply, 1, hold_minutes=5).json()
    assert seller.post(f"/inventory/reservations/{confirmed['id']}/confirm").status_code == 200
    now = dt.datetime.now(dt.UTC)
    assert expire(url, now) == 0
    assert expire(url, now + dt.timedelta(minutes=10)) == 1
    assert counts(client, supply) == (9, 6, 3)
    shown = buyer.get(f"/inventory/reservations/{short['id']}").json()
    assert (shown["status"], shown["settled_by"]) == ("expired", None)
    assert expire(url, now + dt.timedelta(minutes=11)) == 0  # once
    assert buyer.get(f"/inventory/reservations/{long['id']}").json()["status"] == "held"
    # a reservation past its end is no longer the seller's to confirm (the worker's to expire)
    member = Member(seller.organisation_id)
    late = now + dt.timedelta(hours=3)
    with pytest.raises(Conflict, match="ended"):
        at_time(
            client,
            lambda uow: settle_reservation(
                uow, member, uuid.UUID(long["id"]), ReservationStatus.CONFIRMED, now=late
            ),
            seller.organisation_id,
        )
    assert seller.post(f"/inventory/reservations/{long['id']}/confirm").status_code == 200
    expired = [p for k, p in outbox_events(client) if k == "inventory.expired"]
    assert [(p["reservation_id"], p["party"], p["available"]) for p in expired] == [
        (short["id"], None, 6)
    ]
    record = next(
        p
        for k, p in outbox_events(client)
        if k == AUDIT_EVENT and p["action"] == "expired" and p["resource_kind"] == "supply"
    )
    assert (record["actor_id"], record["organisation_id"]) == (None, str(seller.organisation_id))


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_worker_expires_reservations_held_past_their_end(
    request: pytest.FixtureRequest,
    make_settings: Callable[..., Settings],
    animals: FakeAnimals,
    database: str,
) -> None:
    overrides = {}
    if database == "postgres":
        overrides["commerce_database_url"] = request.getfixturevalue("postgres_database")
    settings = make_settings(**overrides)
    with commerce_client(settings, animals) as client:
        expiring(client, settings.database_url("commerce"), animals)


def test_the_worker_expires_reservations_as_the_non_owner_role(
    make_settings: Callable[..., Settings], app_role_url: str, animals: FakeAnimals
) -> None:
    settings = make_settings(commerce_database_url=app_role_url)
    with commerce_client(settings, animals) as client:
        expiring(client, app_role_url, animals)
