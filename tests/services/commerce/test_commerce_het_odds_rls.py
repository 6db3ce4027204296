"""Row-level security of the animals' kept pedigree carrier odds (``animal_het_odds``,
migration ``commerce_0021``), as repti-commerce's non-owner role: the service's consumer keeps
an organisation's odds and shows them on its listing through that role; directly, an
organisation reads and changes only its own animals' odds and writes none for another."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client
from test_commerce_animal_follow import publish
from test_commerce_het_odds import gene, het_odds_event

from reptidex.services.kernel.settings import Settings
from rls_mutation import require_policies_needed
from service_database import asyncpg_dsn

TABLES = ("animal_het_odds",)
SCOPE = "SELECT set_config('reptidex.organisation_id', $1, true)"


def test_kept_odds_under_row_level_security(
    make_settings: Callable[..., Settings], app_role_url: str, postgres_database: str
) -> None:
    animals = FakeAnimals()
    settings = make_settings(commerce_database_url=app_role_url, outbox_poll_interval="3600")
    with commerce_client(settings, animals) as client:
        seller = Trader(client, uuid.uuid4(), animals)
        stranger = Trader(client, uuid.uuid4(), animals)
        listing = seller.list_animal(possible_hets=(("Clown", "1/2"),))
        animal_id = listing["animal"]["animal_id"]
        publish(client, het_odds_event(seller.organisation_id, animal_id, [gene("Clown", "2/3")]))
        shown = seller.get(f"/marketplace/listings/{listing['id']}").json()["animal"]
        assert shown["possible_hets"][0]["probability"] == "2/3"
    parties = (seller.organisation_id, stranger.organisation_id)
    asyncio.run(_direct(app_role_url, *parties))
    result = asyncio.run(
        require_policies_needed(
            postgres_database, lambda: _direct(app_role_url, *parties), tables=TABLES
        )
    )
    # the policy's USING and WITH CHECK, and the table under RLS: all killed
    assert (len(result.killed), result.survived) == (3, []), result


async def _count(connection: asyncpg.Connection) -> int:
    value: int = await connection.fetchval("SELECT count(*) FROM animal_het_odds")
    return value


INSERT = (
    "INSERT INTO animal_het_odds (id, organisation_id, animal_id, species, genes, computed_at, "
    "created_at, updated_at) VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'ball_python', "
    "'[]', now(), now(), now())"
)


async def _direct(url: str, seller: uuid.UUID, stranger: uuid.UUID) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        role = await connection.fetchrow(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        assert (role["rolsuper"], role["rolbypassrls"]) == (False, False)
        assert await _count(connection) == 0  # no organisation: nothing
        for organisation, seen in ((seller, 1), (stranger, 0)):
            transaction = connection.transaction()
            await transaction.start()
            await connection.execute(SCOPE, str(organisation))
            assert await _count(connection) == seen, organisation
            changed = await connection.execute("UPDATE animal_het_odds SET species = 'corn'")
            await transaction.rollback()
            assert changed == f"UPDATE {seen}"
        async with connection.transaction():
            await connection.execute(SCOPE, str(stranger))
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level"):
                await connection.execute(INSERT, seller)
        async with connection.transaction():
            await connection.execute(SCOPE, str(seller))
            # its own row, moved to another organisation: refused
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level"):
                await connection.execute(
                    "UPDATE animal_het_odds SET organisation_id = $1", stranger
                )
    finally:
        await connection.close()
