"""repti-commerce: the GDPR port reads and pseudonymises one user's id across organisations.

On PostgreSQL, a transaction that sets ``reptidex.worker`` to ``personal_data`` reads every
listing, order and order step, and may change them: the port replaces the user's id by the
pseudonym repti-ops gives (the orders and their steps are the ledger's records and stay).
Only ``services/commerce``'s GDPR port, behind repti-ops' service token, sets it.

Revision ID: commerce_0010
Revises: commerce_0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "commerce_0010"
down_revision = "commerce_0009"
branch_labels = None
depends_on = None

WORKER = "(current_setting('reptidex.worker', true) = 'personal_data')"
TABLES = ("listing", "commerce_order", "commerce_order_step")


def upgrade() -> None:
    """Let the GDPR port read and pseudonymise the tables that name users."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"CREATE POLICY {table}_personal_data_read ON {table} FOR SELECT USING {WORKER}")
        op.execute(
            f"CREATE POLICY {table}_personal_data_update ON {table} FOR UPDATE "
            f"USING {WORKER} WITH CHECK {WORKER}"
        )


def downgrade() -> None:
    """Drop the policies."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS {table}_personal_data_update ON {table}")
        op.execute(f"DROP POLICY IF EXISTS {table}_personal_data_read ON {table}")
