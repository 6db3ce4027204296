"""repti-commerce: ``animal_het_odds`` keeps each animal's pedigree carrier odds.

repti-animal announces an animal's posterior carrier odds, computed from its whole recorded
pedigree, with ``animal.het_odds.changed``; commerce keeps the latest per organisation and
animal (``computed_at``, the event's time, so that an older computation arriving late never
replaces a newer one), and a listing made later takes them into its snapshot. Tenant data:
under row-level security (FORCEd) an organisation reads and writes only its own animals'
odds; the service's role may select, insert and update them.

Revision ID: commerce_0021
Revises: commerce_0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

from reptidex.adapters.sql.migrations.app_role import force_row_level_security, on_postgres

revision = "commerce_0021"
down_revision = "commerce_0020"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_commerce_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"


def upgrade() -> None:
    """Create the table; on PostgreSQL grant it and add its policy."""
    op.create_table(
        "animal_het_odds",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("animal_id", GUID(length=16), nullable=False),
        sa.Column("species", sa.String(60), nullable=False),
        sa.Column("genes", JsonB, nullable=False),
        sa.Column("computed_at", DateTimeUTC(timezone=True), nullable=False),
    )
    op.create_index(
        "uq_animal_het_odds_animal",
        "animal_het_odds",
        ["organisation_id", "animal_id"],
        unique=True,
    )
    if not on_postgres():
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON animal_het_odds TO {APP_ROLE}")
    op.execute("ALTER TABLE animal_het_odds ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY animal_het_odds_own ON animal_het_odds "
        f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})"
    )
    force_row_level_security(["animal_het_odds"])


def downgrade() -> None:
    """Drop the table (its policy with it)."""
    op.drop_index("uq_animal_het_odds_animal", table_name="animal_het_odds")
    op.drop_table("animal_het_odds")
