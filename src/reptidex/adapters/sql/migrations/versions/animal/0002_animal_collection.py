"""repti-animal: the collection (animals) and the per-organisation id-code counter.

Revision ID: animal_0002
Revises: animal_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "animal_0002"
down_revision = "animal_0001"
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
    """Create ``animal`` and ``animal_id_code``."""
    op.create_table(
        "animal",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("name", sa.String(120), nullable=True),
        sa.Column("species", sa.String(60), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("hatch_date", sa.Date(), nullable=True),
        sa.Column("origin", sa.String(12), nullable=False),
        sa.Column("morph", sa.String(300), nullable=False),
        sa.Column("phenotype", sa.String(300), nullable=False),
        sa.Column("genotype", JsonB, nullable=False),
        sa.Column("trait_index", sa.String(1000), nullable=False),
        sa.Column("gene_index", sa.String(2000), nullable=False),
        sa.Column("tag_index", sa.String(2000), nullable=False),
        sa.Column("sire_id", GUID(length=16), nullable=True),
        sa.Column("dam_id", GUID(length=16), nullable=True),
        sa.Column("external_sire", JsonB, nullable=True),
        sa.Column("external_dam", JsonB, nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("visibility", sa.String(14), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tags", JsonB, nullable=False),
        sa.Column("photo_ids", JsonB, nullable=False),
        sa.Column("clutch_id", GUID(length=16), nullable=True),
        sa.UniqueConstraint("organisation_id", "code", name="uq_animal_organisation_code"),
    )
    op.create_index("ix_animal_organisation_species", "animal", ["organisation_id", "species"])
    op.create_index("ix_animal_sire_id", "animal", ["sire_id"])
    op.create_index("ix_animal_dam_id", "animal", ["dam_id"])
    op.create_table(
        "animal_id_code",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("template", sa.String(100), nullable=True),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.UniqueConstraint("organisation_id", name="uq_animal_id_code_organisation"),
    )


def downgrade() -> None:
    """Drop the collection tables."""
    op.drop_table("animal_id_code")
    op.drop_index("ix_animal_dam_id", table_name="animal")
    op.drop_index("ix_animal_sire_id", table_name="animal")
    op.drop_index("ix_animal_organisation_species", table_name="animal")
    op.drop_table("animal")
