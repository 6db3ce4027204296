"""The kept het odds under row-level security in PostgreSQL, as repti-animal's non-owner role.

Through the API first, the service connected as that role: its consumer asks for the
changed families and its upkeep worker reads every organisation's requests and keeps each
organisation's odds (the policies of migration ``animal_0013`` let it). Then by connecting
as the role: an organisation reads and writes its own kept odds and states only; the
worker's setting reads the states that wait for a computation and nothing else; an
organisation asks for another's animals in a family through migration ``animal_0014``'s
function only (granted to the role alone, bounded, saying nothing back), and its setting of
the function's flag gains it nothing; it works for an owner bound by the policies too, and a
buyer's record moves the seller's kept odds through it with the service as the role. Every
policy is needed: loosened one at a time (``rls_mutation``), each fails the direct checks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from animal_testkit import Breeder, animal_client, animal_components, transfer
from test_animal_het_odds_api import record_family
from test_animal_het_odds_kept import eventually, kept, kept_clown

from reptidex.services.kernel.settings import load_settings
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn

TABLES = ("animal_het_odds", "animal_het_odds_state")
WORKER = "worker"


@dataclass(frozen=True)
class KeptOdds:
    """Two organisations' families, their odds kept by the service as the role."""

    owner_url: str
    role_url: str
    alpha: uuid.UUID
    beta: uuid.UUID
    alpha_sire: uuid.UUID
    """Alpha's animal whose state waits for a computation (set as the owner)."""

    async def checks(self) -> None:
        """The direct checks on this data."""
        await _direct_checks(self)


def _settled(breeder: Breeder, animal: dict[str, Any]) -> bool:
    odds = breeder.get(f"/animals/{animal['id']}").json()["het_odds"]
    return odds is not None and odds["up_to_date"] and bool(odds["genes"])


@pytest.fixture(scope="module")
def kept_odds(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeptOdds]:
    with non_owner_database(postgres_server, "animal") as (owner_url, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "REPTIDEX_LOG_FORMAT": "json",
                "REPTIDEX_ANIMAL_DATABASE_URL": role_url,
            }
        )
        with animal_client(settings) as client:
            animal_components(client.app).het_odds_upkeep.delay = dt.timedelta(0)
            alpha, beta = Breeder(client, uuid.uuid4()), Breeder(client, uuid.uuid4())
            families = {}
            for breeder in (alpha, beta):
                family = record_family(breeder)
                breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Clown"})
                families[breeder.organisation_id] = family
            deadline = time.monotonic() + 30
            for breeder in (alpha, beta):
                for animal in families[breeder.organisation_id].values():
                    while not _settled(breeder, animal):
                        assert time.monotonic() < deadline, "the odds were never kept"
                        time.sleep(0.05)
            # neither organisation sees the other's kept odds through the API
            assert (
                beta.get(f"/animals/{families[alpha.organisation_id]['Sire']['id']}").status_code
                == 404
            )
        sire = uuid.UUID(families[alpha.organisation_id]["Sire"]["id"])
        asyncio.run(_ask_again(owner_url, sire))
        yield KeptOdds(owner_url, role_url, alpha.organisation_id, beta.organisation_id, sire)


async def _ask_again(owner_url: str, animal_id: uuid.UUID) -> None:
    """As the owner (the service stopped): one state of alpha waits for a computation."""
    connection = await asyncpg.connect(asyncpg_dsn(owner_url))
    try:
        await connection.execute(
            "UPDATE animal_het_odds_state SET requested_at = now() WHERE animal_id = $1",
            animal_id,
        )
    finally:
        await connection.close()


def test_isolation_through_the_api_and_directly(kept_odds: KeptOdds) -> None:
    asyncio.run(kept_odds.checks())


def test_every_policy_is_needed(kept_odds: KeptOdds) -> None:
    result = asyncio.run(
        require_policies_needed(kept_odds.owner_url, kept_odds.checks, tables=TABLES)
    )
    # 7 policy expressions and 2 tables under row-level security, all killed
    assert (len(result.killed), result.survived) == (9, []), result


async def _in(
    connection: asyncpg.Connection,
    who: uuid.UUID | str | None,
    statement: str,
    *args: Any,
    setup: Sequence[tuple[str, tuple[Any, ...]]] = (),
) -> Any:
    """``statement``'s rows (a read) or status (a write) in a transaction of ``who`` (an
    organisation, :data:`WORKER` or ``None``), after ``setup``'s statements, rolled back; ``refused`` when row-level
    security refused it."""
    transaction = connection.transaction()
    await transaction.start()
    try:
        if who == WORKER:
            await connection.execute(
                "SELECT set_config('reptidex.worker', 'het_odds_upkeep', true)"
            )
        elif who is not None:
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(who)
            )
        try:
            for first, first_args in setup:  # in the same transaction, before
                await connection.execute(first, *first_args)
            if statement.startswith("SELECT"):
                return [tuple(r) for r in await connection.fetch(statement, *args)]
            return await connection.execute(statement, *args)
        except asyncpg.InsufficientPrivilegeError as exc:
            return "refused" if "row-level security" in str(exc) else f"denied: {exc}"
    finally:
        await transaction.rollback()


ORGS = "SELECT DISTINCT organisation_id FROM {table} ORDER BY 1"
COPY_ODDS = (
    "INSERT INTO animal_het_odds SELECT (jsonb_populate_record(NULL::animal_het_odds, "
    "to_jsonb(o) || jsonb_build_object('locus', 'copy', 'organisation_id', $1::uuid))).* "
    "FROM animal_het_odds o"
)
NEW_STATE = (
    "INSERT INTO animal_het_odds_state (animal_id, organisation_id, status, family_size, exact) "
    "SELECT o.animal_id, $1::uuid, 'pending', 0, false FROM animal_het_odds o LIMIT 1 "
    "ON CONFLICT (animal_id) DO NOTHING"
)


ASK = "SELECT animal_request_family_upkeep(ARRAY[$1::uuid], now(), $2)"
WORKER_READ = ("SELECT set_config('reptidex.worker', 'het_odds_upkeep', true)", ())
WAITING = (
    "SELECT organisation_id, count(*) FROM animal_het_odds_state "
    "WHERE requested_at IS NOT NULL GROUP BY 1"
)
FLAG = "SELECT set_config('reptidex.family_upkeep', 'on', true)"
FUNCTION = (
    "SELECT p.prosecdef, p.proconfig, "
    "has_function_privilege('public', p.oid, 'EXECUTE'), "
    "has_function_privilege('reptidex_animal_app', p.oid, 'EXECUTE') "
    "FROM pg_proc p WHERE p.proname = 'animal_request_family_upkeep'"
)


async def _asking_checks(connection: asyncpg.Connection, data: KeptOdds) -> None:
    """Beta asks for alpha's family through the function: it says nothing back, beta reads
    none of alpha's rows, the walk is bounded; beta's own setting of the flag gains it
    nothing."""
    alpha, beta, sire = data.alpha, data.beta, data.alpha_sire
    ((definer, config, public, role),) = await connection.fetch(FUNCTION)
    assert (definer, public, role) == (True, False, True)
    assert "search_path=pg_catalog, pg_temp" in config
    assert await _in(connection, beta, ASK, sire, 100) == [(None,)]
    # beta reads its own rows only, though alpha's whole family now waits
    asked = ((ASK, (sire, 100)),)
    assert await _in(connection, beta, ORGS.format(table=TABLES[1]), setup=asked) == [(beta,)]
    for limit, count in ((100, 8), (2, 2), (1, 1), (0, 1)):  # the sire waited already
        found = await _in(connection, beta, WAITING, setup=((ASK, (sire, limit)), WORKER_READ))
        assert found == [(alpha, count)], limit
    # its own animals are asked for by the event, not the function: nothing of beta waits
    (beta_animal,) = (await _in(connection, beta, "SELECT animal_id FROM animal_het_odds"))[0]
    found = await _in(connection, beta, WAITING, setup=((ASK, (beta_animal, 100)), WORKER_READ))
    assert found == [(alpha, 1)]
    # the flag set by the role: still beta's rows only, alpha's untouched
    flag = ((FLAG, ()),)
    for query in (ORGS.format(table=TABLES[1]), "SELECT DISTINCT organisation_id FROM animal"):
        assert await _in(connection, beta, query, setup=flag) == [(beta,)], query
    others = "FROM animal_het_odds_state WHERE organisation_id <> $1::uuid"
    ask_all = (
        "UPDATE animal_het_odds_state SET requested_at = now() WHERE organisation_id <> $1::uuid"
    )
    assert await _in(connection, beta, ask_all, beta, setup=flag) == "UPDATE 0"
    assert await _in(connection, beta, f"DELETE {others}", beta, setup=flag) == "DELETE 0"


async def _direct_checks(data: KeptOdds) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(data.role_url))
    alpha, beta = data.alpha, data.beta
    try:
        for table in TABLES:
            await assert_row_security_applies(connection, table)
            query = ORGS.format(table=table)
            # each organisation reads its own rows only; no organisation, none
            assert await _in(connection, alpha, query) == [(alpha,)], table
            assert await _in(connection, beta, query) == [(beta,)], table
            assert await _in(connection, None, query) == [], table
        # the worker reads the states that wait, of every organisation, and no kept odds
        waiting = "SELECT animal_id, organisation_id FROM animal_het_odds_state"
        assert await _in(connection, WORKER, waiting) == [(data.alpha_sire, alpha)]
        assert await _in(connection, WORKER, "SELECT locus FROM animal_het_odds") == []
        assert await _in(connection, WORKER, "UPDATE animal_het_odds_state SET note = 'x'") == (
            "UPDATE 0"
        )
        # an organisation writes rows of its own only (its own rows copied under another)
        assert await _in(connection, beta, COPY_ODDS, str(beta)) != "refused"
        assert await _in(connection, beta, COPY_ODDS, str(alpha)) == "refused"
        assert await _in(connection, beta, NEW_STATE, str(alpha)) == "refused"
        assert await _in(connection, beta, NEW_STATE, str(beta)) == "INSERT 0 0"
        assert await _in(connection, beta, "DELETE FROM animal_het_odds_state") != "DELETE 0"
        cleared = "UPDATE animal_het_odds_state SET requested_at = NULL"
        assert await _in(connection, beta, cleared) == "UPDATE 8"
        # (reading no column, so that only the update policies apply)
        for table in TABLES:
            moved = f"UPDATE {table} SET organisation_id = $1"
            assert await _in(connection, beta, moved, str(alpha)) == "refused", table
        await _asking_checks(connection, data)
    finally:
        await connection.close()


OWNED = "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"


async def _as_a_plain_owner(data: KeptOdds) -> None:
    """Tables and function owned by a role that is not a superuser (bound by the FORCEd
    policies): the function still asks for alpha's family, the policies of migration
    ``animal_0014`` admitting its owner within the call; outside it, that owner reads no
    organisation's rows, even with the flag."""
    owner = f"owner_{uuid.uuid4().hex[:10]}"
    name = data.owner_url.rsplit("/", 1)[1]
    superuser = await asyncpg.connect(asyncpg_dsn(data.owner_url))
    tables = [r["relname"] for r in await superuser.fetch(OWNED)]
    function = "animal_request_family_upkeep(uuid[], timestamptz, integer)"

    async def own(role: str) -> None:
        for table in tables:
            await superuser.execute(f"ALTER TABLE {table} OWNER TO {role}")
        await superuser.execute(f"ALTER FUNCTION {function} OWNER TO {role}")

    await superuser.execute(f"CREATE ROLE {owner} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS")
    await superuser.execute(f'GRANT ALL ON DATABASE "{name}" TO {owner}')
    try:
        await own(owner)
        role = await asyncpg.connect(asyncpg_dsn(data.role_url))
        try:
            ask = ((ASK, (data.alpha_sire, 100)), WORKER_READ)
            assert await _in(role, data.beta, WAITING, setup=ask) == [(data.alpha, 8)]
        finally:
            await role.close()
        as_owner = f"postgresql+asyncpg://{owner}:pw@{data.owner_url.split('@', 1)[1]}"
        plain = await asyncpg.connect(asyncpg_dsn(as_owner))
        try:
            for setup in ((), ((FLAG, ()),)):
                for table in (*TABLES, "animal"):
                    query = f"SELECT count(*) FROM {table}"
                    assert await _in(plain, None, query, setup=setup) == [(0,)], (table, setup)
        finally:
            await plain.close()
    finally:
        await own("postgres")
        await superuser.execute(f'REVOKE ALL ON DATABASE "{name}" FROM {owner}')
        await superuser.execute(f"DROP ROLE {owner}")
        await superuser.close()


def test_the_function_works_for_an_owner_bound_by_the_policies(kept_odds: KeptOdds) -> None:
    asyncio.run(_as_a_plain_owner(kept_odds))


def test_the_sellers_odds_follow_the_buyers_records_as_the_role(
    postgres_server: str, tmp_path: Path
) -> None:
    """The service as the non-owner role: the buyer's record of a visual daughter asks, through
    the function, for the seller's animals, whose kept odds follow unasked."""
    with non_owner_database(postgres_server, "animal") as (_, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path),
                "REPTIDEX_LOG_FORMAT": "json",
                "REPTIDEX_ANIMAL_DATABASE_URL": role_url,
            }
        )
        with animal_client(settings) as client:
            animal_components(client.app).het_odds_upkeep.delay = dt.timedelta(0)
            seller, buyer = Breeder(client, uuid.uuid4()), Breeder(client, uuid.uuid4())
            zeus = seller.add(name="Zeus", sex="male")
            hera = seller.add(name="Hera", sex="female")
            kid = seller.add(name="Kid", sex="female", sire_id=zeus["id"], dam_id=hera["id"])
            eventually(lambda: (kept(seller, zeus) or {}).get("status") == "computed", "kept")
            transfer(seller, kid, buyer, share_lineage=True)
            shown = buyer.patch(f"/animals/{kid['id']}", json={"visibility": "public"})
            assert shown.status_code == 200, shown.text
            mate = buyer.add(name="Mate", sex="male")
            buyer.add(
                name="Daughter",
                morph="Clown",
                sire_id=mate["id"],
                dam_id=kid["id"],
                visibility="public",
            )
            eventually(lambda: kept_clown(seller, zeus) is not None, "the seller's kept odds")
            assert Fraction(kept_clown(seller, zeus)["carrier"]) > 0  # type: ignore[index]
            assert buyer.get(f"/animals/{zeus['id']}").status_code == 404
