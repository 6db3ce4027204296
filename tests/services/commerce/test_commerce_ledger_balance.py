"""The ledger sums to zero in each currency after payments, platform fees, partial refunds
and payouts through the API, in two currencies and through both providers; and each account
holds what the sequence moved."""

from __future__ import annotations

from commerce_testkit import FEE_BASIS_POINTS, FakeAnimals
from litestar import Litestar
from litestar.testing import TestClient
from payment_standins import StripeStandIn, signed_stripe_event
from payment_testkit import STRIPE_ACCOUNT, make_sale
from test_commerce_stripe_payments import ok

from paypal_stand_in import PayPalStandIn, signed_paypal_event


def fee_of(price: int) -> int:
    return (price * FEE_BASIS_POINTS + 5_000) // 10_000


def test_the_ledger_sums_to_zero_per_currency(
    pay_client: TestClient[Litestar],
    pay_animals: FakeAnimals,
    stripe: StripeStandIn,
    paypal: PayPalStandIn,
) -> None:
    # EUR through Stripe: payment and fee, a partial refund, a payout
    euros = make_sale(pay_client, pay_animals, 30001)
    card = euros.pay("stripe")
    session = stripe.complete(card["reference"])
    event = signed_stripe_event("checkout.session.completed", session)
    pay_client.post("/transactions/webhooks/stripe", content=event[0], headers=event[1])
    ok(euros.seller.post(f"/transactions/{card['id']}/refunds", json={"amount": 10001}))
    payout = {"id": "po_1", "object": "payout", "amount": 15000, "currency": "eur"}
    event = signed_stripe_event("payout.paid", payout, account=STRIPE_ACCOUNT)
    ok(pay_client.post("/transactions/webhooks/stripe", content=event[0], headers=event[1]))
    # JPY through PayPal, by the same seller to another buyer: paid, partly refunded
    yen = make_sale(pay_client, pay_animals, 12345, "JPY", seller=euros.seller)
    wallet = yen.pay("paypal")
    paypal.approve(wallet["reference"])
    approved = signed_paypal_event("CHECKOUT.ORDER.APPROVED", {"id": wallet["reference"]})
    ok(pay_client.post("/transactions/webhooks/paypal", content=approved[0], headers=approved[1]))
    ok(yen.seller.post(f"/transactions/{wallet['id']}/refunds", json={"amount": 345}))

    eur_fee = fee_of(30001)  # 750
    eur_fee_back = (2 * eur_fee * 10001 + 30001) // (2 * 30001)  # 250
    book = ok(euros.seller.get("/transactions/ledger"))
    assert book["balances"] == {"EUR": 0, "JPY": 0}
    kinds = [p["kind"] for p in book["postings"]]
    assert kinds == [
        "payment", "platform_fee", "refund", "fee_refund", "payout",
        "payment", "platform_fee", "refund", "fee_refund",
    ]  # fmt: skip
    accounts: dict[tuple[str, str], int] = {}
    for posting in book["postings"]:
        for entry in posting["entries"]:
            key = (entry["currency"], entry["account"])
            accounts[key] = accounts.get(key, 0) + entry["amount"]
    yen_fee = fee_of(12345)  # 309 yen
    yen_fee_back = (2 * yen_fee * 345 + 12345) // (2 * 12345)  # 9 yen
    assert {k: v for k, v in accounts.items() if k[0] == "JPY"} == {
        ("JPY", "buyer"): -(12345 - 345),
        ("JPY", "seller"): 12345 - yen_fee - 345 + yen_fee_back,
        ("JPY", "platform_fees"): yen_fee - yen_fee_back,
    }
    assert {k[1]: v for k, v in accounts.items() if k[0] == "EUR"} == {
        "buyer": -(30001 - 10001),
        "seller": 30001 - eur_fee - 10001 + eur_fee_back - 15000,
        "platform_fees": eur_fee - eur_fee_back,
        "payouts": 15000,
    }
    assert ok(euros.buyer.get("/transactions/ledger"))["balances"] == {"EUR": 0}
    assert ok(yen.buyer.get("/transactions/ledger"))["balances"] == {"JPY": 0}


def test_the_yen_sale_balances_in_yen(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals, paypal: PayPalStandIn
) -> None:
    sale = make_sale(pay_client, pay_animals, 12345, "JPY")
    wallet = sale.pay("paypal")
    paypal.approve(wallet["reference"])
    assert ok(sale.buyer.post(f"/transactions/{wallet['id']}/capture"))["status"] == "succeeded"
    ok(sale.seller.post(f"/transactions/{wallet['id']}/refunds", json={"amount": 345}))
    book = ok(sale.seller.get("/transactions/ledger"))
    assert book["balances"] == {"JPY": 0}
    fee = fee_of(12345)  # 309 yen
    fee_back = (2 * fee * 345 + 12345) // (2 * 12345)  # 9 yen
    seller = sum(
        e["amount"] for p in book["postings"] for e in p["entries"] if e["account"] == "seller"
    )
    assert seller == 12345 - fee - 345 + fee_back
