"""repti-commerce: PostgreSQL tells every listening process when listings changed.

A statement trigger on ``listing`` sends an empty notice on channel
``reptidex_listing_changed`` after every statement that inserts, updates or deletes listings,
and after emptying the table (``TRUNCATE``). Processes that keep marketplace search pages in
memory drop them all. NOTIFY is delivered at commit (several notices of one transaction as
one), and not at all on rollback. SQLite has no notifications: there nothing is kept.

Revision ID: commerce_0013
Revises: commerce_0012
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "commerce_0013"
down_revision = "commerce_0012"
branch_labels = None
depends_on = None

CHANNEL = "reptidex_listing_changed"


def upgrade() -> None:
    """Create the notifying function and its trigger (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION reptidex_listing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER listing_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON listing "
        "FOR EACH STATEMENT EXECUTE FUNCTION reptidex_listing_changed()"
    )


def downgrade() -> None:
    """Drop the trigger and its function."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER listing_changed ON listing")
    op.execute("DROP FUNCTION reptidex_listing_changed()")
