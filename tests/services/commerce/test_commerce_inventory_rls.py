"""Supplies and reservations under row-level security, as repti-commerce's non-owner role:
first through the API (the service scopes every transaction itself), then by connecting as
the role. Anyone reads the supplies; a seller writes its own; the parties read a reservation,
a buyer inserts one only as itself, a party releases it and only the seller confirms it; the
expiry worker reads the held and expired ones and expires held ones only; repti-ops' GDPR port
pseudonymises users in both. A buyer moves a
seller's counts only through its reservations (the triggers of migration ``commerce_0011``),
never by writing the supply. Every policy is needed: loosened in turn (``rls_mutation``), each
fails the direct checks."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.commerce.workers import ReservationExpiryWorker
from reptidex.adapters.sql.engine import create_engine
from reptidex.services.commerce.wiring import CommerceUnitsOfWork
from reptidex.services.kernel.settings import load_settings
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn, run_sql

TABLES = ("supply", "supply_reservation")


@dataclass(frozen=True)
class Stockroom:
    """A seller's supplies, a buyer's reservations of them and a stranger, made through the
    API as the role."""

    owner_url: str
    role_url: str
    seller: uuid.UUID
    buyer: uuid.UUID
    stranger: uuid.UUID
    feeders: uuid.UUID

    async def checks(self) -> None:
        """The direct checks on this data."""
        await _direct_checks(self)


@pytest.fixture(scope="module")
def stockroom(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stockroom]:
    """The module's data, set up once; the API's answers are asserted on the way."""
    with non_owner_database(postgres_server, "commerce") as (owner_url, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "REPTIDEX_LOG_FORMAT": "json",
                "REPTIDEX_COMMERCE_DATABASE_URL": role_url,
            }
        )
        with commerce_client(settings, FakeAnimals()) as client:
            seller, buyer, stranger, feeders = _trade_through_the_api(client, role_url)
        yield Stockroom(owner_url, role_url, seller, buyer, stranger, feeders)


def _trade_through_the_api(
    client: TestClient[Litestar], role_url: str
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    """Two supplies; reservations held, confirmed, released and expired; read as each side."""
    seller = Trader(client, uuid.uuid4())
    buyer = Trader(client, uuid.uuid4())
    stranger = Trader(client, uuid.uuid4())
    body = {"name": "Feeders", "kind": "feeder", "unit_price": {"amount": 90, "currency": "EUR"}}
    feeders = seller.post("/inventory/supplies", json={**body, "stock": 6}).json()
    tank = {**body, "name": "Tank", "kind": "enclosure", "stock": 1}
    assert seller.post("/inventory/supplies", json=tank).status_code == 201
    path = f"/inventory/supplies/{feeders['id']}/reservations"

    def reserve(quantity: int, minutes: int) -> str:
        made = buyer.post(path, json={"quantity": quantity, "hold_minutes": minutes})
        assert made.status_code == 201, made.text
        reservation_id: str = made.json()["id"]
        return reservation_id

    reserve(2, 10080)  # stays held
    confirmed, released = reserve(1, 60), reserve(1, 60)
    reserve(1, 1)  # expired below
    assert seller.post(f"/inventory/reservations/{confirmed}/confirm").status_code == 200
    assert buyer.post(f"/inventory/reservations/{released}/release").status_code == 200
    assert stranger.post(f"/inventory/reservations/{released}/release").status_code == 404
    assert buyer.patch(f"/inventory/supplies/{feeders['id']}", json={"stock": 50}).status_code == (
        404
    )
    assert _expire(role_url, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)) == 1
    shown = client.get(f"/inventory/supplies/{feeders['id']}").json()
    assert (shown["stock"], shown["available"], shown["reserved"]) == (5, 3, 2)
    assert buyer.get("/inventory/reservations").json()["total"] == 4
    assert seller.get("/inventory/reservations").json()["total"] == 4
    assert stranger.get("/inventory/reservations").json()["total"] == 0
    inventory = client.get(f"/inventory/{seller.organisation_id}").json()
    assert inventory["supplies"]["total"] == 2
    assert seller.get(f"/inventory/{seller.organisation_id}").json()["animals"]["draft"] == 0
    return (
        seller.organisation_id,
        buyer.organisation_id,
        stranger.organisation_id,
        uuid.UUID(feeders["id"]),
    )


def _expire(url: str, at: dt.datetime) -> int:
    async def one_pass() -> int:
        engine = create_engine(url)
        try:
            units = CommerceUnitsOfWork(async_sessionmaker(engine, expire_on_commit=False))
            worker = ReservationExpiryWorker(units.open_reservation_expiry, clock=lambda: at)
            return await worker.run_once()
        finally:
            await engine.dispose()

    return asyncio.run(one_pass())


def test_isolation_through_the_api_and_directly(stockroom: Stockroom) -> None:
    asyncio.run(stockroom.checks())


OWNERS_ONLY = (
    "for the owner of the trigger functions only (the role that migrates), which alone runs "
    "with reptidex.supply_counts on: the checks run as the service's role, which it does not "
    "admit; test_the_owner_moves_counts_only_through_the_trigger_functions loosens it as the owner"
)


def test_every_policy_is_needed(stockroom: Stockroom) -> None:
    result = asyncio.run(
        require_policies_needed(
            stockroom.owner_url,
            stockroom.checks,
            tables=TABLES,
            equivalent={
                "supply_counts USING (true)": OWNERS_ONLY,
                "supply_counts WITH CHECK (true)": OWNERS_ONLY,
            },
        )
    )
    # 15 policy expressions (migration 0011, the GDPR port's among them; supply_read admits
    # everyone: nothing to loosen) and 2 tables under RLS, all killed; the owner's policy of
    # migration 0019 (2 expressions) is proven as the owner below
    assert (len(result.killed), len(result.survived)) == (17, 2), result
    assert result.admitting == ["supply_read"]


def test_the_owner_moves_counts_only_through_the_trigger_functions(stockroom: Stockroom) -> None:
    """``supply`` is FORCEd: its owner, when it is no superuser, is bound by the policies too.
    A buyer's reservation still moves the seller's counts (the trigger functions run as the
    owner with ``reptidex.supply_counts`` on), while the owner's own updates outside them
    move nothing; without the owner's policy the reservation fails."""
    owner = f"owner_{uuid.uuid4().hex[:10]}"
    name = stockroom.owner_url.rsplit("/", 1)[1]
    handover = [
        f"CREATE ROLE {owner} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
        f'GRANT ALL ON DATABASE "{name}" TO {owner}',
        *(f"ALTER TABLE {table} OWNER TO {owner}" for table in TABLES),
        *(f"ALTER FUNCTION {f} OWNER TO {owner}" for f in TRIGGER_FUNCTIONS),
        f"ALTER POLICY supply_counts ON supply TO {owner}",
    ]
    back = [
        "ALTER POLICY supply_counts ON supply TO postgres",
        *(f"ALTER FUNCTION {f} OWNER TO postgres" for f in TRIGGER_FUNCTIONS),
        *(f"ALTER TABLE {table} OWNER TO postgres" for table in TABLES),
        f'REVOKE ALL ON DATABASE "{name}" FROM {owner}',
        f"DROP ROLE {owner}",
    ]
    asyncio.run(run_sql(stockroom.owner_url, *handover))
    try:
        owner_url = f"postgresql+asyncpg://{owner}:pw@{stockroom.owner_url.split('@', 1)[1]}"
        asyncio.run(_owner_checks(stockroom, owner_url))
    finally:
        asyncio.run(run_sql(stockroom.owner_url, *back))


TRIGGER_FUNCTIONS = ("commerce_supply_hold()", "commerce_supply_settle()")


async def _owner_checks(room: Stockroom, owner_url: str) -> None:
    counts = f"SELECT available, reserved, sold FROM supply WHERE id = '{room.feeders}'"
    reserve = (room.feeders, room.seller, room.buyer, 1, "held")
    role = await asyncpg.connect(asyncpg_dsn(room.role_url))
    owner = await asyncpg.connect(asyncpg_dsn(owner_url))
    try:
        assert await _outcome(role, room.buyer, RESERVE, *reserve, then=counts) == (
            "INSERT 0 1",
            (2, 3, 1),
        )
        held = "UPDATE supply_reservation SET status = 'released' WHERE status = 'held'"
        assert await _outcome(role, room.buyer, held, then=counts) == ("UPDATE 1", (5, 0, 1))
        restock = "UPDATE supply SET available = available + 100"
        assert await _outcome(owner, None, restock) == "UPDATE 0"  # FORCE binds the owner
        assert await _outcome(owner, room.buyer, restock) == "UPDATE 0"
        # the flag is the owner's key, but only the functions set it: the role gains nothing
        flagged = "SELECT set_config('reptidex.supply_counts', 'on', true)"
        assert await _outcome(role, room.buyer, f"{flagged}; {restock}") == "UPDATE 0"
        await owner.execute("ALTER POLICY supply_counts ON supply USING (false)")
        try:
            assert await _outcome(role, room.buyer, RESERVE, *reserve) == (
                "check: insufficient_stock"
            )
        finally:
            await owner.execute(
                "ALTER POLICY supply_counts ON supply "
                "USING (current_setting('reptidex.supply_counts', true) = 'on')"
            )
    finally:
        await role.close()
        await owner.close()


async def _outcome(
    connection: asyncpg.Connection,
    organisation: uuid.UUID | None,
    statement: str,
    *args: Any,
    worker: str | None = None,
    then: str | None = None,
) -> Any:
    """What ``statement`` does in a transaction of ``organisation`` (and of a ``worker``:
    ``inventory_expiry``, ``personal_data``), rolled back: its status (``UPDATE 0``), ``refused`` by row-level
    security, or the reason a trigger or constraint refused it; with ``then``, that query's
    first row after the statement."""
    transaction = connection.transaction()
    await transaction.start()
    try:
        if organisation is not None:
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(organisation)
            )
        if worker is not None:
            await connection.execute("SELECT set_config('reptidex.worker', $1, true)", worker)
        try:
            status: str = await connection.execute(statement, *args)
        except asyncpg.InsufficientPrivilegeError as exc:
            return "refused" if "row-level security" in str(exc) else f"denied: {exc}"
        except asyncpg.CheckViolationError as exc:
            return f"check: {exc.constraint_name or exc.args[0]}"
        if then is not None:
            return status, tuple(await connection.fetchrow(then))
        return status
    finally:
        await transaction.rollback()


RESERVE = (
    "INSERT INTO supply_reservation (id, supply_id, seller_organisation_id, "
    "buyer_organisation_id, supply_name, unit_price_amount, currency, quantity, status, "
    "reserved_at, expires_at, created_at, updated_at) VALUES (gen_random_uuid(), $1, $2, $3, "
    "'Feeders', 90, 'EUR', $4, $5, now(), now() + interval '1 hour', now(), now())"
)
SUPPLY = (
    "INSERT INTO supply (id, organisation_id, name, kind, unit_price_amount, currency, "
    "available, reserved, sold, created_at, updated_at) VALUES (gen_random_uuid(), $1, 'Mine', "
    "'other', 100, 'EUR', 1, 0, 0, now(), now())"
)


async def _direct_checks(room: Stockroom) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(room.role_url))
    try:
        await assert_row_security_applies(connection, "supply")
        await assert_row_security_applies(connection, "supply_reservation")
        await _reads(connection, room)
        await _supply_writes(connection, room)
        await _reservation_writes(connection, room)
    finally:
        await connection.close()


async def _reads(connection: asyncpg.Connection, room: Stockroom) -> None:
    """Everyone reads the supplies; the parties their reservations; the worker the held and
    expired ones."""

    async def count(organisation: uuid.UUID | None, table: str, worker: str | None = None) -> int:
        statuses = await _outcome(
            connection,
            organisation,
            "SELECT 1",
            worker=worker,
            then=f"SELECT count(*) FROM {table}",
        )
        found: int = statuses[1][0]
        return found

    for organisation in (None, room.seller, room.buyer, room.stranger):
        assert await count(organisation, "supply") == 2, organisation
    expected = {room.seller: 4, room.buyer: 4, room.stranger: 0, None: 0}
    for organisation, reservations in expected.items():
        assert await count(organisation, "supply_reservation") == reservations, organisation
    assert await count(None, "supply_reservation", "inventory_expiry") == 2  # held, expired
    assert await count(None, "supply_reservation", "personal_data") == 4


async def _supply_writes(connection: asyncpg.Connection, room: Stockroom) -> None:
    """A seller writes its own supplies; nobody else writes them at all."""
    seller, buyer, stranger = room.seller, room.buyer, room.stranger
    for organisation, statement, args, outcome in (
        # a stranger can take no supply over, nor a buyer restock one
        (stranger, "UPDATE supply SET organisation_id = $1", (stranger,), "UPDATE 0"),
        (buyer, "UPDATE supply SET available = available + 100", (), "UPDATE 0"),
        (stranger, "DELETE FROM supply", (), "DELETE 0"),
        # the seller writes its own, and never hands one to another organisation
        (seller, "UPDATE supply SET name = name", (), "UPDATE 2"),
        (seller, "UPDATE supply SET organisation_id = $1", (stranger,), "refused"),
        (seller, "DELETE FROM supply WHERE kind = 'enclosure'", (), "DELETE 1"),
        # a supply is inserted into the own organisation only
        (stranger, SUPPLY, (stranger,), "INSERT 0 1"),
        (stranger, SUPPLY, (seller,), "refused"),
        # no count goes below zero
        (seller, "UPDATE supply SET available = -1", (), "check: ck_supply_available"),
    ):
        assert await _outcome(connection, organisation, statement, *args) == outcome, statement


async def _reservation_writes(connection: asyncpg.Connection, room: Stockroom) -> None:
    """A buyer reserves as itself and the counts move with it; parties settle; the worker
    expires; nobody deletes."""
    seller, buyer, stranger, feeders = room.seller, room.buyer, room.stranger, room.feeders
    counts = f"SELECT available, reserved, sold FROM supply WHERE id = '{feeders}'"
    assert await _outcome(connection, None, "SELECT 1", then=counts) == ("SELECT 1", (3, 2, 1))
    held = "UPDATE supply_reservation SET status = $1 WHERE status = 'held'"
    for organisation, statement, args, outcome in (
        # a buyer's reservation takes its units from the seller's supply, and only that
        (stranger, RESERVE, (feeders, seller, stranger, 3, "held"), ("INSERT 0 1", (0, 5, 1))),
        (buyer, held, ("released",), ("UPDATE 1", (5, 0, 1))),
        (seller, held, ("confirmed",), ("UPDATE 1", (3, 0, 3))),
        (None, "UPDATE supply_reservation SET status = 'expired'", (), ("UPDATE 1", (5, 0, 1))),
    ):
        worker = "inventory_expiry" if organisation is None else None
        found = await _outcome(
            connection, organisation, statement, *args, worker=worker, then=counts
        )
        assert found == outcome, statement
    for organisation, statement, args, refusal in (
        # a reservation only as oneself, never of one's own supply, never more than there is
        (stranger, RESERVE, (feeders, seller, buyer, 1, "held"), "refused"),
        (seller, RESERVE, (feeders, seller, seller, 1, "held"), "refused"),
        (stranger, RESERVE, (feeders, seller, stranger, 4, "held"), "check: insufficient_stock"),
        (
            stranger,
            RESERVE,
            (feeders, seller, stranger, 1, "confirmed"),
            "check: a reservation starts held",
        ),
        # a stranger does not reach the others' reservations (no WHERE: the update's own
        # policies alone decide which rows it finds)
        (stranger, "UPDATE supply_reservation SET status = 'released'", (), "UPDATE 0"),
        (stranger, "UPDATE supply_reservation SET status = 'expired'", (), "UPDATE 0"),
        # the buyer releases but never confirms; a settled reservation never moves again
        (buyer, held, ("confirmed",), "refused"),
        (
            seller,
            "UPDATE supply_reservation SET status = 'released' WHERE status = 'confirmed'",
            (),
            "UPDATE 0",
        ),
        (buyer, "UPDATE supply_reservation SET quantity = 1", (), "check: reservation_settled"),
        (buyer, "DELETE FROM supply_reservation", (), "DELETE 0"),
        (seller, "DELETE FROM supply_reservation", (), "DELETE 0"),
    ):
        assert await _outcome(connection, organisation, statement, *args) == refusal, statement
    # the worker expires held reservations only
    expire_held = "UPDATE supply_reservation SET status = $1 WHERE status = 'held'"
    assert await _outcome(connection, None, expire_held, "released", worker="inventory_expiry") == (
        "refused"
    )
    # the GDPR port puts a pseudonym in place of a user everywhere, and moves no stock
    for statement, status in (
        ("UPDATE supply_reservation SET buyer_user_id = gen_random_uuid()", "UPDATE 4"),
        ("UPDATE supply SET created_by = gen_random_uuid()", "UPDATE 2"),
    ):
        found = await _outcome(connection, None, statement, worker="personal_data", then=counts)
        assert found == (status, (3, 2, 1)), statement
    # the triggers' functions are the database's: nobody calls them
    denied = await _outcome(connection, buyer, "SELECT commerce_supply_hold()")
    assert str(denied).startswith("denied: permission denied for function"), denied
