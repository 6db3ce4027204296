"""A service's application role on PostgreSQL, shared by the migrations that secure its tables.

The service connects as a login role that is not the tables' owner and is a member of the
application role (NOLOGIN), so that row-level security applies to it. The role is shared by
every database of the cluster that names it, so a downgrade takes back its rights but leaves it.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op


def on_postgres() -> bool:
    """Whether the migration runs on PostgreSQL (roles, grants and RLS are no-ops elsewhere)."""
    return op.get_bind().dialect.name == "postgresql"


def create_app_role(role: str) -> None:
    """Make ``role`` (NOLOGIN) unless it exists, and let it use the public schema."""
    op.execute(
        f"""
        DO $$
        BEGIN
            CREATE ROLE {role} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END
        $$;
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")


def grant_every_table(role: str) -> None:
    """Let ``role`` read and write every table of the schema, those made later included."""
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
    )


def revoke_every_table(role: str) -> None:
    """Take back what :func:`grant_every_table` and :func:`create_app_role` gave ``role``."""
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {role}"
    )
    op.execute(f"REVOKE SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")


def enable_row_level_security(tables: Iterable[str]) -> None:
    """Turn row-level security on for ``tables``: the role sees only what a policy lets it."""
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")


def disable_row_level_security(tables: Iterable[str]) -> None:
    """Turn row-level security off for ``tables``."""
    for table in tables:
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def drop_policies(policies: Iterable[tuple[str, str]]) -> None:
    """Drop each ``(policy, table)`` that exists."""
    for policy, table in policies:
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
