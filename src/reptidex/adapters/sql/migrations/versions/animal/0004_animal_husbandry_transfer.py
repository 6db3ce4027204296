"""repti-animal: husbandry logs and transfer records.

Revision ID: animal_0004
Revises: animal_0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "animal_0004"
down_revision = "animal_0003"
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
    """Create ``husbandry_log`` and ``animal_transfer``."""
    op.create_table(
        "husbandry_log",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("animal_id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("details", JsonB, nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
    )
    op.create_index("ix_husbandry_log_organisation_id", "husbandry_log", ["organisation_id"])
    op.create_index(
        "ix_husbandry_log_animal", "husbandry_log", ["animal_id", "kind", "occurred_on"]
    )
    op.create_table(
        "animal_transfer",
        *_audit_columns(),
        sa.Column("animal_id", GUID(length=16), nullable=False),
        sa.Column("from_organisation_id", GUID(length=16), nullable=False),
        sa.Column("to_organisation_id", GUID(length=16), nullable=False),
        sa.Column("transferred_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("snapshot", JsonB, nullable=False),
    )
    for column in ("animal_id", "from_organisation_id", "to_organisation_id"):
        op.create_index(f"ix_animal_transfer_{column}", "animal_transfer", [column])


def downgrade() -> None:
    """Drop the husbandry and transfer tables."""
    for column in ("animal_id", "from_organisation_id", "to_organisation_id"):
        op.drop_index(f"ix_animal_transfer_{column}", table_name="animal_transfer")
    op.drop_table("animal_transfer")
    op.drop_index("ix_husbandry_log_animal", table_name="husbandry_log")
    op.drop_index("ix_husbandry_log_organisation_id", table_name="husbandry_log")
    op.drop_table("husbandry_log")
