"""What a restored database must keep, read from a database, and the comparison of two.

An :class:`Inventory` holds a database's schema revision, every table's row count and, on
PostgreSQL, what secures the tables: row-level security (on, FORCEd), the policies, the
service's application role's privileges, and the tables' owners (the service's roles own
none: row-level security would not bind them). :func:`differences` names each table where a
restore differs from its source.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import asyncpg

Policy = tuple[str, str, tuple[str, ...], str, str | None, str | None]
"""A policy: name, permissive or restrictive, roles, command, ``USING`` and ``WITH CHECK``."""


def app_role(service: str) -> str:
    """The NOLOGIN role ``service``'s tables are granted to (``reptidex_<service>_app``)."""
    return f"reptidex_{service}_app"


@dataclass(frozen=True, slots=True)
class Inventory:
    """One database's state as far as a restore must keep it."""

    revisions: frozenset[str]
    rows: dict[str, int]
    row_security: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    policies: dict[str, frozenset[Policy]] = field(default_factory=dict)
    grants: dict[str, frozenset[str]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    schema_usage: bool = False
    default_privileges: frozenset[str] = frozenset()
    owned_by_service: frozenset[str] = frozenset()

    @property
    def total_rows(self) -> int:
        """The rows of every table together."""
        return sum(self.rows.values())

    @property
    def policy_count(self) -> int:
        """The row-level-security policies of every table together."""
        return sum(len(policies) for policies in self.policies.values())


def quoted(identifier: str) -> str:
    """``identifier`` as a quoted SQL identifier.

    >>> quoted('audit_record'), quoted('odd"name')
    ('"audit_record"', '"odd""name"')
    """
    return '"' + identifier.replace('"', '""') + '"'


_TABLES = """
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""

_POLICIES = """
SELECT tablename, policyname, permissive, roles::text[], cmd, qual, with_check
FROM pg_policies WHERE schemaname = 'public'
"""

_GRANTS = """
SELECT c.relname, acl.privilege_type
FROM pg_class c, aclexplode(c.relacl) acl
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
  AND acl.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)
"""

_DEFAULT_PRIVILEGES = """
SELECT d.defaclobjtype::text || ':' || acl.privilege_type
FROM pg_default_acl d, aclexplode(d.defaclacl) acl
WHERE acl.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)
"""

_OWNED_BY_SERVICE = """
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
  AND (c.relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)
       OR c.relowner IN (SELECT m.member FROM pg_auth_members m
                         JOIN pg_roles r ON r.oid = m.roleid WHERE r.rolname = $1))
"""


async def read_postgres(connection: asyncpg.Connection, service: str) -> Inventory:
    """The inventory of the database behind ``connection`` (inside the caller's transaction,
    so a backup's inventory and its dump see one snapshot). Row security is off for the
    counts: a role it would bind gets an error rather than a short count."""
    role = app_role(service)
    await connection.execute("SET LOCAL row_security = off")
    tables = await connection.fetch(_TABLES)
    rows = {}
    for table in tables:
        name = table[0]
        counting = f"SELECT count(*) FROM {quoted(name)}"  # noqa: S608 - a catalogued name, quoted
        rows[name] = int(await connection.fetchval(counting))
    revisions: frozenset[str] = frozenset()
    if "alembic_version" in rows:
        revisions = frozenset(
            record[0]
            for record in await connection.fetch("SELECT version_num FROM alembic_version")
        )
    policies = await read_policies(connection)
    grants: dict[str, set[str]] = {}
    for name, privilege in await connection.fetch(_GRANTS, role):
        grants.setdefault(name, set()).add(privilege)
    usage = await connection.fetchval(
        "SELECT coalesce(has_schema_privilege($1, 'public', 'USAGE'), false)"
        " FROM pg_roles WHERE rolname = $1",
        role,
    )
    defaults = await connection.fetch(_DEFAULT_PRIVILEGES, role)
    owned = await connection.fetch(_OWNED_BY_SERVICE, role)
    return Inventory(
        revisions=revisions,
        rows=rows,
        row_security={table[0]: (table[1], table[2]) for table in tables},
        policies=policies,
        grants={name: frozenset(found) for name, found in grants.items()},
        owners={table[0]: table[3] for table in tables},
        schema_usage=bool(usage),
        default_privileges=frozenset(record[0] for record in defaults),
        owned_by_service=frozenset(record[0] for record in owned),
    )


async def read_policies(connection: asyncpg.Connection) -> dict[str, frozenset[Policy]]:
    """The row-level-security policies of every table of the public schema."""
    policies: dict[str, set[Policy]] = {}
    for record in await connection.fetch(_POLICIES):
        policy: Policy = (
            record[1],
            record[2],
            tuple(sorted(record[3])),
            record[4],
            record[5],
            record[6],
        )
        policies.setdefault(record[0], set()).add(policy)
    return {name: frozenset(found) for name, found in policies.items()}


def read_sqlite(connection: sqlite3.Connection) -> Inventory:
    """The inventory of the SQLite database behind ``connection`` (revision and row counts:
    SQLite has no roles)."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    rows = {}
    for name in names:
        counting = f"SELECT count(*) FROM {quoted(name)}"  # noqa: S608 - a catalogued name, quoted
        rows[name] = int(connection.execute(counting).fetchone()[0])
    revisions: frozenset[str] = frozenset()
    if "alembic_version" in rows:
        revisions = frozenset(
            row[0] for row in connection.execute("SELECT version_num FROM alembic_version")
        )
    return Inventory(revisions=revisions, rows=rows)


def differences(source: Inventory, restored: Inventory, heads: frozenset[str]) -> list[str]:
    """Each way ``restored`` differs from ``source`` or from the migrations' ``heads``, one
    sentence each, naming the table; empty when the restore is faithful."""
    found: list[str] = []
    if restored.revisions != heads:
        found.append(
            f"revision {_revisions(restored.revisions)} in the restore, head is {_revisions(heads)}"
        )
    if source.revisions != restored.revisions:
        found.append(
            f"revision {_revisions(source.revisions)} in the source,"
            f" {_revisions(restored.revisions)} in the restore"
        )
    for table in sorted(source.rows.keys() | restored.rows.keys()):
        found += _table_differences(table, source, restored)
    if source.schema_usage != restored.schema_usage:
        found.append(f"schema public: USAGE for the service role {_kept(source.schema_usage)}")
    if source.default_privileges != restored.default_privileges:
        lost = sorted(source.default_privileges - restored.default_privileges)
        added = sorted(restored.default_privileges - source.default_privileges)
        found.append(f"default privileges of the service role: lost {lost}, gained {added}")
    for table in sorted(restored.owned_by_service):
        found.append(f"table {table}: owned by the service's role (row security would not bind it)")
    return found


def _table_differences(table: str, source: Inventory, restored: Inventory) -> list[str]:
    if table not in restored.rows:
        return [f"table {table}: missing from the restore"]
    if table not in source.rows:
        return [f"table {table}: in the restore but not in the source"]
    found = []
    if source.rows[table] != restored.rows[table]:
        found.append(
            f"table {table}: {source.rows[table]:,} rows in the source,"
            f" {restored.rows[table]:,} in the restore"
        )
    enabled, forced = source.row_security.get(table, (False, False))
    now_enabled, now_forced = restored.row_security.get(table, (False, False))
    if enabled != now_enabled:
        found.append(f"table {table}: row-level security {_kept(enabled)}")
    if forced != now_forced:
        found.append(f"table {table}: FORCE ROW LEVEL SECURITY {_kept(forced)}")
    policies = source.policies.get(table, frozenset())
    now_policies = restored.policies.get(table, frozenset())
    for policy in sorted(policies - now_policies):
        found.append(f"table {table}: policy {policy[0]} missing or changed in the restore")
    for policy in sorted(now_policies - policies):
        found.append(f"table {table}: policy {policy[0]} is not in the source")
    grants = source.grants.get(table, frozenset())
    now_grants = restored.grants.get(table, frozenset())
    if grants != now_grants:
        found.append(
            f"table {table}: the service role may {_privileges(grants)} in the source,"
            f" {_privileges(now_grants)} in the restore"
        )
    if source.owners.get(table) != restored.owners.get(table):
        found.append(
            f"table {table}: owned by {source.owners.get(table)} in the source,"
            f" {restored.owners.get(table)} in the restore"
        )
    return found


def _revisions(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "none"


def _privileges(privileges: frozenset[str]) -> str:
    return ", ".join(sorted(privileges)) or "nothing"


def _kept(was_on: bool) -> str:
    return "lost in the restore" if was_on else "appeared in the restore"
