"""repti-commerce: each listing keeps its public JSON document (``listing.document``).

The marketplace's search returns listings as the service renders them; rendering fifty rows
for every page cost more than the search itself. The service now renders a listing once, when
it writes it, and keeps the bytes beside the row with the tag of the renderer that made them
(``document_tag``); a search reads the bytes. A document is only ever as current as its row:
on PostgreSQL a trigger clears it whenever an update of the row does not write a new one (a
statement that changes the row some other way), and a search renders a listing whose document
is missing or carries another tag from its row, as it did before. The columns are covered by
the listing's existing grants and row-level security.

Revision ID: commerce_0020
Revises: commerce_0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reptidex.adapters.sql.migrations.app_role import on_postgres

revision = "commerce_0020"
down_revision = "commerce_0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns, and on PostgreSQL the trigger that keeps a document with its row."""
    op.add_column("listing", sa.Column("document", sa.LargeBinary(), nullable=True))
    op.add_column("listing", sa.Column("document_tag", sa.String(40), nullable=True))
    if not on_postgres():
        return
    op.execute(
        """
        CREATE FUNCTION reptidex_listing_document() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
        BEGIN
            IF NEW.document IS NOT DISTINCT FROM OLD.document
               OR NEW.version IS NOT DISTINCT FROM OLD.version THEN
                NEW.document := NULL;
                NEW.document_tag := NULL;
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER listing_document_kept BEFORE UPDATE ON listing "
        "FOR EACH ROW EXECUTE FUNCTION reptidex_listing_document()"
    )


def downgrade() -> None:
    """Drop the trigger and the columns."""
    if on_postgres():
        op.execute("DROP TRIGGER listing_document_kept ON listing")
        op.execute("DROP FUNCTION reptidex_listing_document()")
    with op.batch_alter_table("listing") as batch:
        batch.drop_column("document_tag")
        batch.drop_column("document")
