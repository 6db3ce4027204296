"""repti-media: rendered charts and certificates (the render cache).

Revision ID: media_0003
Revises: media_0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "media_0003"
down_revision = "media_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``media_render``."""
    op.create_table(
        "media_render",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("animal_id", sa.String(36), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("lineage_version", sa.String(64), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("cache_key", name="uq_media_render_cache_key"),
    )
    op.create_index("ix_media_render_animal_id", "media_render", ["animal_id"])


def downgrade() -> None:
    """Drop ``media_render``."""
    op.drop_table("media_render")
