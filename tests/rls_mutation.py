"""Mutation testing of row-level-security policies: each policy loosened in turn must fail the
checks.

mutmut cannot mutate an Alembic migration (Alembic loads it by file path) and its string
mutations say nothing about what a policy's SQL admits. This harness mutates the policies in
the database instead: for every policy on the schema's tables (``pg_policies``) it loosens one
expression at a time to ``true`` (``USING`` and ``WITH CHECK`` separately), for every table
under row-level security it disables RLS (``FORCE``, which binds the owner only, is proven
apart), runs the service's tenant-isolation checks as the non-owner role, and counts the
mutant killed when they fail (an ``AssertionError`` or a pytest failure). The owner restores every mutation before the next, and
the harness proves it did: the policies, the tables' RLS flags and the data must read exactly
as they did before.

    result = await require_policies_needed(owner_url, checks, equivalent={...})

``checks`` is a coroutine function that connects as the non-owner role itself and leaves the
data as it found it (its writes in transactions it rolls back); ``equivalent`` names the
mutants that cannot change what any role may do, each with the reason.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import asyncpg
import pytest

from service_database import asyncpg_dsn, non_owner_url, run_sql

Checks = Callable[[], Awaitable[None]]

# What a failing check raises: an assertion, or pytest.fail / pytest.raises' "DID NOT RAISE".
KILLING = (AssertionError, pytest.fail.Exception)


def _name(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class Mutant:
    """One loosening of the row-level security: the DDL that plants it and that undoes it."""

    name: str
    plant: str
    restore: str


@dataclass
class MutationResult:
    """Every mutant by name, killed or survived (equivalent ones are survivors too)."""

    killed: list[str] = field(default_factory=list)
    survived: list[str] = field(default_factory=list)
    # policies with nothing to loosen: every expression absent or already ``true``
    admitting: list[str] = field(default_factory=list)

    @property
    def mutants(self) -> list[str]:
        """All mutants, in the order they ran."""
        return [*self.killed, *self.survived]


MUTANT_POLICY = "rls_mutant"


def _roles(policy: asyncpg.Record) -> str:
    return ", ".join("public" if r == "public" else _name(r) for r in policy["roles"])


def _policy_mutants(policy: asyncpg.Record) -> Iterator[Mutant]:
    """``USING (true)`` and ``WITH CHECK (true)`` in ``policy``, one at a time.

    Permissive policies of a command are OR-ed, so loosening one is the same as adding a
    permissive policy beside it that admits what the loosened one would: ``USING (true)``
    (with the same check, or none when it has none: then its ``USING`` is the check, as in
    the loosened policy), or ``USING (false) WITH CHECK (true)``. The original is never
    rewritten, so dropping the added policy restores the migration's exact text.
    """
    assert policy["permissive"] == "PERMISSIVE", f"{policy['policyname']}: restrictive"
    table = _name(policy["tablename"])
    head = f"CREATE POLICY {MUTANT_POLICY} ON {table} FOR {policy['cmd']} TO {_roles(policy)}"
    restore = f"DROP POLICY {MUTANT_POLICY} ON {table}"
    qual, check = policy["qual"], policy["with_check"]
    if qual not in (None, "true"):
        keep = "" if check is None else f" WITH CHECK ({check})"
        yield Mutant(f"{policy['policyname']} USING (true)", f"{head} USING (true){keep}", restore)
    if check not in (None, "true"):
        using = "" if policy["cmd"] == "INSERT" else " USING (false)"
        yield Mutant(
            f"{policy['policyname']} WITH CHECK (true)",
            f"{head}{using} WITH CHECK (true)",
            restore,
        )


def _table_mutants(table: asyncpg.Record) -> Iterator[Mutant]:
    name = _name(table["relname"])
    if table["relrowsecurity"]:
        yield Mutant(
            name=f"{table['relname']}: row level security disabled",
            plant=f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY",
            restore=f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        )
    # FORCE binds the owner only, and the checks run as the non-owner role: lifting it cannot
    # change what they see. tests/adapters/test_sql_row_security_forced.py proves it as an owner.


POLICIES = (
    "SELECT policyname, tablename, permissive, roles, cmd, qual, with_check FROM pg_policies "
    "WHERE schemaname = current_schema() ORDER BY tablename, policyname"
)
TABLES = (
    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
    "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' ORDER BY relname"
)


async def mutants_of(
    owner: asyncpg.Connection, tables: Collection[str] | None = None
) -> list[Mutant]:
    """The mutants of the schema's row-level security (of ``tables`` only, when given),
    policies first, then tables."""
    policies = [p for p in await owner.fetch(POLICIES) if _among(p["tablename"], tables)]
    found = [m for p in policies for m in _policy_mutants(p)]
    relations = [t for t in await owner.fetch(TABLES) if _among(t["relname"], tables)]
    return found + [m for t in relations for m in _table_mutants(t)]


def _among(table: str, tables: Collection[str] | None) -> bool:
    return tables is None or table in tables


STATE = ("policies", "tables' row level security", "rows")


async def _state(owner: asyncpg.Connection) -> tuple[object, ...]:
    """The policies, the tables' RLS flags and a digest of every table's rows."""
    tables = await owner.fetch(TABLES)
    digests = [
        await owner.fetchval(
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f"FROM {_name(t['relname'])} t"
        )
        for t in tables
    ]
    policies = [tuple(p) for p in await owner.fetch(POLICIES)]
    return (policies, [tuple(t) for t in tables], digests)


async def run_mutants(
    owner_url: str, checks: Checks, tables: Collection[str] | None = None
) -> MutationResult:
    """Plant each mutant (of ``tables``' security, when given) in turn as the owner, run
    ``checks`` and restore it.

    Raises ``AssertionError`` when ``checks`` fail on the unmutated policies, and when a
    restoration or the checks themselves leave the policies or the data changed.
    """
    owner = await asyncpg.connect(asyncpg_dsn(owner_url))
    try:
        # a checks connection left open would hold the locks ALTER POLICY waits for
        await owner.execute("SET lock_timeout = '10s'")
        before = await _state(owner)
        await checks()  # a failure here is the checks' own: they must pass as written
        assert await _state(owner) == before, "the checks changed the data they read"
        result = MutationResult(
            admitting=[
                p["policyname"]
                for p in await owner.fetch(POLICIES)
                if _among(p["tablename"], tables) and not any(_policy_mutants(p))
            ]
        )
        for mutant in await mutants_of(owner, tables):
            await owner.execute(mutant.plant)
            try:
                await checks()
            except KILLING:
                result.killed.append(mutant.name)
            except Exception as exc:
                exc.add_note(f"raised by the checks under the mutant {mutant.name!r}")
                raise
            else:
                result.survived.append(mutant.name)
            finally:
                await owner.execute(mutant.restore)
                after = await _state(owner)
                changed = [w for w, b, a in zip(STATE, before, after, strict=True) if b != a]
                assert not changed, f"after the mutant {mutant.name!r}, changed: {changed}"
        return result
    finally:
        await owner.close()


async def require_policies_needed(
    owner_url: str,
    checks: Checks,
    *,
    tables: Collection[str] | None = None,
    equivalent: Mapping[str, str] | None = None,
) -> MutationResult:
    """Run every mutant (of ``tables``, when given: those ``checks`` cover); fail naming each
    that survived unless listed ``equivalent``.

    ``equivalent`` maps a mutant's name to the reason it cannot change what any role may do;
    a listed mutant that is killed, or that no longer exists, fails too (the list stays true).
    """
    equivalent = dict(equivalent or {})
    result = await run_mutants(owner_url, checks, tables)
    assert result.mutants, "no row-level security to mutate: wrong database?"
    surviving = [m for m in result.survived if m not in equivalent]
    assert not surviving, f"surviving policy mutants (loosened, yet the checks pass): {surviving}"
    stale = sorted(set(equivalent) - set(result.survived))
    assert not stale, f"listed as equivalent but killed or no longer a mutant: {stale}"
    return result


@contextmanager
def non_owner_database(server_url: str, service: str) -> Iterator[tuple[str, str]]:
    """A fresh database migrated for ``service`` and a fresh login role in its
    ``reptidex_<service>_app`` role (not the tables' owner); yields (owner URL, role URL).

    For module-scoped fixtures: the data a module's checks read is then set up once.
    """
    name = f"reptidex_test_{uuid.uuid4().hex[:12]}"
    owner_url = f"{server_url.rsplit('/', 1)[0]}/{name}"
    asyncio.run(run_sql(server_url, f'CREATE DATABASE "{name}"'))
    try:
        with non_owner_url(owner_url, service) as role_url:
            yield owner_url, role_url
    finally:  # the database stays when the migration fails
        asyncio.run(run_sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
