"""repti-commerce: a payout account's status, ``pending`` while an account the platform opened
through Stripe Connect onboarding does not take charges yet, ``enabled`` otherwise (every
account named before this revision: the sellers named accounts they already had).

The row-level-security policies of ``commerce_payout_account`` (migration ``commerce_0005``)
name no column this adds: they stay as they are, and the organisation's own policy covers
the status it changes.

Revision ID: commerce_0012
Revises: commerce_0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "commerce_0012"
down_revision = "commerce_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the status, ``enabled`` for the accounts already named."""
    op.add_column(
        "commerce_payout_account",
        sa.Column("status", sa.String(10), nullable=False, server_default="enabled"),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_column("commerce_payout_account", "status")
