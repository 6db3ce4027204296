"""Tenant isolation in PostgreSQL: repti-commerce as a non-owner role under row-level security.

First through the API with the service connected as that role (it must scope every
transaction itself), then by connecting as the role directly: an organisation reads the public
listings, its own, and the orders and ledger entries it is party to, and changes nothing else.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, Trader, asyncpg_url, commerce_client

from reptidex.services.kernel.settings import Settings


def test_isolation_through_the_api_and_directly(
    make_settings: Callable[..., Settings], app_role_url: str
) -> None:
    animals = FakeAnimals()
    settings = make_settings(commerce_database_url=app_role_url)
    with commerce_client(settings, animals, fee_basis_points=100) as client:
        seller = Trader(client, uuid.uuid4(), animals)
        buyer = Trader(client, uuid.uuid4(), animals)
        stranger = Trader(client, uuid.uuid4(), animals)
        sold = seller.list_animal(10000, title="Sold one")
        seller.list_animal(500, publish=False, title="Secret draft")
        seller.list_animal(700, title="Still open")
        order = buyer.order(sold["id"], key="k1")
        assert order.status_code == 201, order.text
        order_id = order.json()["id"]
        assert buyer.order(sold["id"], key="k1").status_code == 200
        for who, step in ((seller, "paid"), (seller, "handed-over"), (buyer, "completed")):
            assert who.post(f"/orders/{order_id}/{step}").status_code == 200
        assert client.get(f"/marketplace/listings/{sold['id']}").json()["state"] == "sold"
        assert client.get("/marketplace/listings").json()["total"] == 1
        assert seller.get("/marketplace/seller/listings").json()["total"] == 3
        assert stranger.get(f"/orders/{order_id}").status_code == 404
        assert buyer.get(f"/orders/{order_id}/ledger").json()["balances"] == {"EUR": 0}
        assert len(seller.get(f"/orders/{order_id}").json()["history"]) == 4
        # a listing an order holds is released by the buyer's cancel, under the policies
        held = seller.list_animal(800, title="Held")
        second = buyer.order(held["id"])
        assert second.status_code == 201, second.text
        assert buyer.post(f"/orders/{second.json()['id']}/cancel").status_code == 200
        assert client.get(f"/marketplace/listings/{held['id']}").json()["state"] == "available"

    asyncio.run(
        _direct_checks(
            app_role_url, seller.organisation_id, buyer.organisation_id, stranger.organisation_id
        )
    )


async def _count(connection: asyncpg.Connection, table: str) -> int:
    value: int = await connection.fetchval(f"SELECT count(*) FROM {table}")
    return value


async def _as(connection: asyncpg.Connection, organisation: uuid.UUID | None) -> None:
    if organisation is not None:
        await connection.execute(
            "SELECT set_config('reptidex.organisation_id', $1, true)", str(organisation)
        )


async def _refused(
    connection: asyncpg.Connection, organisation: uuid.UUID, statement: str, *args: Any
) -> None:
    async with connection.transaction():
        await _as(connection, organisation)
        await connection.execute("SAVEPOINT attempt")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level"):
            await connection.execute(statement, *args)
        await connection.execute("ROLLBACK TO SAVEPOINT attempt")


async def _direct_checks(
    url: str, seller: uuid.UUID, buyer: uuid.UUID, stranger: uuid.UUID
) -> None:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        role = await connection.fetchrow(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        assert (role["rolsuper"], role["rolbypassrls"]) == (False, False)
        owner = await connection.fetchval(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'listing'"
        )
        assert owner != await connection.fetchval("SELECT current_user")

        # no organisation: the public listings only, nothing of orders, ledger or keys
        titles = {r["title"] for r in await connection.fetch("SELECT title FROM listing")}
        assert titles == {"Sold one", "Still open", "Held"}
        for table in ("commerce_order", "commerce_order_step", "ledger_entry", "idempotency_key"):
            assert await _count(connection, table) == 0, table

        expected = {
            # organisation: (listings, orders, steps, ledger entries, idempotency keys)
            seller: (4, 2, 6, 4, 0),
            buyer: (3, 2, 6, 4, 2),
            stranger: (3, 0, 0, 0, 0),
        }
        for organisation, counts in expected.items():
            async with connection.transaction():
                await _as(connection, organisation)
                found = tuple(
                    [
                        await _count(connection, t)
                        for t in (
                            "listing",
                            "commerce_order",
                            "commerce_order_step",
                            "ledger_entry",
                            "idempotency_key",
                        )
                    ]
                )
                assert found == counts, organisation

        async with connection.transaction():
            await _as(connection, stranger)
            for statement in (
                "UPDATE listing SET title = 'stolen'",
                "DELETE FROM listing",
                "UPDATE commerce_order SET state = 'cancelled'",
            ):
                assert (await connection.execute(statement)).endswith(" 0"), statement
        async with connection.transaction():
            await _as(connection, buyer)
            # the ledger and the history are append-only, even for a party
            assert await connection.execute("UPDATE ledger_entry SET amount = 0") == "UPDATE 0"
            assert await connection.execute("DELETE FROM ledger_entry") == "DELETE 0"
            assert await connection.execute("DELETE FROM commerce_order_step") == "DELETE 0"
            assert await connection.execute("DELETE FROM commerce_order") == "DELETE 0"
            # the buyer writes the listings it ordered, but not others', nor drafts
            assert await connection.execute("UPDATE listing SET title = title") == "UPDATE 2"

        # a buyer never makes a listing it ordered its own
        await _refused(
            connection, buyer, "UPDATE listing SET organisation_id = $1 WHERE title = 'Held'", buyer
        )
        # a listing is inserted into the own organisation only
        await _refused(
            connection,
            stranger,
            "INSERT INTO listing SELECT (jsonb_populate_record(NULL::listing, to_jsonb(l) "
            "|| jsonb_build_object('id', gen_random_uuid()))).* FROM listing l "
            "WHERE title = 'Still open'",
        )
        # only the buyer places an order: a seller cannot order for someone else
        await _refused(
            connection,
            seller,
            "INSERT INTO commerce_order SELECT (jsonb_populate_record(NULL::commerce_order, "
            "to_jsonb(o) || jsonb_build_object('id', gen_random_uuid(), 'state', 'cancelled'))).* "
            "FROM commerce_order o LIMIT 1",
        )
        # nobody posts to a ledger of an order it is no party to
        await _refused(
            connection,
            stranger,
            "INSERT INTO ledger_entry (id, posting_id, posting_kind, seller_organisation_id, "
            "account_kind, currency, amount, posting_number, position, posted_at, created_at, "
            "updated_at) VALUES (gen_random_uuid(), gen_random_uuid(), 'payout', $1, 'seller', "
            "'EUR', 1, 1, 0, now(), now(), now())",
            seller,
        )
        await _refused(
            connection,
            stranger,
            "INSERT INTO idempotency_key (id, organisation_id, key, fingerprint, order_id, "
            "created_at, updated_at) VALUES (gen_random_uuid(), $1, 'k', 'f', gen_random_uuid(), "
            "now(), now())",
            buyer,
        )
        # the setting is per transaction: it does not leak into the next one
        assert await _count(connection, "commerce_order") == 0
    finally:
        await connection.close()
