"""repti-media: the animals read model, embedding settings and widget view counts.

Revision ID: media_0004
Revises: media_0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "media_0004"
down_revision = "media_0003"
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Create ``media_public_animal``, ``media_embed_settings`` and ``media_embed_view``."""
    op.create_table(
        "media_public_animal",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=True),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("name", sa.String(120), nullable=True),
        sa.Column("species", sa.String(60), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("phenotype", sa.String(300), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("visibility", sa.String(14), nullable=False),
        sa.Column("sire_id", GUID(length=16), nullable=True),
        sa.Column("dam_id", GUID(length=16), nullable=True),
    )
    op.create_index(
        "ix_media_public_animal_organisation_id", "media_public_animal", ["organisation_id"]
    )
    op.create_table(
        "media_embed_settings",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("allowed_origins", JsonB, nullable=False),
        sa.UniqueConstraint("organisation_id", name="uq_media_embed_settings_organisation_id"),
    )
    op.create_table(
        "media_embed_view",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("widget", sa.String(20), nullable=False),
        sa.Column("subject_id", GUID(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "organisation_id", "widget", "subject_id", "day", name="uq_media_embed_view"
        ),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("media_embed_view")
    op.drop_table("media_embed_settings")
    op.drop_table("media_public_animal")
