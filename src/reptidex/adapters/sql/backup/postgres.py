"""A PostgreSQL service database backed up with ``pg_dump -Fc`` and restored with
``pg_restore``, owners and grants included, so the restore keeps the split between the
tables' owner and the service's role.

Connect as the databases' owner (who runs the migrations; a superuser in the compose stack)
or a role with ``BYPASSRLS``: the tables' row-level security is FORCEd, so any other role
would see only some rows, and ``pg_dump`` refuses rather than write a partial backup.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from reptidex.adapters.sql.backup.clients import (
    BackupError,
    ClientRunner,
    Connection,
    client_environment,
    require_client,
    run_client,
    shown,
    with_database,
)
from reptidex.adapters.sql.backup.inventory import (
    Inventory,
    Policy,
    quoted,
    read_policies,
    read_postgres,
)

MAX_NAME = 63
"""PostgreSQL's longest identifier, in bytes."""


def asyncpg_dsn(url: str) -> str:
    """``url`` (``postgresql+asyncpg://``) as asyncpg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the database at ``url``; the server's refusals become
    :class:`BackupError` (without the URL's password)."""
    try:
        database = await asyncpg.connect(asyncpg_dsn(url))
    except (OSError, asyncpg.PostgresError) as exc:
        raise BackupError(f"cannot connect to {shown(url)}: {exc}") from exc
    try:
        yield database
    except asyncpg.InsufficientPrivilegeError as exc:
        raise BackupError(
            f"{exc} (connect as the databases' owner, or a role with BYPASSRLS)"
        ) from exc
    except asyncpg.PostgresError as exc:
        raise BackupError(str(exc)) from exc
    finally:
        await database.close()


async def backup(
    url: str, service: str, target: Path, *, runner: ClientRunner = run_client
) -> Inventory:
    """Dump the database at ``url`` into ``target`` (custom format, mode 0600); return its
    inventory, read in the same snapshot as the dump. ``target`` appears only once complete."""
    connection = Connection.of(url)
    pg_dump = require_client("pg_dump")
    partial = target.with_name(target.name + ".partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        async with (
            connected(url) as database,
            database.transaction(isolation="repeatable_read", readonly=True),
        ):
            snapshot = await database.fetchval("SELECT pg_export_snapshot()")
            inventory = await read_postgres(database, service)
            argv = [
                str(pg_dump),
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={partial}",
                *connection.arguments(),
                f"--dbname={connection.database}",
            ]
            with client_environment(connection) as environment:
                await runner(argv, environment)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return inventory


async def restore(
    url: str, source: Path, *, clean: bool = False, runner: ClientRunner = run_client
) -> None:
    """Restore the dump ``source`` into the database at ``url`` in one transaction (nothing
    changes if it fails). The database must hold no table unless ``clean``, which drops the
    dump's objects first."""
    connection = Connection.of(url)
    pg_restore = require_client("pg_restore")
    if not await asyncio.to_thread(source.is_file):
        raise BackupError(f"no backup at {source}")
    if not clean:
        tables = await inventory_of(url, "", count=False)
        if tables.rows:
            raise BackupError(
                f"database {connection.database} already has {len(tables.rows)} tables:"
                " restore into an empty database, or pass --clean to replace them"
            )
    argv = [
        str(pg_restore),
        "--exit-on-error",
        "--single-transaction",
        *(["--clean", "--if-exists"] if clean else []),
        *connection.arguments(),
        f"--dbname={connection.database}",
        str(source),
    ]
    with client_environment(connection) as environment:
        await runner(argv, environment)


async def inventory_of(
    url: str, service: str, *, count: bool = True, policies: bool = False
) -> Inventory:
    """The inventory of the database at ``url`` (when not ``count``, only its table names and,
    with ``policies``, their policies)."""
    async with connected(url) as database:
        if not count:
            names = await database.fetch(
                "SELECT relname FROM pg_class"
                " WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"
            )
            found = await read_policies(database) if policies else {}
            return Inventory(
                revisions=frozenset(), rows={name[0]: 0 for name in names}, policies=found
            )
        async with database.transaction(isolation="repeatable_read", readonly=True):
            return await read_postgres(database, service)


async def create_scratch(url: str, now: dt.datetime | None = None) -> str:
    """Create an empty database beside the one at ``url``, named
    ``<name>_drill_<UTC timestamp>``; its URL."""
    name = make_url(url).database or "reptidex"
    suffix = f"_drill_{(now or dt.datetime.now(dt.UTC)):%Y%m%d%H%M%S}"
    scratch = name.encode()[: MAX_NAME - len(suffix)].decode(errors="ignore") + suffix
    async with connected(url) as database:
        await database.execute(f"CREATE DATABASE {quoted(scratch)}")
    return with_database(url, scratch)


async def drop_scratch(scratch_url: str, via_url: str) -> None:
    """Drop the scratch database at ``scratch_url``, connected through ``via_url``."""
    name = make_url(scratch_url).database or ""
    if "_drill_" not in name:
        raise BackupError(f"refusing to drop {name!r}: not a drill's scratch database")
    async with connected(via_url) as database:
        await database.execute(f"DROP DATABASE IF EXISTS {quoted(name)} WITH (FORCE)")


_PROBE = "reptidex_drill_probe"


async def as_parsed_in(url: str, source: Inventory) -> Inventory:
    """``source`` with each policy's expressions as the database at ``url`` parses them.

    PostgreSQL prints a parsed expression in a form that does not always parse back to the same
    text (``ARRAY[...]::text[]`` returns as ``ARRAY[(...)::text, ...]``), so a restored policy
    can read differently from its source while meaning the same. Where a policy of the same
    name reads differently, its source expressions are parsed once more in a probe policy on
    the restored table (rolled back), as ``pg_restore`` parsed them.
    """
    restored = await inventory_of(url, "", count=False, policies=True)
    policies: dict[str, frozenset[Policy]] = {}
    async with connected(url) as database:
        for table, found in source.policies.items():
            there = {policy[0]: policy for policy in restored.policies.get(table, frozenset())}
            policies[table] = frozenset(
                [
                    policy
                    if policy[0] not in there or there[policy[0]] == policy
                    else await _parsed(database, table, policy)
                    for policy in found
                ]
            )
    return dataclasses.replace(source, policies=policies)


async def _parsed(database: asyncpg.Connection, table: str, policy: Policy) -> Policy:
    name, permissive, roles, command, using, check = policy
    to = ", ".join("PUBLIC" if role == "public" else quoted(role) for role in roles)
    statement = (
        f"CREATE POLICY {_PROBE} ON {quoted(table)} AS {permissive} FOR {command} TO {to}"
        + (f" USING ({using})" if using is not None else "")
        + (f" WITH CHECK ({check})" if check is not None else "")
    )
    transaction = database.transaction()
    await transaction.start()
    try:
        await database.execute(statement)
        row = await database.fetchrow(
            "SELECT qual, with_check FROM pg_policies"
            " WHERE schemaname = 'public' AND tablename = $1 AND policyname = $2",
            table,
            _PROBE,
        )
    except asyncpg.PostgresError:
        return policy  # the restored table cannot take it: the comparison reports the policy
    finally:
        await transaction.rollback()
    return (name, permissive, roles, command, row[0], row[1])
