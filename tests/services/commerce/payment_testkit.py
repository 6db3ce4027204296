"""Fixtures and helpers of the payment tests: repti-commerce configured for Stripe and PayPal
against their local stand-ins, on SQLite and PostgreSQL, and a sale ready to pay."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from commerce_testkit import FEE_BASIS_POINTS, FakeAnimals, Trader, commerce_client
from litestar import Litestar
from litestar.testing import TestClient
from payment_standins import STRIPE_KEY, STRIPE_WEBHOOK_SECRET, StripeStandIn

from paypal_stand_in import PAYPAL_CLIENT, PAYPAL_WEBHOOK_ID, PayPalStandIn
from reptidex.services.kernel.settings import Settings

STRIPE_ACCOUNT = "acct_1SellerTest"
PAYPAL_MERCHANT = "SELLERMERCH23"
URLS = {"return_url": "https://reptidex.test/paid", "cancel_url": "https://reptidex.test/cart"}


def payment_settings(
    make_settings: Callable[..., Settings], stripe: str, paypal: str, **more: str
) -> Settings:
    """Settings that turn both providers on, against the stand-ins."""
    return make_settings(
        stripe_secret_key=STRIPE_KEY,
        stripe_api_base=stripe,
        commerce_stripe_webhook_secret=STRIPE_WEBHOOK_SECRET,
        paypal_client_id=PAYPAL_CLIENT[0],
        paypal_client_secret=PAYPAL_CLIENT[1],
        paypal_webhook_id=PAYPAL_WEBHOOK_ID,
        paypal_api_base=paypal,
        **more,
    )


@pytest.fixture
def stripe() -> Iterator[StripeStandIn]:
    with StripeStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def paypal() -> Iterator[PayPalStandIn]:
    with PayPalStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def pay_animals() -> FakeAnimals:
    """The sellers' animals of ``pay_client``."""
    return FakeAnimals()


@pytest.fixture(params=["sqlite", "postgres"])
def pay_client(
    request: pytest.FixtureRequest,
    make_settings: Callable[..., Settings],
    stripe: StripeStandIn,
    paypal: PayPalStandIn,
    pay_animals: FakeAnimals,
) -> Iterator[TestClient[Litestar]]:
    """repti-commerce with both providers, on SQLite and on PostgreSQL."""
    database = {}
    if request.param == "postgres":
        database["commerce_database_url"] = request.getfixturevalue("postgres_database")
    settings = payment_settings(make_settings, stripe.base, paypal.base, **database)
    with commerce_client(settings, pay_animals, fee_basis_points=FEE_BASIS_POINTS) as client:
        yield client


@dataclass
class Sale:
    """A seller (an admin, with payout accounts), a buyer and the buyer's pending order."""

    seller: Trader
    buyer: Trader
    order: dict[str, Any]

    def pay(self, provider: str) -> dict[str, Any]:
        """The buyer starts paying through ``provider``; the payment."""
        response = self.buyer.post(
            "/transactions", json={"order_id": self.order["id"], "provider": provider, **URLS}
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def make_sale(
    client: TestClient[Litestar],
    animals: FakeAnimals,
    price: int = 20000,
    currency: str = "EUR",
    seller: Trader | None = None,
    **listing: Any,
) -> Sale:
    """A listing ordered by a new buyer, of ``seller`` or of a new seller with a Stripe and a
    PayPal account."""
    buyer = Trader(client, uuid.uuid4(), animals)
    accounts = () if seller else (("stripe", STRIPE_ACCOUNT), ("paypal", PAYPAL_MERCHANT))
    seller = seller or Trader(client, uuid.uuid4(), animals, role="admin")
    for provider, account in accounts:
        put = client.put(
            f"/transactions/payout-accounts/{provider}",
            json={"account": account},
            headers=seller.headers,
        )
        assert put.status_code == 200, put.text
    item = seller.list_animal(price, currency, **listing)
    order = buyer.order(item["id"])
    assert order.status_code == 201, order.text
    return Sale(seller, buyer, order.json())
