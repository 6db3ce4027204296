"""repti-animal: the inbox of idempotent event consumers (processed_event).

Revision ID: animal_0002e
Revises: animal_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from reptidex.adapters.sql.migrations.inbox_table import create_inbox_table, drop_inbox_table

revision = "animal_0002e"
down_revision = "animal_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the processed_event table."""
    create_inbox_table()


def downgrade() -> None:
    """Drop the processed_event table."""
    drop_inbox_table()
