"""Orders through the API, on SQLite and PostgreSQL: idempotent placing that reserves the
listing, the state machine with who may take each step, the ledger of an offline sale and its
refund, and the events of each step."""

from __future__ import annotations

import uuid
from typing import Any

from commerce_testkit import FEE_BASIS_POINTS, Trader
from litestar import Litestar
from litestar.testing import TestClient
from test_commerce_listings_api import outbox_types


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def listing_state(client: TestClient[Litestar], listing: dict[str, Any]) -> str:
    state: str = ok(client.get(f"/marketplace/listings/{listing['id']}"))["state"]
    return state


def test_the_same_idempotency_key_returns_the_same_order(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(20000)
    first = buyer.order(listing["id"], key="order-1")
    order = ok(first, 201)
    assert order["state"] == "pending"
    assert order["price"]["amount"] == 20000
    assert order["platform_fee"]["amount"] == 20000 * FEE_BASIS_POINTS // 10_000
    for _ in range(2):
        assert ok(buyer.order(listing["id"], key="order-1")) == order  # 200, the same order
    other_listing = seller.list_animal(100)
    reused = buyer.order(other_listing["id"], key="order-1")
    assert reused.status_code == 422  # the same key for another request
    assert reused.headers["content-type"].startswith("application/problem+json")
    # keys are per organisation: another buyer's "order-1" is its own (and loses the race)
    rival = Trader(any_client, uuid.uuid4())
    assert rival.order(listing["id"], key="order-1").status_code == 409
    assert listing_state(any_client, listing) == "on_hold"
    missing = buyer.post("/orders", json={"listing_id": listing["id"]})
    assert missing.status_code == 400  # no Idempotency-Key
    assert ok(buyer.get("/orders"))["total"] == 1
    assert outbox_types(any_client).count("order.placed") == 1


def test_an_offline_sale_from_order_to_completion_with_its_ledger(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(20000)
    order = ok(buyer.order(listing["id"]), 201)
    url = f"/orders/{order['id']}"
    assert listing_state(any_client, listing) == "on_hold"
    assert any_client.get("/marketplace/listings").json()["total"] == 0  # not open any more

    assert buyer.post(f"{url}/paid").status_code == 403  # the seller records the payment
    assert buyer.post(f"{url}/completed").status_code == 409  # not handed over yet
    assert ok(seller.post(f"{url}/paid", json={"note": "cash at the expo"}))["state"] == "paid"
    assert seller.post(f"{url}/paid").status_code == 409
    assert buyer.post(f"{url}/cancel").status_code == 409  # paid: only a refund undoes it
    assert ok(seller.post(f"{url}/handed-over", json={}))["state"] == "handed_over"
    assert seller.post(f"{url}/completed").status_code == 403  # the buyer confirms
    assert ok(buyer.post(f"{url}/completed"))["state"] == "completed"
    assert listing_state(any_client, listing) == "sold"

    shown = ok(seller.get(url))
    history = shown["history"]
    assert [(s["action"], s["party"], s["from_state"], s["to_state"]) for s in history] == [
        ("place", "buyer", None, "pending"),
        ("mark_paid", "seller", "pending", "paid"),
        ("hand_over", "seller", "paid", "handed_over"),
        ("complete", "buyer", "handed_over", "completed"),
    ]
    assert history[1]["note"] == "cash at the expo"
    assert history[1]["organisation_id"] == str(seller.organisation_id)
    assert ok(buyer.get(url))["history"] == history

    ledger = ok(buyer.get(f"{url}/ledger"))
    assert ledger["balances"] == {"EUR": 0}
    assert [p["kind"] for p in ledger["postings"]] == ["payment", "platform_fee"]
    payment, fee = ledger["postings"]
    assert [(e["account"], e["amount"]) for e in payment["entries"]] == [
        ("buyer", -20000),
        ("seller", 20000),
    ]
    assert [(e["account"], e["amount"]) for e in fee["entries"]] == [
        ("seller", -500),
        ("platform_fees", 500),
    ]
    events = outbox_types(any_client)
    # the steps' events (the handover worker may have added its order.animal_transferred)
    order_events = [e for e in events if e.startswith("order.") and "animal_transfer" not in e]
    assert order_events == ["order.placed", "order.paid", "order.handed_over", "order.completed"]
    assert events.count("listing.state_changed") == 2  # on hold, sold


def test_cancelling_or_refunding_releases_the_listing_and_reverses_the_money(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(12345, "USD")
    first = ok(buyer.order(listing["id"]), 201)
    assert ok(buyer.post(f"/orders/{first['id']}/cancel"))["state"] == "cancelled"
    assert listing_state(any_client, listing) == "available"
    assert ok(buyer.get(f"/orders/{first['id']}/ledger"))["postings"] == []

    second = ok(buyer.order(listing["id"]), 201)  # ordered again
    url = f"/orders/{second['id']}"
    # the seller cannot take the listing back while an order holds it
    held = seller.patch(f"/marketplace/listings/{listing['id']}", json={"state": "available"})
    assert held.status_code == 409
    assert seller.delete(f"/marketplace/listings/{listing['id']}").status_code == 409
    ok(seller.post(f"{url}/paid"))
    assert buyer.post(f"{url}/refund").status_code == 403
    assert ok(seller.post(f"{url}/refund"))["state"] == "refunded"
    assert listing_state(any_client, listing) == "available"
    ledger = ok(seller.get(f"{url}/ledger"))
    assert [p["kind"] for p in ledger["postings"]] == [
        "payment",
        "platform_fee",
        "refund",
        "fee_refund",
    ]
    assert ledger["balances"] == {"USD": 0}
    per_account: dict[str, int] = {}
    for posting in ledger["postings"]:
        for entry in posting["entries"]:
            per_account[entry["account"]] = per_account.get(entry["account"], 0) + entry["amount"]
    assert set(per_account.values()) == {0}  # everyone is back where they started


def test_only_the_parties_see_or_move_an_order(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(1000)
    order = ok(buyer.order(listing["id"]), 201)
    stranger = Trader(any_client, uuid.uuid4())
    url = f"/orders/{order['id']}"
    for response in (
        stranger.get(url),
        stranger.get(f"{url}/ledger"),
        stranger.post(f"{url}/cancel"),
        stranger.post(f"{url}/paid"),
        stranger.post(f"{url}/refund"),
    ):
        assert response.status_code == 404, response.text
    assert ok(stranger.get("/orders"))["total"] == 0
    assert any_client.get(url).status_code == 401
    viewer = Trader(any_client, seller.organisation_id, role="viewer")
    assert viewer.get(url).status_code == 200  # viewers read
    assert viewer.post(f"{url}/paid").status_code == 403  # but do not trade
    assert viewer.post(f"{url}/refund").status_code == 403
    assert ok(seller.get("/orders", params={"role": "seller"}))["total"] == 1
    assert ok(seller.get("/orders", params={"role": "buyer"}))["total"] == 0
    assert ok(buyer.get("/orders", params={"role": "buyer", "state": "pending"}))["total"] == 1
    assert ok(buyer.get("/orders", params={"state": "paid"}))["total"] == 0


def test_listings_that_cannot_be_ordered(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    draft = seller.list_animal(1000, publish=False)
    assert buyer.order(draft["id"]).status_code == 404
    assert buyer.order(uuid.uuid4()).status_code == 404
    own = buyer.list_animal(1000)
    assert buyer.order(own["id"]).status_code == 422  # one's own listing
    listing = seller.list_animal(1000)
    ok(seller.patch(f"/marketplace/listings/{listing['id']}", json={"state": "on_hold"}))
    assert buyer.order(listing["id"]).status_code == 409  # reserved by the seller
    viewer = Trader(any_client, buyer.organisation_id, role="viewer")
    assert viewer.order(listing["id"]).status_code == 403
