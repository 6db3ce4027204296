"""repti-animal: every animal's het odds as computed from its whole recorded family.

``animal_het_odds`` holds one row per animal and locus (``position``: the catalog's order): the probability of carrying as exact
text (``"2/3"``, a decimal number when the family was too large for exact figures) and as a
float, ``proven``, the genotype distribution and the explanation as JSON, the method, the
family's size and when it was computed. ``animal_het_odds_state`` holds one row per animal:
how its family's last computation went (``computed``, or why no odds are kept: ``too_large``,
``too_complex``, ``contradiction``, with the note) and ``requested_at``, set when a
relative's change asks for a new computation and cleared by it (the upkeep worker's queue).
Both go with their animal (``ON DELETE CASCADE``).

On PostgreSQL, under row-level security (FORCEd like every table of the service): a
transaction reads and writes its organisation's rows only; a transaction that sets
``reptidex.worker`` to ``het_odds_upkeep`` also reads every organisation's state rows that
wait for a computation (their ids, to compute each organisation's families in a transaction
bound to that organisation).

Revision ID: animal_0013
Revises: animal_0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    disable_row_level_security,
    drop_policies,
    enable_row_level_security,
    force_row_level_security,
    on_postgres,
    unforce_row_level_security,
)

revision = "animal_0013"
down_revision = "animal_0012"
branch_labels = None
depends_on = None

ODDS = "animal_het_odds"
STATE = "animal_het_odds_state"
TABLES = (ODDS, STATE)
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
WORKER = "(current_setting('reptidex.worker', true) = 'het_odds_upkeep')"
POLICIES = (
    (
        f"{ODDS}_tenant",
        ODDS,
        f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})",
    ),
    (
        f"{STATE}_tenant",
        STATE,
        f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})",
    ),
    (
        f"{STATE}_upkeep_read",
        STATE,
        f"FOR SELECT USING ({WORKER} AND requested_at IS NOT NULL)",
    ),
)


def _animal_id() -> sa.Column[object]:
    return sa.Column(
        "animal_id",
        GUID(length=16),
        sa.ForeignKey("animal.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    """Create both tables and their indexes; on PostgreSQL their row-level security."""
    op.create_table(
        ODDS,
        _animal_id(),
        sa.Column("locus", sa.String(60), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("carrier", sa.Text(), nullable=False),
        sa.Column("carrier_float", sa.Float(), nullable=False),
        sa.Column("proven", sa.Boolean(), nullable=False),
        sa.Column("genotypes", JsonB, nullable=False),
        sa.Column("reasons", JsonB, nullable=False),
        sa.Column("method", sa.String(30), nullable=False),
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.Column("family_size", sa.Integer(), nullable=False),
        sa.Column("computed_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("animal_id", "locus", name=f"pk_{ODDS}"),
    )
    op.create_index(f"ix_{ODDS}_organisation_id", ODDS, ["organisation_id"])
    op.create_table(
        STATE,
        _animal_id(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("family_size", sa.Integer(), nullable=False),
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.Column("computed_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("requested_at", DateTimeUTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("animal_id", name=f"pk_{STATE}"),
    )
    op.create_index(f"ix_{STATE}_organisation_id", STATE, ["organisation_id"])
    op.create_index(f"ix_{STATE}_requested_at", STATE, ["requested_at"])
    if not on_postgres():
        return
    # the role got every right on the new tables by 0005's default privileges
    enable_row_level_security(TABLES)
    force_row_level_security(TABLES)
    for name, table, rule in POLICIES:
        op.execute(f"CREATE POLICY {name} ON {table} {rule}")


def downgrade() -> None:
    """Drop the policies, the indexes and the tables."""
    if on_postgres():
        drop_policies((name, table) for name, table, _ in POLICIES)
        unforce_row_level_security(TABLES)
        disable_row_level_security(TABLES)
    op.drop_index(f"ix_{STATE}_requested_at", table_name=STATE)
    op.drop_index(f"ix_{STATE}_organisation_id", table_name=STATE)
    op.drop_table(STATE)
    op.drop_index(f"ix_{ODDS}_organisation_id", table_name=ODDS)
    op.drop_table(ODDS)
