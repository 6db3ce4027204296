"""repti-animal: a transfer may name what it carries out (``order:<id>`` for a marketplace
sale), once: a unique index on ``animal_transfer.reference`` makes a repeated sale transfer
find the first one instead of moving the animal twice.

Revision ID: animal_0009
Revises: animal_0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "animal_0009"
down_revision = "animal_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the reference and its unique index."""
    op.add_column("animal_transfer", sa.Column("reference", sa.String(80), nullable=True))
    op.create_index("ix_animal_transfer_reference", "animal_transfer", ["reference"], unique=True)


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_animal_transfer_reference", table_name="animal_transfer")
    op.drop_column("animal_transfer", "reference")
