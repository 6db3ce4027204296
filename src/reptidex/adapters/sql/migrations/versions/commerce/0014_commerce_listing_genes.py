"""repti-commerce: the genes of the available listings, one row each, for the gene search.

Under row-level security PostgreSQL evaluates a search's own conditions only after the
policies, unless they are leakproof; ``LIKE`` is not, so the search for a gene
(``het_index LIKE '%|clown|%'``) could use no index, trigram or other, and read every available
listing. ``listing_gene`` holds a row ``(gene, zygosity, listing_id)`` for each gene key of
each available listing (``visual``, ``het`` or ``possible_het``, from its index columns), and
the search asks it by equality: its primary key gives the listings of a gene at once.

Row triggers keep it (a function of the tables' owner: the service's role may only read it):
inserting a listing, or changing its state or gene columns, replaces the listing's rows; a
deleted listing's rows go with it (the foreign key). It holds only what anyone may see (the
genes of available listings), so it needs no policy. The rows of the listings already there
are written here. PostgreSQL only: SQLite, without row-level security, searches the index
columns directly.

Revision ID: commerce_0014
Revises: commerce_0013
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

from reptidex.adapters.sql.migrations.app_role import on_postgres

revision = "commerce_0014"
down_revision = "commerce_0013"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_commerce_app"
# the gene keys of a listing row (``row``), each with its zygosity: constants only, no input
GENES = """
    SELECT DISTINCT {row}.id AS listing_id, g.gene, g.zygosity FROM (
        SELECT unnest(string_to_array({row}.visual_index, '|')) AS gene, 'visual' AS zygosity
        UNION ALL SELECT unnest(string_to_array({row}.het_index, '|')), 'het'
        UNION ALL SELECT unnest(string_to_array({row}.possible_het_index, '|')), 'possible_het'
    ) AS g WHERE g.gene <> ''
"""


def upgrade() -> None:
    """Create the table, its triggers, and the rows of the available listings."""
    if not on_postgres():
        return
    op.execute(
        "CREATE TABLE listing_gene ("
        "gene text NOT NULL, zygosity varchar(12) NOT NULL, "
        "listing_id uuid NOT NULL REFERENCES listing (id) ON DELETE CASCADE, "
        "CONSTRAINT pk_listing_gene PRIMARY KEY (gene, zygosity, listing_id))"
    )
    op.execute("CREATE INDEX ix_listing_gene_listing_id ON listing_gene (listing_id)")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON listing_gene FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT ON listing_gene TO {APP_ROLE}")
    op.execute(
        f"""
        CREATE FUNCTION reptidex_listing_genes() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM listing_gene WHERE listing_id = OLD.id;
            END IF;
            IF NEW.state = 'available' THEN
                INSERT INTO listing_gene (listing_id, gene, zygosity)
                {GENES.format(row="NEW")};
            END IF;
            RETURN NULL;
        END
        $$
        """  # noqa: S608 - constants only
    )
    op.execute(
        "CREATE TRIGGER listing_genes_inserted AFTER INSERT ON listing "
        "FOR EACH ROW EXECUTE FUNCTION reptidex_listing_genes()"
    )
    op.execute(
        "CREATE TRIGGER listing_genes_updated AFTER UPDATE ON listing FOR EACH ROW "
        "WHEN (OLD.state IS DISTINCT FROM NEW.state "
        "OR OLD.visual_index IS DISTINCT FROM NEW.visual_index "
        "OR OLD.het_index IS DISTINCT FROM NEW.het_index "
        "OR OLD.possible_het_index IS DISTINCT FROM NEW.possible_het_index) "
        "EXECUTE FUNCTION reptidex_listing_genes()"
    )
    op.execute(
        "INSERT INTO listing_gene (listing_id, gene, zygosity) "  # noqa: S608 - constants only
        f"SELECT genes.* FROM listing, LATERAL ({GENES.format(row='listing')}) AS genes "
        "WHERE listing.state = 'available'"
    )


def downgrade() -> None:
    """Drop the triggers, their function and the table."""
    if not on_postgres():
        return
    op.execute("DROP TRIGGER listing_genes_updated ON listing")
    op.execute("DROP TRIGGER listing_genes_inserted ON listing")
    op.execute("DROP FUNCTION reptidex_listing_genes()")
    op.execute("DROP TABLE listing_gene")
