"""repti-commerce: the expiry worker may expire every organisation's ended listings.

On PostgreSQL, a transaction that sets ``reptidex.worker`` to ``listing_expiry`` reads the
available, hidden and expired listings of every organisation and may move the available and
hidden ones to ``expired``, and to nothing else; an index serves its search for ended listings.

Revision ID: commerce_0007
Revises: commerce_0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "commerce_0007"
down_revision = "commerce_0006"
branch_labels = None
depends_on = None

WORKER = "(current_setting('reptidex.worker', true) = 'listing_expiry')"
EXPIRABLE = "state IN ('available', 'hidden')"
# PostgreSQL checks an updated row against the read policies too: the worker reads what it
# expired.
READABLE = "state IN ('available', 'hidden', 'expired')"


def upgrade() -> None:
    """Index the ends; let the worker read and expire ended listings."""
    op.create_index("ix_listing_state_expires_at", "listing", ["state", "expires_at"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE POLICY listing_expiry_read ON listing FOR SELECT USING ({WORKER} AND {READABLE})"
    )
    op.execute(
        f"CREATE POLICY listing_expiry_update ON listing FOR UPDATE "
        f"USING ({WORKER} AND {EXPIRABLE}) WITH CHECK ({WORKER} AND state = 'expired')"
    )


def downgrade() -> None:
    """Drop the policies and the index."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS listing_expiry_update ON listing")
        op.execute("DROP POLICY IF EXISTS listing_expiry_read ON listing")
    op.drop_index("ix_listing_state_expires_at", table_name="listing")
