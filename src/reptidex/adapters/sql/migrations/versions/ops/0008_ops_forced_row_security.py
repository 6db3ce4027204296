"""repti-ops: row-level security FORCEd on its tables, and the outbox under it (no-op on SQLite).

FORCE makes the tables' owner subject to the policies as well (a superuser still bypasses
them): a service connected as the owner by mistake sees nothing without its organisation set
(it refuses to start so anyway). The outbox joins row-level security: any transaction may
stage an event, only the relay (``reptidex.outbox_relay`` on) reads, stamps and prunes them.
The role may also read ``alembic_version``: ``/health/deep`` reports the schema's revision.

``reptidex audit expire`` deletes whole segments of ``audit_record`` as the owner (the role has
no DELETE): under FORCE the owner needs a policy for that, ``audit_record_expiry``, which admits
a transaction that declared the whole-trail scope (``reptidex.audit_scope = 'all'``), as the
expiry's does.

Revision ID: ops_0008
Revises: ops_0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    force_row_level_security,
    on_postgres,
    secure_outbox,
    unforce_row_level_security,
    unsecure_outbox,
)

revision = "ops_0008"
down_revision = "ops_0007"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_ops_app"
ALL = "current_setting('reptidex.audit_scope', true) = 'all'"
TABLES = (
    "audit_record",
    "lab_integration",
    "marketplace_feed",
    "webhook_delivery",
    "webhook_subscription",
)
"""Every table of repti-ops under row-level security (the outbox aside)."""


def upgrade() -> None:
    """FORCE row-level security on the tenant tables and put the outbox under it."""
    if not on_postgres():
        return
    force_row_level_security(TABLES)
    op.execute(f"CREATE POLICY audit_record_expiry ON audit_record FOR DELETE USING ({ALL})")
    secure_outbox(APP_ROLE)
    # the service's /health/deep reads the schema's revision as the role
    op.execute(f"GRANT SELECT ON alembic_version TO {APP_ROLE}")


def downgrade() -> None:
    """Take the outbox out of row-level security and lift FORCE from the tenant tables."""
    if not on_postgres():
        return
    op.execute(f"REVOKE SELECT ON alembic_version FROM {APP_ROLE}")  # noqa: S608 - constants
    unsecure_outbox()
    op.execute("DROP POLICY IF EXISTS audit_record_expiry ON audit_record")
    unforce_row_level_security(TABLES)
