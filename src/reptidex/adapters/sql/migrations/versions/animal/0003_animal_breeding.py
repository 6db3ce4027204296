"""repti-animal: breeding pairs and clutches.

Revision ID: animal_0003
Revises: animal_0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "animal_0003"
down_revision = "animal_0002"
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
    """Create ``breeding_pair`` and ``clutch``."""
    op.create_table(
        "breeding_pair",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("sire_id", GUID(length=16), nullable=False),
        sa.Column("dam_id", GUID(length=16), nullable=False),
        sa.Column("season", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("prospective_coi", sa.Float(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.UniqueConstraint(
            "organisation_id", "sire_id", "dam_id", "season", name="uq_breeding_pair_season"
        ),
    )
    op.create_index("ix_breeding_pair_organisation_id", "breeding_pair", ["organisation_id"])
    op.create_table(
        "clutch",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("pair_id", GUID(length=16), nullable=True),
        sa.Column("dam_id", GUID(length=16), nullable=False),
        sa.Column("sire_ids", JsonB, nullable=False),
        sa.Column("season", sa.String(20), nullable=False),
        sa.Column("laid_on", sa.Date(), nullable=False),
        sa.Column("eggs", sa.Integer(), nullable=False),
        sa.Column("fertile", sa.Integer(), nullable=True),
        sa.Column("slugs", sa.Integer(), nullable=True),
        sa.Column("incubation_temperature", sa.Float(), nullable=True),
        sa.Column("expected_hatch", sa.Date(), nullable=True),
        sa.Column("hatched_on", sa.Date(), nullable=True),
        sa.Column("hatched", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
    )
    op.create_index("ix_clutch_organisation_id", "clutch", ["organisation_id"])


def downgrade() -> None:
    """Drop the breeding tables."""
    op.drop_index("ix_clutch_organisation_id", table_name="clutch")
    op.drop_table("clutch")
    op.drop_index("ix_breeding_pair_organisation_id", table_name="breeding_pair")
    op.drop_table("breeding_pair")
