"""The policy mutation harness (``rls_mutation``) on a one-table tenancy: weak checks leave a
surviving mutant named in the failure, strong ones kill them all, the policies come back as
the migration wrote them, and checks that change the data are refused."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import pytest

from rls_mutation import Checks, asyncpg_dsn, require_policies_needed, run_mutants

ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
ALPHA, BETA = uuid.uuid4(), uuid.uuid4()


@dataclass(frozen=True)
class Pen:
    """A database with one tenant table under RLS and a non-owner role to read it as."""

    owner_url: str
    role_url: str


async def _run(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def pen(postgres_database: str) -> Iterator[Pen]:
    role = f"rls_{uuid.uuid4().hex[:10]}"
    asyncio.run(
        _run(
            postgres_database,
            "CREATE TABLE pen (id int PRIMARY KEY, organisation_id uuid NOT NULL)",
            f"INSERT INTO pen VALUES (1, '{ALPHA}'), (2, '{BETA}')",
            "ALTER TABLE pen ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY pen_tenant ON pen USING (organisation_id = {ORG}) "
            f"WITH CHECK (organisation_id = {ORG})",
            "CREATE POLICY pen_open ON pen FOR INSERT WITH CHECK (true)",
            f"CREATE ROLE {role} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
            f"GRANT SELECT, INSERT, UPDATE ON pen TO {role}",
        )
    )
    try:
        yield Pen(postgres_database, f"postgresql://{role}:pw@{postgres_database.split('@')[1]}")
    finally:
        asyncio.run(_run(postgres_database, f"DROP OWNED BY {role}", f"DROP ROLE {role}"))


async def _as_alpha(connection: asyncpg.Connection) -> None:
    await connection.execute("SELECT set_config('reptidex.organisation_id', $1, true)", str(ALPHA))


def reads(pen: Pen) -> Checks:
    async def check() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(pen.role_url))
        try:
            async with connection.transaction():
                await _as_alpha(connection)
                assert await connection.fetchval("SELECT count(*) FROM pen") == 1
        finally:
            await connection.close()

    return check


def reads_and_writes(pen: Pen) -> Checks:
    async def check() -> None:
        await reads(pen)()
        connection = await asyncpg.connect(asyncpg_dsn(pen.role_url))
        try:
            transaction = connection.transaction()
            await transaction.start()
            await _as_alpha(connection)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute("UPDATE pen SET organisation_id = $1", BETA)
            await transaction.rollback()
        finally:
            await connection.close()

    return check


def test_weak_checks_leave_a_surviving_mutant_named(pen: Pen) -> None:
    with pytest.raises(AssertionError, match=r"\['pen_tenant WITH CHECK \(true\)'\]"):
        asyncio.run(require_policies_needed(pen.owner_url, reads(pen)))


def test_strong_checks_kill_every_mutant_and_the_policies_come_back(pen: Pen) -> None:
    async def policies() -> list[tuple[object, ...]]:
        connection = await asyncpg.connect(asyncpg_dsn(pen.owner_url))
        try:
            rows = await connection.fetch("SELECT * FROM pg_policies ORDER BY policyname")
            return [tuple(r) for r in rows]
        finally:
            await connection.close()

    before = asyncio.run(policies())
    result = asyncio.run(require_policies_needed(pen.owner_url, reads_and_writes(pen)))
    assert result.killed == [
        "pen_tenant USING (true)",
        "pen_tenant WITH CHECK (true)",
        "pen: row level security disabled",
    ]
    assert result.admitting == ["pen_open"]
    assert asyncio.run(policies()) == before


def test_an_equivalent_mutant_is_listed_with_its_reason_and_must_survive(pen: Pen) -> None:
    reason = {"pen_tenant WITH CHECK (true)": "said so for this test"}
    asyncio.run(require_policies_needed(pen.owner_url, reads(pen), equivalent=reason))
    with pytest.raises(AssertionError, match="listed as equivalent but killed"):
        asyncio.run(
            require_policies_needed(pen.owner_url, reads_and_writes(pen), equivalent=reason)
        )


def test_checks_that_fail_unmutated_or_change_the_data_are_refused(pen: Pen) -> None:
    async def wrong() -> None:
        raise AssertionError("wrong as written")

    with pytest.raises(AssertionError, match="wrong as written"):
        asyncio.run(run_mutants(pen.owner_url, wrong))

    async def writes() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(pen.role_url))
        try:
            await connection.execute("INSERT INTO pen VALUES ($1, $2)", 100 + len(seen), ALPHA)
            seen.append(1)
        finally:
            await connection.close()

    seen: list[int] = []
    with pytest.raises(AssertionError, match="the checks changed the data"):
        asyncio.run(run_mutants(pen.owner_url, writes))
