"""repti-core: the payment provider of each subscription (Stripe or PayPal); a subscription
already referenced is Stripe's, the one provider before this revision.

Revision ID: core_0006
Revises: core_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0006"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``billing_subscription.provider``, Stripe for every subscription referenced."""
    op.add_column("billing_subscription", sa.Column("provider", sa.String(20), nullable=True))
    op.execute(
        "UPDATE billing_subscription SET provider = 'stripe' WHERE subscription_ref IS NOT NULL"
    )


def downgrade() -> None:
    """Drop ``billing_subscription.provider``."""
    with op.batch_alter_table("billing_subscription") as batch:
        batch.drop_column("provider")
