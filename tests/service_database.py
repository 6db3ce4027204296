"""A service's database for persistence tests, migrated to head, and the non-owner role that
row-level security applies to."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from reptidex.adapters.sql.migrations import upgrade


def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path, service: str) -> str:
    """``service``'s migrated database on what ``request.param`` names; its URL.

    ``"sqlite"``: a file under ``tmp_path``; otherwise a fresh database on the real PostgreSQL
    (the ``postgres_database`` fixture).
    """
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / f'{service}.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_database")
    upgrade(service, url)
    return url


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as asyncpg takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def run_sql(url: str, *statements: str) -> None:
    """Run ``statements`` on a connection of their own."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def statement_outcome(
    connection: asyncpg.Connection,
    statement: str,
    *args: Any,
    settings: Mapping[str, object] | None = None,
    constraints: bool = False,
) -> Any:
    """What ``statement`` does in a transaction with ``settings`` (each ``reptidex.<name>``
    set to its value), rolled back: a ``SELECT``'s value, another statement's status
    (``UPDATE 0``), ``refused`` by row-level security, ``denied: ...`` by a privilege, and with
    ``constraints`` the check or unique constraint that refused it."""
    transaction = connection.transaction()
    await transaction.start()
    try:
        for name, value in (settings or {}).items():
            await connection.execute(
                "SELECT set_config($1, $2, true)", f"reptidex.{name}", str(value)
            )
        try:
            if statement.startswith("SELECT"):
                return await connection.fetchval(statement, *args)
            return await connection.execute(statement, *args)
        except asyncpg.InsufficientPrivilegeError as exc:
            return "refused" if "row-level security" in str(exc) else f"denied: {exc}"
        except (asyncpg.CheckViolationError, asyncpg.UniqueViolationError) as exc:
            if not constraints:
                raise
            return f"constraint: {exc.constraint_name or exc.args[0]}"
    finally:
        await transaction.rollback()


async def assert_row_security_applies(connection: asyncpg.Connection, table: str) -> None:
    """Fail unless ``connection``'s role is bound by ``table``'s row-level security: neither a
    superuser, nor exempt from RLS, nor the table's owner."""
    role = await connection.fetchrow(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    assert (role["rolsuper"], role["rolbypassrls"]) == (False, False)
    owner = await connection.fetchval(
        "SELECT tableowner FROM pg_tables WHERE tablename = $1", table
    )
    assert owner != await connection.fetchval("SELECT current_user")


@contextmanager
def non_owner_url(database_url: str, service: str) -> Iterator[str]:
    """``service``'s migrations on the PostgreSQL database at ``database_url`` and a fresh login
    role in ``reptidex_<service>_app`` (not the tables' owner: row-level security applies to it,
    as to the deployed service); yields the database's URL for that role, then drops the
    database and the role."""
    upgrade(service, database_url)
    role = f"rls_{uuid.uuid4().hex[:10]}"
    asyncio.run(
        run_sql(
            database_url,
            f"CREATE ROLE {role} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
            f"GRANT reptidex_{service}_app TO {role}",
        )
    )
    try:
        yield f"postgresql+asyncpg://{role}:pw@{database_url.split('@', 1)[1]}"
    finally:
        base, name = database_url.rsplit("/", 1)
        asyncio.run(
            run_sql(
                f"{base}/postgres",
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                f"DROP ROLE IF EXISTS {role}",
            )
        )
