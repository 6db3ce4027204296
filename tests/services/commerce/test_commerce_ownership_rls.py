"""Row-level security of the ownership transfer requests, as repti-commerce's non-owner role:
the app completes an order and its worker carries out the request through that role; directly,
the parties read the request, nobody else does, only the worker updates it, and nobody inserts
one for an order of others."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, RecordingHandover, Trader, commerce_client
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.commerce.workers import OwnershipTransferWorker
from reptidex.adapters.sql.engine import create_engine
from reptidex.services.commerce.wiring import CommerceUnitsOfWork
from reptidex.services.kernel.settings import Settings
from rls_mutation import require_policies_needed
from service_database import asyncpg_dsn

TABLES = ("ownership_transfer",)
WORKER = "SELECT set_config('reptidex.worker', 'ownership_transfer', true)"


def _carry_out(url: str, handover: RecordingHandover) -> int:
    async def one_pass() -> int:
        engine = create_engine(url)
        try:
            units = CommerceUnitsOfWork(async_sessionmaker(engine, expire_on_commit=False))
            later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
            return await OwnershipTransferWorker(
                units.open_worker, handover, clock=lambda: later
            ).run_once()
        finally:
            await engine.dispose()

    return asyncio.run(one_pass())


def test_transfer_requests_under_row_level_security(
    make_settings: Callable[..., Settings], app_role_url: str, postgres_database: str
) -> None:
    animals = FakeAnimals()
    settings = make_settings(commerce_database_url=app_role_url, outbox_poll_interval="3600")
    with commerce_client(settings, animals) as client:
        seller = Trader(client, uuid.uuid4(), animals)
        buyer = Trader(client, uuid.uuid4(), animals)
        stranger = Trader(client, uuid.uuid4(), animals)
        listing = seller.list_animal(1000)
        order_id = buyer.order(listing["id"]).json()["id"]
        for who, step in ((seller, "paid"), (seller, "handed-over"), (buyer, "completed")):
            assert who.post(f"/orders/{order_id}/{step}").status_code == 200
        assert buyer.get(f"/orders/{order_id}/animal-transfer").json()["status"] == "pending"
        assert stranger.get(f"/orders/{order_id}/animal-transfer").status_code == 404
        handover = RecordingHandover()
        assert _carry_out(app_role_url, handover) == 1
        assert [str(r.order_id) for r in handover.done] == [order_id]
        assert seller.get(f"/orders/{order_id}/animal-transfer").json()["status"] == "done"
    parties = (seller.organisation_id, buyer.organisation_id, stranger.organisation_id)
    asyncio.run(_direct(app_role_url, *parties))
    # every policy is needed: loosened in turn (or RLS off), each fails the checks
    result = asyncio.run(
        require_policies_needed(
            postgres_database, lambda: _direct(app_role_url, *parties), tables=TABLES
        )
    )
    # 3 policy expressions (migration 0006) and the table under RLS, all killed
    assert (len(result.killed), result.survived) == (4, []), result


async def _count(connection: asyncpg.Connection) -> int:
    value: int = await connection.fetchval("SELECT count(*) FROM ownership_transfer")
    return value


async def _direct(url: str, seller: uuid.UUID, buyer: uuid.UUID, stranger: uuid.UUID) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        role = await connection.fetchrow(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        assert (role["rolsuper"], role["rolbypassrls"]) == (False, False)
        assert await _count(connection) == 0  # no organisation, no worker: nothing
        for organisation, seen in ((seller, 1), (buyer, 1), (stranger, 0)):
            async with connection.transaction():
                await connection.execute(
                    "SELECT set_config('reptidex.organisation_id', $1, true)", str(organisation)
                )
                assert await _count(connection) == seen, organisation
                # a party may not rewrite the request (only the worker does)
                changed = await connection.execute(
                    "UPDATE ownership_transfer SET status = 'pending'"
                )
                assert changed == "UPDATE 0"
                assert await connection.execute("DELETE FROM ownership_transfer") == "DELETE 0"
        worker = connection.transaction()
        await worker.start()
        await connection.execute(WORKER)
        assert await _count(connection) == 1
        assert await connection.execute("DELETE FROM ownership_transfer") == "DELETE 0"
        changed = await connection.execute("UPDATE ownership_transfer SET attempts = 9")
        await worker.rollback()
        assert changed == "UPDATE 1"
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(stranger)
            )
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level"):
                await connection.execute(
                    "INSERT INTO ownership_transfer (id, order_id, listing_id, animal_id, "
                    "seller_organisation_id, buyer_organisation_id, requested_at, status, "
                    "attempts, created_at, updated_at) VALUES (gen_random_uuid(), "
                    "gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), $1, $2, now(), "
                    "'pending', 0, now(), now())",
                    seller,
                    buyer,
                )
    finally:
        await connection.close()
