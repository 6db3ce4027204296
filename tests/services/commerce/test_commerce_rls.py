"""Tenant isolation in PostgreSQL: repti-commerce as a non-owner role under row-level security.

First through the API with the service connected as that role (it must scope every
transaction itself), then by connecting as the role directly: an organisation reads the public
listings, its own, and the orders and ledger entries it is party to, and changes nothing else.
Every policy is needed: loosened one at a time (``rls_mutation``), each fails the direct checks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.services.kernel.settings import load_settings
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn


@dataclass(frozen=True)
class Market:
    """A seller's listings, a buyer's orders and a stranger, written through the API."""

    owner_url: str
    role_url: str
    seller: uuid.UUID
    buyer: uuid.UUID
    stranger: uuid.UUID

    async def checks(self) -> None:
        """The direct checks on this data."""
        await _direct_checks(self.role_url, self.seller, self.buyer, self.stranger)


@pytest.fixture(scope="module")
def market(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Market]:
    """The module's data, set up once; the API's isolation is asserted on the way."""
    with non_owner_database(postgres_server, "commerce") as (owner_url, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "REPTIDEX_LOG_FORMAT": "json",
                "REPTIDEX_COMMERCE_DATABASE_URL": role_url,
            }
        )
        animals = FakeAnimals()
        with commerce_client(settings, animals, fee_basis_points=100) as client:
            seller, buyer, stranger = _trade_through_the_api(client, animals)
        yield Market(owner_url, role_url, seller, buyer, stranger)


def test_isolation_through_the_api_and_directly(market: Market) -> None:
    asyncio.run(market.checks())


def test_every_policy_is_needed(market: Market) -> None:
    result = asyncio.run(
        require_policies_needed(
            market.owner_url,
            market.checks,
            tables=MARKETPLACE_TABLES,
            equivalent={STEP_PORT_CHECK: STEP_PORT_CHECK_REASON},
        )
    )
    # 15 policy expressions (migration 0004), the expiry worker's 3 on listing (0007), the GDPR
    # port's 9 on listing, orders and steps (0010) and 5 tables under RLS: all killed but one
    assert (len(result.killed), result.survived) == (31, [STEP_PORT_CHECK]), result


STEP_PORT_CHECK = "commerce_order_step_personal_data_update WITH CHECK (true)"
STEP_PORT_CHECK_REASON = (
    "no other policy lets a step be updated, so every row an update reaches passed the port's "
    "USING, which is the same test as its WITH CHECK: the port's transaction setting"
)


def _trade_through_the_api(
    client: TestClient[Litestar], animals: FakeAnimals
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A completed sale, a cancelled order, a draft and an open listing, through the API."""
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
    return seller.organisation_id, buyer.organisation_id, stranger.organisation_id


COUNTED = ("listing", "commerce_order", "commerce_order_step", "ledger_entry", "idempotency_key")
# the tables these checks cover (migration 0004); the payments' tests cover theirs
MARKETPLACE_TABLES = COUNTED


async def _as(connection: asyncpg.Connection, organisation: uuid.UUID | None) -> None:
    if organisation is not None:
        await connection.execute(
            "SELECT set_config('reptidex.organisation_id', $1, true)", str(organisation)
        )


async def _count(connection: asyncpg.Connection, table: str) -> int:
    value: int = await connection.fetchval(f"SELECT count(*) FROM {table}")
    return value


async def _refused(
    connection: asyncpg.Connection, organisation: uuid.UUID, statement: str, *args: Any
) -> None:
    assert await _outcome(connection, organisation, statement, *args) == "refused", statement


async def _outcome(
    connection: asyncpg.Connection, organisation: uuid.UUID | None, statement: str, *args: Any
) -> str:
    """What ``statement`` does in a transaction of ``organisation`` (``None``: of none),
    rolled back: its status (``UPDATE 0``), or ``refused`` by row-level security."""
    transaction = connection.transaction()
    await transaction.start()
    try:
        await _as(connection, organisation)
        try:
            status: str = await connection.execute(statement, *args)
        except asyncpg.InsufficientPrivilegeError as exc:
            return "refused" if "row-level security" in str(exc) else f"denied: {exc}"
        return status
    finally:
        await transaction.rollback()


def _copy(table: str, **changes: str) -> str:
    """An INSERT of a copy of the first row of ``table`` the transaction reads, with a new id
    and ``changes`` (column: SQL expression)."""
    fields = ", ".join(f"'{column}', {value}" for column, value in changes.items())
    return (
        f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, to_jsonb(t) || "
        f"jsonb_build_object('id', gen_random_uuid(){', ' if fields else ''}{fields}))).* "
        f"FROM (SELECT * FROM {table} LIMIT 1) t"
    )


async def _direct_checks(
    url: str, seller: uuid.UUID, buyer: uuid.UUID, stranger: uuid.UUID
) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await assert_row_security_applies(connection, "listing")
        await _reads(connection, seller, buyer, stranger)
        await _writes(connection, seller, buyer, stranger)
        # the setting is per transaction: it does not leak into the next one
        assert await connection.fetchval("SELECT count(*) FROM commerce_order") == 0
    finally:
        await connection.close()


async def _reads(
    connection: asyncpg.Connection, seller: uuid.UUID, buyer: uuid.UUID, stranger: uuid.UUID
) -> None:
    """Public listings for everyone; the own listings, orders, steps, ledger entries and keys."""
    # no organisation: the public listings only, nothing of orders, ledger or keys
    titles = {r["title"] for r in await connection.fetch("SELECT title FROM listing")}
    assert titles == {"Sold one", "Still open", "Held"}
    for table in COUNTED[1:]:
        assert await connection.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    expected = {
        # organisation: (listings, orders, steps, ledger entries, idempotency keys)
        seller: (4, 2, 6, 4, 0),
        buyer: (3, 2, 6, 4, 2),
        stranger: (3, 0, 0, 0, 0),
    }
    for organisation, counts in expected.items():
        async with connection.transaction():
            await _as(connection, organisation)
            found = [await connection.fetchval(f"SELECT count(*) FROM {t}") for t in COUNTED]
            assert tuple(found) == counts, organisation


async def _writes(
    connection: asyncpg.Connection, seller: uuid.UUID, buyer: uuid.UUID, stranger: uuid.UUID
) -> None:
    """Each write a party may make, and the ones nobody may."""
    elsewhere = uuid.uuid4()
    ledger_entry = (
        "INSERT INTO ledger_entry (id, posting_id, posting_kind, seller_organisation_id, "
        "account_kind, currency, amount, posting_number, position, posted_at, created_at, "
        "updated_at) VALUES (gen_random_uuid(), gen_random_uuid(), 'payout', $1, 'seller', "
        "'EUR', 1, 1, 0, now(), now(), now())"
    )
    idempotency_key = (
        "INSERT INTO idempotency_key (id, organisation_id, key, fingerprint, order_id, "
        "created_at, updated_at) VALUES (gen_random_uuid(), $1, 'k', 'f', gen_random_uuid(), "
        "now(), now())"
    )
    for organisation, statement, args, outcome in (
        # a stranger changes, removes, or takes none of the listings it reads
        (stranger, "UPDATE listing SET title = 'stolen'", (), "UPDATE 0"),
        (stranger, "DELETE FROM listing WHERE title = 'Still open'", (), "DELETE 0"),
        (stranger, "UPDATE commerce_order SET state = 'cancelled'", (), "UPDATE 0"),
        # the ledger and the history are append-only, even for a party
        (buyer, "UPDATE ledger_entry SET amount = 0", (), "UPDATE 0"),
        (buyer, "DELETE FROM ledger_entry", (), "DELETE 0"),
        (buyer, "DELETE FROM commerce_order_step", (), "DELETE 0"),
        (buyer, "UPDATE commerce_order_step SET note = 'rewritten'", (), "UPDATE 0"),
        (buyer, "DELETE FROM commerce_order", (), "DELETE 0"),
        (buyer, "DELETE FROM idempotency_key", (), "DELETE 2"),
        # the buyer writes the listings it ordered, but not others', nor drafts
        (buyer, "UPDATE listing SET title = title", (), "UPDATE 2"),
        # a buyer never makes a listing it ordered its own
        (
            buyer,
            "UPDATE listing SET organisation_id = $1 WHERE title = 'Held'",
            (buyer,),
            "refused",
        ),
        # a listing is inserted into the own organisation only
        (seller, _copy("listing", title="'Copy'"), (), "INSERT 0 1"),
        (stranger, _copy("listing"), (), "refused"),
        # only the buyer places an order: a seller cannot order for someone else
        (buyer, _copy("commerce_order", state="'cancelled'"), (), "INSERT 0 1"),
        (seller, _copy("commerce_order", state="'cancelled'"), (), "refused"),
        # a party never hands an order to an organisation outside it (no WHERE: the new row
        # is then checked by the update's policy alone, not by the read policy too)
        (buyer, "UPDATE commerce_order SET buyer_organisation_id = $1", (elsewhere,), "refused"),
        # a party records a step as itself only
        (buyer, _copy("commerce_order_step", organisation_id="$1::uuid"), (buyer,), "INSERT 0 1"),
        (buyer, _copy("commerce_order_step", organisation_id="$1::uuid"), (seller,), "refused"),
        # nobody posts to a ledger of an order it is no party to
        (seller, ledger_entry, (seller,), "INSERT 0 1"),
        (stranger, ledger_entry, (seller,), "refused"),
        (stranger, idempotency_key, (stranger,), "INSERT 0 1"),
        (stranger, idempotency_key, (buyer,), "refused"),
        # a key stays its organisation's
        (buyer, "UPDATE idempotency_key SET organisation_id = $1", (elsewhere,), "refused"),
    ):
        assert await _outcome(connection, organisation, statement, *args) == outcome, statement
