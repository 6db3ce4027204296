"""repti-commerce's audit records, on SQLite and PostgreSQL: each marketplace change stages its
record (who, what, the changed fields before and after) in the outbox of the change's own
transaction, so a change and its record commit together or not at all."""

from __future__ import annotations

from typing import Any

from commerce_testkit import FakeAnimals, Trader, outbox_events
from litestar import Litestar
from litestar.testing import TestClient
from payment_standins import StripeStandIn, signed_stripe_event
from payment_testkit import make_sale

from reptidex.domain.audit import AUDIT_EVENT


def records(client: TestClient[Litestar]) -> list[dict[str, Any]]:
    """The audit records in repti-commerce's outbox, oldest first."""
    return [payload for kind, payload in outbox_events(client) if kind == AUDIT_EVENT]


def of(client: TestClient[Litestar], kind: str) -> list[dict[str, Any]]:
    """The records of one kind of resource, as (action, before, after, organisation)."""
    return [r for r in records(client) if r["resource_kind"] == kind]


def test_a_listing_and_its_order_are_recorded_step_by_step(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(20000, title="Pastel het Clown")
    changed = any_client.patch(
        f"/marketplace/listings/{listing['id']}",
        json={"price": {"amount": 18000, "currency": "EUR"}},
        headers={**seller.headers, "X-Request-ID": "req-price-1"},
    )
    assert changed.status_code == 200, changed.text
    order = buyer.order(listing["id"]).json()
    paid = seller.post(f"/orders/{order['id']}/paid", json={"note": "cash at the expo"})
    assert paid.status_code == 200, paid.text

    created, repriced, held = of(any_client, "listing")
    assert {r["service"] for r in (created, repriced, held)} == {"commerce"}
    assert (created["action"], created["resource_id"]) == ("created", listing["id"])
    assert created["before"] == {}
    assert created["after"]["title"] == "Pastel het Clown"
    assert created["after"]["price_amount"] == 20000
    assert created["after"]["status"] == "available"
    assert created["organisation_id"] == str(seller.organisation_id)
    assert created["actor_id"] is not None
    assert repriced["action"] == "updated"
    assert repriced["request_id"] == "req-price-1"
    assert repriced["before"] == {"price": {"amount": 20000, "currency": "EUR"}}
    assert repriced["after"] == {"price": {"amount": 18000, "currency": "EUR"}}
    # the buyer's order puts the seller's listing on hold: the seller's trail, the buyer's act
    assert held["action"] == "state_changed"
    assert (held["before"], held["after"]) == ({"state": "available"}, {"state": "on_hold"})
    assert held["organisation_id"] == str(seller.organisation_id)
    assert held["actor_id"] != created["actor_id"]

    placed, marked = of(any_client, "order")
    assert (placed["action"], placed["resource_id"]) == ("place", order["id"])
    assert placed["organisation_id"] == str(buyer.organisation_id)
    assert placed["after"]["status"] == "pending"
    assert placed["after"]["price_amount"] == 18000
    assert placed["after"]["seller_organisation_id"] == str(seller.organisation_id)
    assert marked["action"] == "mark_paid"
    assert marked["organisation_id"] == str(seller.organisation_id)
    assert marked["before"] == {"status": "pending"}
    assert marked["after"] == {"status": "paid", "note": "cash at the expo"}


def test_a_refused_change_leaves_no_record(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(20000)
    assert buyer.order(listing["id"]).status_code == 201
    before = records(any_client)
    assert Trader(any_client, buyer.organisation_id).order(listing["id"]).status_code == 409
    refused = seller.patch(f"/marketplace/listings/{listing['id']}", json={"title": "New"})
    assert refused.status_code == 409  # on hold: its order must end first
    assert records(any_client) == before


def test_a_deleted_listing_is_recorded_with_what_it_was(
    seller: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(20000, publish=False, title="Draft")
    assert seller.delete(f"/marketplace/listings/{listing['id']}").status_code == 204
    deleted = of(any_client, "listing")[-1]
    assert (deleted["action"], deleted["after"]) == ("deleted", {})
    assert deleted["before"]["title"] == "Draft"
    assert deleted["before"]["status"] == "draft"


def test_inquiries_are_recorded_without_their_text(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(20000)
    path = f"/marketplace/listings/{listing['id']}/inquiries"
    inquiry = buyer.post(path, json={"message": "Is he feeding on f/t?"}).json()
    answered = seller.post(
        f"/marketplace/inquiries/{inquiry['id']}/answer", json={"answer": "Yes, weekly."}
    )
    assert answered.status_code == 200, answered.text
    asked, answer = of(any_client, "inquiry")
    assert (asked["action"], asked["organisation_id"]) == ("created", str(buyer.organisation_id))
    assert asked["withheld"] == ["message"]
    assert "message" not in asked["after"]
    assert asked["after"]["listing_id"] == listing["id"]
    assert (answer["action"], answer["organisation_id"]) == (
        "answered",
        str(seller.organisation_id),
    )
    assert answer["withheld"] == ["answer"]
    assert set(answer["after"]) == {"answered_at"}
    text = str(records(any_client))
    assert "f/t" not in text
    assert "weekly" not in text


def test_a_profile_is_recorded_created_then_with_what_changed(
    seller: Trader, any_client: TestClient[Litestar]
) -> None:
    path = f"/marketplace/sellers/{seller.organisation_id}"
    first = {"display_name": "Sunny Scales", "country": "DE"}
    assert any_client.put(path, json=first, headers=seller.headers).status_code == 200
    second = {"display_name": "Sunny Scales", "country": "AT"}
    assert any_client.put(path, json=second, headers=seller.headers).status_code == 200
    created, updated = of(any_client, "seller_profile")
    assert (created["action"], created["resource_id"]) == ("created", str(seller.organisation_id))
    assert created["after"]["display_name"] == "Sunny Scales"
    assert (updated["action"], updated["before"], updated["after"]) == (
        "updated",
        {"country": "DE"},
        {"country": "AT"},
    )


def test_payments_and_payout_accounts_are_recorded(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals, stripe: StripeStandIn
) -> None:
    sale = make_sale(pay_client, pay_animals, 20000)
    payment = sale.pay("stripe")
    body, headers = signed_stripe_event(
        "checkout.session.completed", stripe.complete(payment["reference"])
    )
    handled = pay_client.post("/transactions/webhooks/stripe", content=body, headers=headers)
    assert handled.status_code == 200, handled.text

    stripe_account, paypal_account = of(pay_client, "payout_account")
    assert stripe_account["resource_id"] == f"{sale.seller.organisation_id}/stripe"
    assert (stripe_account["action"], stripe_account["after"]) == (
        "created",
        {"account": "acct_1SellerTest", "status": "enabled"},
    )
    assert paypal_account["resource_id"] == f"{sale.seller.organisation_id}/paypal"
    started, succeeded = of(pay_client, "payment")
    assert (started["action"], started["resource_id"]) == ("started", payment["id"])
    assert started["organisation_id"] == str(sale.buyer.organisation_id)
    assert started["after"]["amount_amount"] == 20000
    assert started["after"]["fee_amount"] == 500
    assert started["after"]["status"] == "created"
    # the provider's report: no user acted; recorded on the seller's side
    assert (succeeded["action"], succeeded["actor_id"]) == ("succeeded", None)
    assert succeeded["organisation_id"] == str(sale.seller.organisation_id)
    assert succeeded["before"]["status"] == "created"
    assert succeeded["after"]["status"] == "succeeded"
    paid = [r for r in of(pay_client, "order") if r["action"] == "mark_paid"]
    assert [r["after"]["status"] for r in paid] == ["paid"]
