"""repti-media: the animals read model keeps when each part last changed, deleted animals as
tombstones, and which backfills from repti-animal completed.

Revision ID: media_0005
Revises: media_0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "media_0005"
down_revision = "media_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the change times and the tombstone; create ``media_animal_backfill``."""
    with op.batch_alter_table("media_public_animal") as batch:
        batch.add_column(sa.Column("summary_at", DateTimeUTC(timezone=True), nullable=True))
        batch.add_column(sa.Column("parents_at", DateTimeUTC(timezone=True), nullable=True))
        batch.add_column(sa.Column("deleted_at", DateTimeUTC(timezone=True), nullable=True))
    op.create_table(
        "media_animal_backfill",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("started_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("animals", sa.Integer(), nullable=False),
        sa.UniqueConstraint("scope", name="uq_media_animal_backfill_scope"),
    )


def downgrade() -> None:
    """Drop the table and the columns."""
    op.drop_table("media_animal_backfill")
    with op.batch_alter_table("media_public_animal") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("parents_at")
        batch.drop_column("summary_at")
