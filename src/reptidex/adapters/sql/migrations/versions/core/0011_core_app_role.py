"""repti-core: an application role that does not own the tables, and the outbox under row-level
security (no-op on SQLite).

repti-core connects as a login role in ``reptidex_core_app`` (made here, NOLOGIN), as every
service does, so that it is never the tables' owner (it refuses to start so on PostgreSQL).
The role is granted the tables listed here, each by name, and may read ``alembic_version``
(``/health/deep`` reports the schema's revision); a later migration grants its own tables. The outbox joins row-level security, FORCEd: any transaction may stage an event, only
the relay (``reptidex.outbox_relay`` on) reads, stamps and prunes them. This revision follows
every head of the history, so that all the tables it grants exist.

Revision ID: core_0011
Revises: core_0002e, core_0005, core_0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from reptidex.adapters.sql.migrations.app_role import (
    create_app_role,
    grant_tables,
    on_postgres,
    revoke_tables,
    secure_outbox,
    unsecure_outbox,
)

revision = "core_0011"
down_revision = ("core_0002e", "core_0005", "core_0008")
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_core_app"
TABLES = (
    "auth_session",
    "billing_processed_webhook",
    "billing_subscription",
    "feature_flag",
    "feature_flag_override",
    "invitation",
    "mail_message",
    "membership",
    "one_time_token",
    "organisation",
    "processed_event",
    "refresh_token",
    "signing_key",
    "user_account",
)
"""repti-core's tables (the outbox aside), which the service reads and writes."""


def upgrade() -> None:
    """Make the role, grant it the tables and the outbox, and secure the outbox."""
    if not on_postgres():
        return
    create_app_role(APP_ROLE)
    grant_tables(APP_ROLE, TABLES)
    secure_outbox(APP_ROLE)


def downgrade() -> None:
    """Take the outbox out of row-level security and the grants back (the role stays)."""
    if not on_postgres():
        return
    unsecure_outbox()
    revoke_tables(APP_ROLE, TABLES)
