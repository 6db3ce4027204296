"""repti-media: file records.

Revision ID: media_0002
Revises: media_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "media_0002"
down_revision = "media_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``media_file``."""
    op.create_table(
        "media_file",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("uploaded_by", GUID(length=16), nullable=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(60), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("blob_key", sa.String(300), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("animal_id", GUID(length=16), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("thumbnails", JsonB, nullable=False),
    )
    op.create_index(
        "ix_media_file_organisation_source", "media_file", ["organisation_id", "source_sha256"]
    )
    op.create_index("ix_media_file_blob_key", "media_file", ["blob_key"])
    op.create_index("ix_media_file_animal_id", "media_file", ["animal_id"])


def downgrade() -> None:
    """Drop ``media_file``."""
    op.drop_table("media_file")
