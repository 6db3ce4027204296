"""repti-commerce: where an imported listing came from (``listing.external_ref``).

A partner marketplace's listing id, given when repti-ops imports a partner's export: unique
per seller, so importing the same row again finds its listing instead of making another. The
column is covered by the listing's existing grants and row-level security.

Revision ID: commerce_0016
Revises: commerce_0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "commerce_0016"
down_revision = "commerce_0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column and its unique index (several listings may have none)."""
    op.add_column("listing", sa.Column("external_ref", sa.String(200), nullable=True))
    op.create_index(
        "uq_listing_external_ref", "listing", ["organisation_id", "external_ref"], unique=True
    )


def downgrade() -> None:
    """Drop the index and the column."""
    op.drop_index("uq_listing_external_ref", table_name="listing")
    with op.batch_alter_table("listing") as batch:
        batch.drop_column("external_ref")
