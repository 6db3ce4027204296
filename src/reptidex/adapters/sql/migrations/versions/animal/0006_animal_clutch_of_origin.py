"""repti-animal: the clutch of origin of an animal one may see is readable too.

An index on ``animal.clutch_id`` (hatchlings of a clutch), and on PostgreSQL a second read
policy on ``clutch``: besides the organisation's own clutches, a clutch is readable when an
animal hatched from it is (the policy's subquery on ``animal`` runs under ``animal``'s own
policies: the caller's animals, lineage-only and public ones). A lineage prints the clutch of
origin of its animal (laid date, the organisation that bred it) for the buyer of a sold animal
and for public pages; every other read of clutches still filters on the organisation.

Revision ID: animal_0006
Revises: animal_0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "animal_0006"
down_revision = "animal_0005"
branch_labels = None
depends_on = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    """Index the clutch of origin; let a clutch be read through the animals hatched from it."""
    op.create_index("ix_animal_clutch_id", "animal", ["clutch_id"])
    if _postgres():
        op.execute(
            "CREATE POLICY clutch_of_visible_animal ON clutch FOR SELECT "
            "USING (EXISTS (SELECT 1 FROM animal WHERE animal.clutch_id = clutch.id))"
        )


def downgrade() -> None:
    """Drop the policy and the index."""
    if _postgres():
        op.execute("DROP POLICY IF EXISTS clutch_of_visible_animal ON clutch")
    op.drop_index("ix_animal_clutch_id", table_name="animal")
