"""A service refuses to start on PostgreSQL as a role that row-level security does not bind.

The policies that keep organisations apart bind the service only when it connects as a login
role in its application role (``reptidex_<service>_app``, made by its migrations), which owns
no table. A superuser, a role with ``BYPASSRLS`` or the tables' owner (or a member of the
owner's role) would see every organisation's rows the moment one query forgot its scope (the
owner is bound by FORCEd tables, but may lift FORCE), so the kernel checks the role of every connection
the service opens (:func:`refuse_unsafe_roles`) and, at start, opens one: the service stops
with an error naming the role to use. (A database unreachable at start is checked at its first
connection: every use of it fails with that error.) ``REPTIDEX_DATABASE_OWNER_ALLOWED=true`` lets a
development database run as its owner; migrations run as the owner (``reptidex db upgrade``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_ROLE = (
    "SELECT current_user AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypasses, "
    "EXISTS (SELECT 1 FROM pg_class c WHERE c.relkind = 'r' "
    "AND c.relnamespace = current_schema()::regnamespace "
    "AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owns "
    "FROM pg_roles r WHERE r.rolname = current_user"
)


class UnsafeDatabaseRole(RuntimeError):
    """The service's database role is not bound by row-level security."""


def app_role(service: str) -> str:
    """The application role a service's login role must be a member of."""
    return f"reptidex_{service}_app"


def unsafe_role_error(service: str, role: Any) -> UnsafeDatabaseRole | None:
    """The error for ``role`` (a row of the role query), or None when it is safe."""
    reasons = [
        reason
        for reason, applies in (
            ("is a superuser", role["superuser"]),
            ("bypasses row-level security", role["bypasses"]),
            ("owns the service's tables", role["owns"]),
        )
        if applies
    ]
    if not reasons:
        return None
    return UnsafeDatabaseRole(
        f"repti-{service} connects to PostgreSQL as {role['name']!r}, which "
        f"{' and '.join(reasons)}: row-level security would not keep organisations apart. "
        f"Connect as a login role in {app_role(service)} (e.g. CREATE ROLE "
        f"reptidex_{service} LOGIN PASSWORD '...' IN ROLE {app_role(service)}) and run the "
        "migrations as the owner (`reptidex db upgrade`), or set "
        "REPTIDEX_DATABASE_OWNER_ALLOWED=true on a development database."
    )


def refuse_unsafe_roles(engine: AsyncEngine, service: str) -> None:
    """Check the role of every connection ``engine`` opens to PostgreSQL; a connection as a
    superuser, a role that bypasses row-level security or an owner of the service's tables
    fails with :class:`UnsafeDatabaseRole`."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine.sync_engine, "connect")
    def check(dbapi_connection: Any, _record: object) -> None:
        role = dbapi_connection.run_async(lambda connection: connection.fetchrow(_ROLE))
        error = unsafe_role_error(service, role)
        if error is not None:
            raise error
