"""Tenant isolation of payments and payout accounts in PostgreSQL, as the service's non-owner
role: a Stripe sale through the API (webhooks find their payment only by the reference they
carry), then connecting as the role: each organisation reads its own payments and accounts,
a buyer its pending order's seller's account, a webhook's transaction the one payment or
account of its reference, and nobody changes another's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import asyncpg
from commerce_testkit import FEE_BASIS_POINTS, FakeAnimals, Trader, commerce_client
from payment_standins import StripeStandIn, signed_stripe_event
from payment_testkit import STRIPE_ACCOUNT, make_sale, payment_settings
from test_commerce_rls import _as, _count, _outcome
from test_commerce_stripe_payments import ok

from paypal_stand_in import PayPalStandIn
from reptidex.services.kernel.settings import Settings
from rls_mutation import require_policies_needed
from service_database import asyncpg_dsn

PAYMENT_TABLES = ("commerce_payment", "commerce_payout_account")


def test_payments_are_isolated_through_the_api_and_directly(
    make_settings: Callable[..., Settings],
    app_role_url: str,
    postgres_database: str,
    stripe: StripeStandIn,
    paypal: PayPalStandIn,
) -> None:
    animals = FakeAnimals()
    settings = payment_settings(
        make_settings, stripe.base, paypal.base, commerce_database_url=app_role_url
    )
    with commerce_client(settings, animals, fee_basis_points=FEE_BASIS_POINTS) as client:
        sale = make_sale(client, animals, 10000)
        payment = sale.pay("stripe")
        session = stripe.complete(payment["reference"])
        event = signed_stripe_event("checkout.session.completed", session)
        hook = client.post("/transactions/webhooks/stripe", content=event[0], headers=event[1])
        assert ok(hook)["outcome"] == "applied"
        ok(sale.seller.post(f"/transactions/{payment['id']}/refunds", json={"amount": 1000}))
        payout = {"id": "po_1", "object": "payout", "amount": 4000, "currency": "eur"}
        event = signed_stripe_event("payout.paid", payout, account=STRIPE_ACCOUNT)
        hook = client.post("/transactions/webhooks/stripe", content=event[0], headers=event[1])
        assert ok(hook)["outcome"] == "applied"
        assert ok(sale.seller.get("/transactions/ledger"))["balances"] == {"EUR": 0}
        stranger = Trader(client, uuid.uuid4())
        assert stranger.get(f"/transactions/{payment['id']}").status_code == 404
        assert ok(stranger.get("/transactions/ledger"))["postings"] == []
        # a second buyer with a pending order of the seller may read its account to pay
        second = make_sale(client, animals, 500, seller=sale.seller)
        assert second.pay("paypal")["status"] == "created"

    async def checks() -> None:
        await _direct_checks(
            app_role_url,
            sale.seller.organisation_id,
            sale.buyer.organisation_id,
            second.buyer.organisation_id,
            stranger.organisation_id,
            payment["reference"],
        )

    asyncio.run(checks())
    # every policy of the payments' tables is needed: loosened in turn, each fails the checks
    result = asyncio.run(require_policies_needed(postgres_database, checks, tables=PAYMENT_TABLES))
    # 7 policy expressions (migration 0005) and 2 tables under RLS, all killed
    assert (len(result.killed), result.survived) == (9, []), result


async def _direct_checks(
    url: str,
    seller: uuid.UUID,
    buyer: uuid.UUID,
    pending_buyer: uuid.UUID,
    stranger: uuid.UUID,
    reference: str,
) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        # no organisation: nothing (the handled webhook ids are the platform's, no tenant's)
        assert await _count(connection, "commerce_payment") == 0
        assert await _count(connection, "commerce_payout_account") == 0
        assert await _count(connection, "commerce_handled_notice") == 2
        expected = {
            # organisation: (payments, payout accounts)
            seller: (2, 2),
            buyer: (1, 0),  # its order is paid: the seller's accounts are no longer its to read
            pending_buyer: (1, 2),  # a pending order: it may pay into the seller's accounts
            stranger: (0, 0),
        }
        for organisation, counts in expected.items():
            async with connection.transaction():
                await _as(connection, organisation)
                found = (
                    await _count(connection, "commerce_payment"),
                    await _count(connection, "commerce_payout_account"),
                )
                assert found == counts, organisation
        # a webhook's transaction finds the one payment and account of its reference
        for value, counts in ((reference, (1, 0)), (STRIPE_ACCOUNT, (0, 1)), ("cs_x", (0, 0))):
            async with connection.transaction():
                await connection.execute(
                    "SELECT set_config('reptidex.provider_reference', $1, true)", value
                )
                found = (
                    await _count(connection, "commerce_payment"),
                    await _count(connection, "commerce_payout_account"),
                )
                assert found == counts, value
        await _writes(connection, seller, buyer, pending_buyer, stranger, reference)
    finally:
        await connection.close()


async def _writes(
    connection: asyncpg.Connection,
    seller: uuid.UUID,
    buyer: uuid.UUID,
    pending_buyer: uuid.UUID,
    stranger: uuid.UUID,
    reference: str,
) -> None:
    """Each write a party may make, and the ones nobody may (each rolled back)."""
    elsewhere = uuid.uuid4()
    payment = (
        "INSERT INTO commerce_payment (id, order_id, provider, seller_organisation_id, "
        "buyer_organisation_id, amount, currency, fee_amount, status, reference, "
        "approval_url, refunded, fee_refunded, version, created_at, updated_at) VALUES "
        "(gen_random_uuid(), gen_random_uuid(), 'stripe', $1, $2, 1, 'EUR', 0, 'created', "
        "'cs_forged', 'https://x', 0, 0, 1, now(), now())"
    )
    account = (
        "INSERT INTO commerce_payout_account (id, organisation_id, provider, account, "
        "created_at, updated_at) VALUES (gen_random_uuid(), $1, 'stripe', 'acct_evil', "
        "now(), now())"
    )
    for organisation, statement, args, outcome in (
        # a payment is inserted by its buyer only
        (buyer, payment, (seller, buyer), "INSERT 0 1"),
        (stranger, payment, (seller, buyer), "refused"),
        # a party never hands a payment to an organisation outside it (no WHERE: the new
        # row is then checked by the update's policy alone, not by the read policy too)
        (buyer, "UPDATE commerce_payment SET buyer_organisation_id = $1", (elsewhere,), "refused"),
        (seller, "UPDATE commerce_payment SET refunded = refunded", (), "UPDATE 2"),
        # an account for the own organisation only (one with none yet: one per provider)
        (elsewhere, account, (elsewhere,), "INSERT 0 1"),
        (stranger, account, (elsewhere,), "refused"),
        (
            seller,
            "UPDATE commerce_payout_account SET organisation_id = $1",
            (elsewhere,),
            "refused",
        ),
        # the buyer reads the seller's account but does not change it
        (pending_buyer, "UPDATE commerce_payout_account SET account = 'acct_mine'", (), "UPDATE 0"),
    ):
        assert await _outcome(connection, organisation, statement, *args) == outcome, statement
    # reading by reference is not changing: the stranger changes nothing
    for statement, outcome in (
        ("UPDATE commerce_payment SET refunded = 0", "UPDATE 0"),
        ("DELETE FROM commerce_payout_account", "DELETE 0"),
    ):
        transaction = connection.transaction()
        await transaction.start()
        try:
            await connection.execute(
                "SELECT set_config('reptidex.provider_reference', $1, true)", reference
            )
            assert await _outcome(connection, stranger, statement) == outcome, statement
        finally:
            await transaction.rollback()
