"""A service's application role on PostgreSQL, shared by the migrations that secure its tables.

The service connects as a login role that is not the tables' owner and is a member of the
application role (NOLOGIN), so that row-level security applies to it (the service refuses to
start as the owner: ``services/kernel/database_role.py``). The role is shared by every database
of the cluster that names it, so a downgrade takes back its rights but leaves it.

Every table under row-level security is also FORCEd: its owner (who runs the migrations) is
bound by the policies too, unless a superuser. A data migration that must see every
organisation's rows does its work inside :func:`every_row_visible`, which lifts FORCE for its
own transaction only.

The outbox (``outbox_message``) is under row-level security in every service: a transaction may
stage events (insert), but only the relay, whose transactions set ``reptidex.outbox_relay`` to
``on`` (:data:`RELAY`), reads, stamps and prunes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

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


def grant_tables(role: str, tables: Iterable[str]) -> None:
    """Let ``role`` read and write ``tables``, and read the migration revision (its
    ``/health/deep`` compares it with the code's)."""
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(tables)} TO {role}")
    op.execute(f"GRANT SELECT ON alembic_version TO {role}")


def revoke_tables(role: str, tables: Iterable[str]) -> None:
    """Take back what :func:`grant_tables`, :func:`secure_outbox` and :func:`create_app_role`
    gave ``role``."""
    op.execute(
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON alembic_version, outbox_message, "
        f"{', '.join(tables)} FROM {role}"
    )
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


def force_row_level_security(tables: Iterable[str]) -> None:
    """Bind ``tables``' owner by their policies too (superusers still bypass them)."""
    for table in tables:
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def unforce_row_level_security(tables: Iterable[str]) -> None:
    """Let ``tables``' owner bypass their policies again."""
    for table in tables:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")


@contextmanager
def every_row_visible(tables: Iterable[str]) -> Iterator[None]:
    """Within a migration: lift FORCE on ``tables`` while the block works on every
    organisation's rows as the owner, then put it back (all in the migration's transaction;
    no-op outside PostgreSQL)."""
    tables = tuple(tables)
    if not on_postgres():
        yield
        return
    unforce_row_level_security(tables)
    yield
    force_row_level_security(tables)


RELAY = "current_setting('reptidex.outbox_relay', true) = 'on'"
"""The policy condition of the outbox relay's transactions."""

OUTBOX_POLICIES = (
    ("outbox_message_stage", "outbox_message"),
    ("outbox_message_relay", "outbox_message"),
)


def secure_outbox(role: str) -> None:
    """Grant ``role`` the outbox and put it under (forced) row-level security: anyone may
    stage an event, only the relay reads, stamps and deletes them."""
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_message TO {role}")
    enable_row_level_security(("outbox_message",))
    force_row_level_security(("outbox_message",))
    op.execute("CREATE POLICY outbox_message_stage ON outbox_message FOR INSERT WITH CHECK (true)")
    op.execute(f"CREATE POLICY outbox_message_relay ON outbox_message USING ({RELAY})")


def unsecure_outbox() -> None:
    """Undo :func:`secure_outbox`'s row-level security (the grant stays with the role's others)."""
    drop_policies(OUTBOX_POLICIES)
    unforce_row_level_security(("outbox_message",))
    disable_row_level_security(("outbox_message",))
