"""Payments through PayPal's Orders v2 API against the local stand-in: the amount as exact
decimal text, one OAuth2 token for many calls, approval and capture, refunds of a capture,
and webhooks verified by PayPal's verify-webhook-signature call."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from commerce_testkit import FakeAnimals, Trader
from litestar import Litestar
from litestar.testing import TestClient
from payment_testkit import PAYPAL_MERCHANT, make_sale
from test_commerce_stripe_payments import ok, problem

from paypal_stand_in import PAYPAL_CLIENT, PAYPAL_WEBHOOK_ID, PayPalStandIn, signed_paypal_event
from reptidex.adapters.payments.paypal_marketplace import (
    PayPalConfig,
    PayPalMarketplace,
    amount_of,
)
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.payment_ports import ProviderUnavailable
from reptidex.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("amount", "currency", "value"),
    [(19999, "EUR", "199.99"), (5, "USD", "0.05"), (500, "JPY", "500"), (150000, "HUF", "1500")],
)
def test_amounts_go_out_as_exact_decimal_text(amount: int, currency: str, value: str) -> None:
    assert amount_of(Money.of(amount, currency)) == {"currency_code": currency, "value": value}


def test_amounts_paypal_cannot_hold_are_refused() -> None:
    with pytest.raises(InvalidInput):
        amount_of(Money.of(150050, "HUF"))  # PayPal takes whole forints
    with pytest.raises(InvalidInput):
        amount_of(Money.of(1000, "KWD"))  # not a PayPal currency


def test_wrong_credentials_get_no_token(paypal: PayPalStandIn) -> None:
    wrong = PayPalMarketplace(PayPalConfig("x", "y", PAYPAL_WEBHOOK_ID, paypal.base))
    with pytest.raises(ProviderUnavailable, match="refused to give a token"):
        asyncio.run(wrong.capture("o", idempotency_key="k"))


def test_tokens_are_reused(paypal: PayPalStandIn) -> None:
    config = PayPalConfig(PAYPAL_CLIENT[0], PAYPAL_CLIENT[1], PAYPAL_WEBHOOK_ID, paypal.base)
    provider = PayPalMarketplace(config)

    async def run() -> None:
        for number in range(3):
            body, headers = signed_paypal_event("OTHER.EVENT", {"n": number})
            await provider.read_notice(body, {k.lower(): v for k, v in headers.items()})

    asyncio.run(run())
    token_calls = [r for r in paypal.requests if r.path == "/v1/oauth2/token"]
    assert len(token_calls) == 1
    assert len(paypal.tokens) == 1


def paypal_webhook(client: TestClient[Litestar], event: tuple[bytes, dict[str, str]]) -> Any:
    return client.post("/transactions/webhooks/paypal", content=event[0], headers=event[1])


def test_a_paypal_sale_approved_captured_and_refunded(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals, paypal: PayPalStandIn
) -> None:
    sale = make_sale(pay_client, pay_animals, 19999)
    payment = sale.pay("paypal")
    assert payment["approval_url"].startswith("https://www.paypal.test/checkoutnow")
    sent = next(r for r in reversed(paypal.requests) if r.path == "/v2/checkout/orders").body
    unit = sent["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "EUR", "value": "199.99"}
    assert unit["payee"] == {"merchant_id": PAYPAL_MERCHANT}
    assert unit["payment_instruction"]["platform_fees"] == [
        {"amount": {"currency_code": "EUR", "value": "5.00"}}  # 2.5 % of 199.99, half up
    ]
    assert unit["custom_id"] == payment["id"]
    url = f"/transactions/{payment['id']}"
    # not approved yet: the capture takes nothing
    assert ok(sale.buyer.post(f"{url}/capture"))["status"] == "created"
    # the approval's webhook: verified by PayPal, then captured
    approved = {"id": payment["reference"], "status": "APPROVED", "purchase_units": []}
    forged = signed_paypal_event("CHECKOUT.ORDER.APPROVED", approved, forge=True)
    problem(paypal_webhook(pay_client, forged), 400)
    stale = signed_paypal_event("CHECKOUT.ORDER.APPROVED", approved, sent=time.time() - 600)
    problem(paypal_webhook(pay_client, stale), 400)
    unsigned = (forged[0], {"Content-Type": "application/json"})
    problem(paypal_webhook(pay_client, unsigned), 400)
    assert ok(sale.buyer.get(f"/orders/{sale.order['id']}"))["state"] == "pending"
    paypal.approve(payment["reference"])
    event = signed_paypal_event("CHECKOUT.ORDER.APPROVED", approved)
    assert ok(paypal_webhook(pay_client, event))["outcome"] == "applied"
    assert ok(paypal_webhook(pay_client, event))["outcome"] == "duplicate"
    paid = ok(sale.buyer.get(url))
    assert paid["status"] == "succeeded"
    assert paid["charge_reference"].startswith("CAP")
    assert ok(sale.buyer.get(f"/orders/{sale.order['id']}"))["state"] == "paid"
    # PayPal's capture-completed report of the same capture changes nothing more
    capture = {
        "id": paid["charge_reference"],
        "status": "COMPLETED",
        "custom_id": payment["id"],
        "supplementary_data": {"related_ids": {"order_id": payment["reference"]}},
    }
    completed = signed_paypal_event("PAYMENT.CAPTURE.COMPLETED", capture)
    assert ok(paypal_webhook(pay_client, completed))["outcome"] == "duplicate"
    # a partial refund, then PayPal's report of it with the running total
    part = ok(sale.seller.post(f"{url}/refunds", json={"amount": 4999}))
    assert part["refunded"]["amount"] == 4999
    assert part["status"] == "partially_refunded"
    refund_sent = paypal.requests[-1]
    assert refund_sent.body == {"amount": {"currency_code": "EUR", "value": "49.99"}}
    assert refund_sent.headers["paypal-request-id"].startswith("refund-")
    reported = {
        "id": "REF1",
        "status": "COMPLETED",
        "amount": {"currency_code": "EUR", "value": "49.99"},
        "custom_id": payment["id"],
        "seller_payable_breakdown": {
            "total_refunded_amount": {"currency_code": "EUR", "value": "49.99"}
        },
        "links": [
            {"rel": "up", "href": f"{paypal.base}/v2/payments/captures/{paid['charge_reference']}"}
        ],
    }
    refunded = signed_paypal_event("PAYMENT.CAPTURE.REFUNDED", reported)
    assert ok(paypal_webhook(pay_client, refunded))["outcome"] == "applied"
    assert ok(sale.buyer.get(url))["refunded"]["amount"] == 4999
    rest = ok(sale.seller.post(f"{url}/refunds"))
    assert rest["status"] == "refunded"
    assert rest["fee_refunded"]["amount"] == 500
    assert ok(sale.buyer.get(f"/orders/{sale.order['id']}"))["state"] == "refunded"
    assert ok(sale.seller.get("/transactions/ledger"))["balances"] == {"EUR": 0}


def test_a_currency_paypal_does_not_take_is_refused_before_anything_is_stored(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals
) -> None:
    sale = make_sale(pay_client, pay_animals, 1000, "KWD")
    body = {"order_id": sale.order["id"], "provider": "paypal"}
    urls = {"return_url": "https://r.test/a", "cancel_url": "https://r.test/b"}
    problem(sale.buyer.post("/transactions", json={**body, **urls}), 422)
    assert ok(sale.buyer.get(f"/orders/{sale.order['id']}"))["state"] == "pending"


def test_a_merchant_id_paypal_never_issues_is_refused(pay_client: TestClient[Litestar]) -> None:
    admin = Trader(pay_client, uuid.uuid4(), role="admin")
    put = "/transactions/payout-accounts/paypal"
    # PayPal's account ids are 13 of 2-9 and A-Z without I and O
    for wrong in ("SELLERMERCH01", "SELLERMERCHI2", "SELLERMERCHO2", "sellermerch23"):
        problem(pay_client.put(put, json={"account": wrong}, headers=admin.headers), 422)
    assert ok(pay_client.put(put, json={"account": PAYPAL_MERCHANT}, headers=admin.headers))
