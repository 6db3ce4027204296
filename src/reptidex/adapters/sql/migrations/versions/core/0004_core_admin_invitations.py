"""repti-core: platform administrators, revoked invitations.

Revision ID: core_0004
Revises: core_0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "core_0004"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``user_account.platform_admin`` and ``invitation.revoked_at``."""
    op.add_column(
        "user_account",
        sa.Column("platform_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("invitation", sa.Column("revoked_at", DateTimeUTC(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("invitation") as batch:
        batch.drop_column("revoked_at")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("platform_admin")
