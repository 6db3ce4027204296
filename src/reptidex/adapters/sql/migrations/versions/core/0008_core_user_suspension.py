"""repti-core: an account a platform administrator suspended (``user_account.suspended_at``).

Revision ID: core_0008
Revises: core_0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "core_0008"
down_revision = "core_0006"
branch_labels = None
depends_on = "core_0002"  # user_account is made on the identity branch


def upgrade() -> None:
    """Add ``user_account.suspended_at`` (no account is suspended)."""
    op.add_column(
        "user_account", sa.Column("suspended_at", DateTimeUTC(timezone=True), nullable=True)
    )


def downgrade() -> None:
    """Drop ``user_account.suspended_at``."""
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("suspended_at")
