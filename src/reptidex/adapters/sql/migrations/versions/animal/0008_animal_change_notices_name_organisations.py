"""repti-animal: a change notice also names the organisations the changed row belongs to.

The notices of ``animal_0007`` carry ids only. A process that keeps each organisation's
animals in memory (the pedigree mirror) must know whose copy a change touches: a new
hatchling, or an animal transferred from one organisation to another, is in no copy yet. So
the animal notice now ends with ``org:<id>`` for the organisation before and after the
change, and the clutch notice with the clutch's organisation. Words that are not UUIDs were
always skipped by readers of the ids, so readers of ``animal_0007`` notices are unaffected.

Revision ID: animal_0008
Revises: animal_0007
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "animal_0008"
down_revision = "animal_0007"
branch_labels = None
depends_on = None

CHANNEL = "reptidex_animal_changed"


def _animal_function(with_organisations: bool) -> str:
    new_org = ", 'org:' || NEW.organisation_id" if with_organisations else ""
    old_org = ", 'org:' || OLD.organisation_id" if with_organisations else ""
    return f"""
        CREATE OR REPLACE FUNCTION reptidex_animal_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                PERFORM pg_notify(
                    '{CHANNEL}', concat_ws(' ', NEW.id, NEW.sire_id, NEW.dam_id{new_org})
                );
            ELSIF TG_OP = 'DELETE' THEN
                PERFORM pg_notify(
                    '{CHANNEL}', concat_ws(' ', OLD.id, OLD.sire_id, OLD.dam_id{old_org})
                );
            ELSE
                PERFORM pg_notify(
                    '{CHANNEL}',
                    concat_ws(
                        ' ', NEW.id, NEW.sire_id, NEW.dam_id, OLD.sire_id, OLD.dam_id
                        {new_org}{old_org}
                    )
                );
            END IF;
            RETURN NULL;
        END
        $$
        """


def _clutch_function(with_organisation: bool) -> str:
    if with_organisation:
        new, old = (
            f"concat_ws(' ', {row}.id, 'org:' || {row}.organisation_id)" for row in ("NEW", "OLD")
        )
    else:
        new, old = "NEW.id::text", "OLD.id::text"
    return f"""
        CREATE OR REPLACE FUNCTION reptidex_clutch_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                PERFORM pg_notify('{CHANNEL}', {old});
            ELSE
                PERFORM pg_notify('{CHANNEL}', {new});
            END IF;
            RETURN NULL;
        END
        $$
        """


def upgrade() -> None:
    """Replace the notifying functions (PostgreSQL only; the triggers stay)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_animal_function(True))
    op.execute(_clutch_function(True))


def downgrade() -> None:
    """Back to notices of ids only."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_animal_function(False))
    op.execute(_clutch_function(False))
