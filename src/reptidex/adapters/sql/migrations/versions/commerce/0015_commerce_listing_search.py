"""repti-commerce: the marketplace search reads ``listing_search``, which holds what it filters
and sorts on for every available listing, in the order of each sort.

A search read ``listing`` through its policies: it found the gene's listings in
``listing_gene`` (migration ``commerce_0014``) and then fetched every one of them to filter
by price and end, sort them and count them (5,413 listings of the issue's search at 100,000,
twice). ``listing_search`` replaces ``listing_gene``: a row per available listing and gene key
in each of its zygosities (``visual``, ``het``, ``possible_het``) and once more in ``any``,
and a row per available listing with the gene ``''`` (``any``) that every search without a
gene reads. Each row carries the listing's price, currency, creation, end, species, sex,
seller, country and shipping, so a search filters and counts in this table alone and reads
a page in one of its indexes (one per sort, led by gene and zygosity), stopping at the page's
end; only the page's listings are fetched. A text search also reads the listing's title and
description.

Row triggers keep it as ``listing_gene`` was kept (a function of the tables' owner; the
service's role may only read it): inserting a listing, or changing its state or a column the
search reads, replaces the listing's rows; a deleted listing's rows go with it. It holds only
what anyone may see, so it needs no policy. The rows of the listings already there are
written here. PostgreSQL only: SQLite searches ``listing`` directly.

Revision ID: commerce_0015
Revises: commerce_0014
Create Date: 2026-12-09
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

from reptidex.adapters.sql.migrations.app_role import on_postgres

revision = "commerce_0015"
down_revision = "commerce_0014"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_commerce_app"
COLUMNS = (
    "price_amount",
    "currency",
    "created_at",
    "expires_at",
    "species",
    "sex",
    "organisation_id",
    "country",
    "shipping_available",
)
"""The listing's columns each row carries (the filters and sort keys but the text)."""
WATCHED = (*COLUMNS, "state", "visual_index", "het_index", "possible_het_index")
"""A change of any of these replaces the listing's rows."""
# the search rows of a listing row (``row``): constants only, no input
ROWS = """
    SELECT k.gene, k.zygosity, {row}.id, {listed} FROM (
        SELECT DISTINCT g.gene, z.zygosity FROM (
            SELECT unnest(string_to_array({row}.visual_index, '|')) AS gene, 'visual' AS zygosity
            UNION ALL SELECT unnest(string_to_array({row}.het_index, '|')), 'het'
            UNION ALL SELECT unnest(string_to_array({row}.possible_het_index, '|')), 'possible_het'
        ) AS g, LATERAL (VALUES (g.zygosity), ('any')) AS z (zygosity) WHERE g.gene <> ''
        UNION ALL SELECT '', 'any'
    ) AS k
"""
# one index per sort, each led by gene and zygosity, ending as the sort's tie-break does; the
# price index also holds every other filtered column, so that a count reads that index alone
SORTS = {
    "price": "price_amount, created_at DESC, listing_id",
    "price_desc": "price_amount DESC, created_at DESC, listing_id",
    "newest": "created_at DESC, listing_id",
    "ending_soon": "(expires_at IS NULL), expires_at, created_at DESC, listing_id",
}
COVERING = (
    "INCLUDE (expires_at, currency, species, sex, organisation_id, country, shipping_available)"
)


def _rows(row: str) -> str:
    return ROWS.format(row=row, listed=", ".join(f"{row}.{c}" for c in COLUMNS))


def upgrade() -> None:
    """Create the table, its indexes and triggers, write the rows of the available listings,
    and drop ``listing_gene``."""
    if not on_postgres():
        return
    op.execute(
        "CREATE TABLE listing_search ("
        "gene text NOT NULL, zygosity varchar(12) NOT NULL, "
        "listing_id uuid NOT NULL REFERENCES listing (id) ON DELETE CASCADE, "
        "price_amount bigint NOT NULL, currency varchar(3) NOT NULL, "
        "created_at timestamptz NOT NULL, expires_at timestamptz, "
        "species varchar(60) NOT NULL, sex varchar(10) NOT NULL, organisation_id uuid NOT NULL, "
        "country varchar(2) NOT NULL, shipping_available boolean NOT NULL, "
        "CONSTRAINT pk_listing_search PRIMARY KEY (gene, zygosity, listing_id))"
    )
    op.execute("CREATE INDEX ix_listing_search_listing_id ON listing_search (listing_id)")
    for name, keys in SORTS.items():
        op.execute(
            f"CREATE INDEX ix_listing_search_{name} ON listing_search (gene, zygosity, {keys})"
            + (f" {COVERING}" if name == "price" else "")
        )
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON listing_search FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT ON listing_search TO {APP_ROLE}")
    _drop_listing_gene()
    listed = ", ".join(("gene", "zygosity", "listing_id", *COLUMNS))
    op.execute(
        f"""
        CREATE FUNCTION reptidex_listing_search() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM listing_search WHERE listing_id = OLD.id;
            END IF;
            IF NEW.state = 'available' THEN
                INSERT INTO listing_search ({listed}) {_rows("NEW")};
            END IF;
            RETURN NULL;
        END
        $$
        """  # noqa: S608 - constants only
    )
    op.execute(
        "CREATE TRIGGER listing_search_inserted AFTER INSERT ON listing "
        "FOR EACH ROW EXECUTE FUNCTION reptidex_listing_search()"
    )
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)
    op.execute(
        f"CREATE TRIGGER listing_search_updated AFTER UPDATE ON listing FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION reptidex_listing_search()"
    )
    op.execute(
        f"INSERT INTO listing_search ({listed}) "  # noqa: S608 - constants only
        f"SELECT found.* FROM listing, LATERAL ({_rows('listing')}) AS found "
        "WHERE listing.state = 'available'"
    )
    op.execute("ANALYZE listing_search")


def _drop_listing_gene() -> None:
    op.execute("DROP TRIGGER listing_genes_updated ON listing")
    op.execute("DROP TRIGGER listing_genes_inserted ON listing")
    op.execute("DROP FUNCTION reptidex_listing_genes()")
    op.execute("DROP TABLE listing_gene")


def _listing_genes() -> ModuleType:
    """Migration ``commerce_0014``, whose upgrade makes ``listing_gene`` again."""
    path = Path(__file__).with_name("0014_commerce_listing_genes.py")
    spec = importlib.util.spec_from_file_location("commerce_0014_listing_genes", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    """Drop the table, its triggers and their function; make ``listing_gene`` again."""
    if not on_postgres():
        return
    op.execute("DROP TRIGGER listing_search_updated ON listing")
    op.execute("DROP TRIGGER listing_search_inserted ON listing")
    op.execute("DROP FUNCTION reptidex_listing_search()")
    op.execute("DROP TABLE listing_search")
    _listing_genes().upgrade()
