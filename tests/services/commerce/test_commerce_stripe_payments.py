"""Payments through Stripe Connect against the local stand-in, on SQLite and PostgreSQL: the
destination charge with the platform's fee, who may pay and refund, webhooks verified and
handled once, partial and full refunds, payouts, and the ledger of each step."""

from __future__ import annotations

import time
import uuid
from typing import Any

from commerce_testkit import FEE_BASIS_POINTS, FakeAnimals, Trader
from litestar import Litestar
from litestar.testing import TestClient
from payment_standins import StripeStandIn, signed_stripe_event
from payment_testkit import STRIPE_ACCOUNT, URLS, make_sale
from test_commerce_listings_api import outbox_types

PRICE = 20000
FEE = PRICE * FEE_BASIS_POINTS // 10_000  # 500


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def webhook(client: TestClient[Litestar], body: bytes, headers: dict[str, str]) -> Any:
    return client.post("/transactions/webhooks/stripe", content=body, headers=headers)


def completed(
    stripe: StripeStandIn, payment: dict[str, Any], **signing: Any
) -> tuple[bytes, dict[str, str]]:
    session = stripe.complete(payment["reference"])
    return signed_stripe_event("checkout.session.completed", session, **signing)


def account_balances(client: TestClient[Litestar], trader: Trader) -> dict[str, int]:
    """The trader's view of the ledger: each account kind's balance (EUR)."""
    totals: dict[str, int] = {}
    for posting in ok(trader.get("/transactions/ledger"))["postings"]:
        for entry in posting["entries"]:
            totals[entry["account"]] = totals.get(entry["account"], 0) + entry["amount"]
    return totals


def test_a_checkout_is_a_destination_charge_with_the_platform_fee(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals, stripe: StripeStandIn
) -> None:
    sale = make_sale(pay_client, pay_animals, PRICE)
    assert ok(pay_client.get("/transactions/providers")) == {"providers": ["stripe", "paypal"]}
    payment = sale.pay("stripe")
    assert payment["status"] == "created"
    assert payment["amount"]["amount"] == PRICE
    assert payment["platform_fee"]["amount"] == FEE
    assert payment["approval_url"].startswith("https://checkout.stripe.test/")
    sent = stripe.requests[-1].body
    assert sent["payment_intent_data[transfer_data][destination]"] == STRIPE_ACCOUNT
    assert sent["payment_intent_data[on_behalf_of]"] == STRIPE_ACCOUNT
    assert sent["payment_intent_data[application_fee_amount]"] == str(FEE)
    assert sent["line_items[0][price_data][unit_amount]"] == str(PRICE)
    assert sent["line_items[0][price_data][currency]"] == "eur"
    assert sent["payment_intent_data[metadata][payment_id]"] == payment["id"]
    # a repeat returns the open payment; the seller may not pay, a stranger sees nothing
    again = sale.buyer.post(
        "/transactions", json={"order_id": sale.order["id"], "provider": "stripe", **URLS}
    )
    assert ok(again)["id"] == payment["id"]
    body = {"order_id": sale.order["id"], "provider": "stripe", **URLS}
    problem(sale.seller.post("/transactions", json=body), 403)
    stranger = Trader(pay_client, uuid.uuid4())
    problem(stranger.post("/transactions", json=body), 404)
    problem(stranger.get(f"/transactions/{payment['id']}"), 404)
    viewer = Trader(pay_client, sale.buyer.organisation_id, role="viewer")
    problem(viewer.post("/transactions", json=body), 403)
    problem(pay_client.post("/transactions", json=body), 401)
    problem(sale.buyer.post("/transactions", json={**body, "return_url": "javascript:x"}), 422)
    assert ok(sale.seller.get(f"/transactions/{payment['id']}"))["id"] == payment["id"]
    assert "transaction.started" in outbox_types(pay_client)


def test_a_seller_without_an_account_is_not_paid_through_the_provider(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals
) -> None:
    seller = Trader(pay_client, uuid.uuid4(), pay_animals)
    buyer = Trader(pay_client, uuid.uuid4(), pay_animals)
    order = ok(buyer.order(seller.list_animal(1000)["id"]), 201)
    body = {"order_id": order["id"], "provider": "stripe", **URLS}
    problem(buyer.post("/transactions", json=body), 409)
    # naming a payout account takes an admin and an id of the provider's shape
    put = "/transactions/payout-accounts/stripe"
    problem(pay_client.put(put, json={"account": "acct_1X"}, headers=seller.headers), 403)
    admin = Trader(pay_client, seller.organisation_id, role="admin")
    problem(pay_client.put(put, json={"account": "not-an-acct"}, headers=admin.headers), 422)
    assert ok(pay_client.put(put, json={"account": "acct_1X"}, headers=admin.headers))
    other = Trader(pay_client, uuid.uuid4(), role="admin")
    problem(pay_client.put(put, json={"account": "acct_1X"}, headers=other.headers), 409)
    assert admin.get("/transactions/payout-accounts").json() == [
        {"provider": "stripe", "account": "acct_1X", "status": "enabled"}
    ]
    assert ok(buyer.post("/transactions", json=body), 201)["status"] == "created"


def test_the_webhook_pays_the_order_once_and_refunds_move_the_money_back(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals, stripe: StripeStandIn
) -> None:
    sale = make_sale(pay_client, pay_animals, PRICE)
    payment = sale.pay("stripe")
    order_url = f"/orders/{sale.order['id']}"
    url = f"/transactions/{payment['id']}"
    body, headers = completed(stripe, payment)
    # forged, tampered, stale or unsigned: 400 and nothing happens
    forged = signed_stripe_event("x", {}, secret="whsec_other")[1]
    problem(webhook(pay_client, body, forged), 400)
    problem(webhook(pay_client, body.replace(b"paid", b"PAID"), headers), 400)
    stale = completed(stripe, payment, timestamp=int(time.time()) - 301)
    problem(webhook(pay_client, *stale), 400)
    problem(webhook(pay_client, body, {"Content-Type": "application/json"}), 400)
    assert ok(sale.buyer.get(order_url))["state"] == "pending"
    # signed: the order is paid, with the payment and the fee posted; a redelivery is a no-op
    assert ok(webhook(pay_client, body, headers)) == {"received": True, "outcome": "applied"}
    assert ok(webhook(pay_client, body, headers))["outcome"] == "duplicate"
    order = ok(sale.buyer.get(order_url))
    assert order["state"] == "paid"
    assert order["history"][-1]["note"] == "paid through stripe"
    paid = ok(sale.buyer.get(url))
    assert paid["status"] == "succeeded"
    assert paid["charge_reference"].startswith("pi_")
    ledger = ok(sale.seller.get(f"{order_url}/ledger"))
    assert [p["kind"] for p in ledger["postings"]] == ["payment", "platform_fee"]
    # a capture after the webhook changes nothing
    assert ok(sale.buyer.post(f"{url}/capture"))["status"] == "succeeded"
    # the provider holds the money: an offline refund would leave the buyer unpaid
    offline = sale.seller.post(f"{order_url}/refund", json={"note": "paid back in cash"})
    problem(offline, 409)
    assert f"/transactions/{payment['id']}/refunds" in offline.json()["detail"]
    assert ok(sale.buyer.get(order_url))["state"] == "paid"
    # refunds: the seller's, within what is left
    problem(sale.buyer.post(f"{url}/refunds", json={"amount": 100}), 403)
    problem(sale.seller.post(f"{url}/refunds", json={"amount": PRICE + 1}), 422)
    problem(sale.seller.post(f"{url}/refunds", json={"amount": 0}), 422)
    part = ok(sale.seller.post(f"{url}/refunds", json={"amount": 5000}))
    assert part["status"] == "partially_refunded"
    assert (part["refunded"]["amount"], part["fee_refunded"]["amount"]) == (5000, 125)
    sent = stripe.requests[-1].body
    assert sent["reverse_transfer"] == "true"
    assert sent["refund_application_fee"] == "true"
    assert ok(sale.buyer.get(order_url))["state"] == "paid"
    # Stripe's charge.refunded for the same refund reports the running total: no second move
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": paid["charge_reference"],
        "amount_refunded": 5000,
        "currency": "eur",
    }
    assert (
        ok(webhook(pay_client, *signed_stripe_event("charge.refunded", charge)))["outcome"]
        == "applied"
    )
    assert ok(sale.buyer.get(url))["refunded"]["amount"] == 5000
    # the rest, reported first by the webhook: the answer of the API does not count it twice
    stripe.intents[paid["charge_reference"]]["refunded"] = PRICE
    charge["amount_refunded"] = PRICE
    ok(webhook(pay_client, *signed_stripe_event("charge.refunded", charge)))
    refunded = ok(sale.buyer.get(url))
    assert refunded["status"] == "refunded"
    assert (refunded["refunded"]["amount"], refunded["fee_refunded"]["amount"]) == (PRICE, FEE)
    problem(sale.seller.post(f"{url}/refunds", json={"amount": 1}), 409)
    order = ok(sale.buyer.get(order_url))
    assert order["state"] == "refunded"
    listing = pay_client.get(f"/marketplace/listings/{order['listing_id']}")
    assert ok(listing)["state"] == "available"
    kinds = [p["kind"] for p in ok(sale.seller.get(f"{order_url}/ledger"))["postings"]]
    assert kinds == ["payment", "platform_fee", "refund", "fee_refund", "refund", "fee_refund"]
    balances = account_balances(pay_client, sale.seller)
    assert balances == {"buyer": 0, "seller": 0, "platform_fees": 0}
    events = outbox_types(pay_client)
    assert events.count("transaction.refunded") == 2
    assert "order.refunded" in events


def test_a_full_refund_through_the_api_and_a_payout(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals, stripe: StripeStandIn
) -> None:
    sale = make_sale(pay_client, pay_animals, PRICE)
    payment = sale.pay("stripe")
    url = f"/transactions/{payment['id']}"
    problem(sale.seller.post(f"{url}/refunds"), 409)  # nothing taken yet
    assert ok(sale.buyer.post(f"{url}/capture"))["status"] == "created"  # not paid yet
    stripe.complete(payment["reference"])
    assert ok(sale.buyer.post(f"{url}/capture"))["status"] == "succeeded"
    assert ok(sale.buyer.get(f"/orders/{sale.order['id']}"))["state"] == "paid"
    payout = {"id": "po_1", "object": "payout", "amount": 7000, "currency": "eur"}
    event = signed_stripe_event("payout.paid", payout, account=STRIPE_ACCOUNT)
    assert ok(webhook(pay_client, *event))["outcome"] == "applied"
    assert ok(webhook(pay_client, *event))["outcome"] == "duplicate"
    unknown = signed_stripe_event("payout.paid", payout, account="acct_someone_else")
    assert ok(webhook(pay_client, *unknown))["outcome"] == "ignored"
    balances = account_balances(pay_client, sale.seller)
    assert balances["payouts"] == 7000
    assert balances["seller"] == PRICE - FEE - 7000
    # the whole refund (no amount) refunds the order
    full = ok(sale.seller.post(f"{url}/refunds"))
    assert full["status"] == "refunded"
    assert full["refunded"]["amount"] == PRICE
    assert ok(sale.buyer.get(f"/orders/{sale.order['id']}"))["state"] == "refunded"


def test_without_stripe_keys_payments_are_off_and_offline_sales_work(
    make_settings: Any,
) -> None:
    from commerce_testkit import commerce_client

    animals = FakeAnimals()
    with commerce_client(make_settings(), animals) as client:
        assert ok(client.get("/transactions/providers")) == {"providers": []}
        seller = Trader(client, uuid.uuid4(), animals)
        buyer = Trader(client, uuid.uuid4(), animals)
        order = ok(buyer.order(seller.list_animal(1000)["id"]), 201)
        body = {"order_id": order["id"], "provider": "stripe", **URLS}
        problem(buyer.post("/transactions", json=body), 503)
        problem(client.post("/transactions/webhooks/stripe", content=b"{}"), 503)
        assert ok(seller.post(f"/orders/{order['id']}/paid"))["state"] == "paid"


PUBLIC_TRANSACTION_OPERATIONS = {
    ("get", "/transactions/providers"),
    ("post", "/transactions/webhooks/stripe"),
    ("post", "/transactions/webhooks/paypal"),
}


def test_the_provider_list_and_the_webhooks_are_documented_public(make_settings: Any) -> None:
    """The providers a buyer may choose (shown before sign-in) and the providers' webhooks
    (verified by their signature) take no bearer token, and the document says so; every other
    operation under ``/transactions`` needs one."""
    from commerce_testkit import commerce_client

    with commerce_client(make_settings(), FakeAnimals()) as client:
        paths = client.get("/schema/openapi.json").json()["paths"]
        operations = {
            (method, path): operation
            for path, item in paths.items()
            if path.startswith("/transactions")
            for method, operation in item.items()
            if method in {"get", "post", "put", "patch", "delete"}
        }
        assert set(operations) > PUBLIC_TRANSACTION_OPERATIONS  # and the others
        for key, operation in operations.items():
            if key in PUBLIC_TRANSACTION_OPERATIONS:
                assert "security" not in operation, key
                assert "401" not in operation["responses"], key
            else:
                assert operation["security"] == [{"bearer": []}], key
        assert ok(client.get("/transactions/providers")) == {"providers": []}
