"""repti-animal: PostgreSQL tells every listening process which animals and clutches changed.

A row trigger on ``animal`` sends, on channel ``reptidex_animal_changed``, the animal's id with
its parents before and after the change; one on ``clutch`` sends the clutch's id; emptying
either table (``TRUNCATE``, which fires no row trigger) sends ``*``: everything changed. Processes
that keep lineages in memory drop every one that read any of those ids (a new hatchling
changes the descendants of its parents; a changed parent link, name or visibility changes
every lineage the animal appears in). NOTIFY is delivered at commit, and not at all on
rollback. SQLite has no notifications: there nothing is kept.

Revision ID: animal_0007
Revises: animal_0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "animal_0007"
down_revision = "animal_0006"
branch_labels = None
depends_on = None

CHANNEL = "reptidex_animal_changed"


def upgrade() -> None:
    """Create the notifying functions and their triggers (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION reptidex_animal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                PERFORM pg_notify('{CHANNEL}', concat_ws(' ', NEW.id, NEW.sire_id, NEW.dam_id));
            ELSIF TG_OP = 'DELETE' THEN
                PERFORM pg_notify('{CHANNEL}', concat_ws(' ', OLD.id, OLD.sire_id, OLD.dam_id));
            ELSE
                PERFORM pg_notify(
                    '{CHANNEL}',
                    concat_ws(' ', NEW.id, NEW.sire_id, NEW.dam_id, OLD.sire_id, OLD.dam_id)
                );
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION reptidex_clutch_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                PERFORM pg_notify('{CHANNEL}', OLD.id::text);
            ELSE
                PERFORM pg_notify('{CHANNEL}', NEW.id::text);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION reptidex_animals_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '*');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER animal_changed AFTER INSERT OR UPDATE OR DELETE ON animal "
        "FOR EACH ROW EXECUTE FUNCTION reptidex_animal_changed()"
    )
    for table in ("animal", "clutch"):
        op.execute(
            f"CREATE TRIGGER {table}_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reptidex_animals_truncated()"
        )
    op.execute(
        "CREATE TRIGGER clutch_changed AFTER UPDATE OR DELETE ON clutch "
        "FOR EACH ROW EXECUTE FUNCTION reptidex_clutch_changed()"
    )


def downgrade() -> None:
    """Drop the triggers and their functions."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("animal", "clutch"):
        op.execute(f"DROP TRIGGER {table}_truncated ON {table}")
    op.execute("DROP TRIGGER clutch_changed ON clutch")
    op.execute("DROP TRIGGER animal_changed ON animal")
    op.execute("DROP FUNCTION reptidex_animals_truncated()")
    op.execute("DROP FUNCTION reptidex_clutch_changed()")
    op.execute("DROP FUNCTION reptidex_animal_changed()")
