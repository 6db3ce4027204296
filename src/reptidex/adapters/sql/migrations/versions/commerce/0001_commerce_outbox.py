"""repti-commerce: the transactional outbox.

Revision ID: commerce_0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from reptidex.adapters.sql.migrations.outbox_table import create_outbox_table, drop_outbox_table

revision = "commerce_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the outbox table."""
    create_outbox_table()


def downgrade() -> None:
    """Drop the outbox table."""
    drop_outbox_table()
