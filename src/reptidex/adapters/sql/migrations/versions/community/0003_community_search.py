"""repti-community: the search index (search_document, search_word).

One row per public document (kind and source id unique); a removed document stays as a row
with no words (a tombstone), so that older news arriving late cannot bring it back.
``search_word`` holds every word of the documents, for typo tolerance.

On PostgreSQL: a generated ``tsvector`` column (title weighted above the rest, the ``simple``
configuration: the words are already folded by the domain) with a GIN index, a GIN index on
the genes, and ``pg_trgm`` with a trigram GIN index on the words. The documents are public
(nothing private is stored), so they have no row-level security; the service's role
``reptidex_community_app`` may read and write them.

On SQLite: an FTS5 table (``search_fts``, rowid = the document's ``fts_rowid``) kept by
triggers, and the words' trigrams in ``search_word_trigram``.

Revision ID: community_0003
Revises: community_0002e
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    create_app_role,
    grant_every_table,
    on_postgres,
)

revision = "community_0003"
down_revision = "community_0002e"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_community_app"

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER search_document_fts_insert AFTER INSERT ON search_document BEGIN
        INSERT INTO search_fts (rowid, title_terms, body_terms)
        VALUES (new.fts_rowid, new.title_terms, new.body_terms);
    END
    """,
    """
    CREATE TRIGGER search_document_fts_update AFTER UPDATE OF title_terms, body_terms
    ON search_document BEGIN
        DELETE FROM search_fts WHERE rowid = old.fts_rowid;
        INSERT INTO search_fts (rowid, title_terms, body_terms)
        VALUES (new.fts_rowid, new.title_terms, new.body_terms);
    END
    """,
    """
    CREATE TRIGGER search_document_fts_delete AFTER DELETE ON search_document BEGIN
        DELETE FROM search_fts WHERE rowid = old.fts_rowid;
    END
    """,
)


def upgrade() -> None:
    """Create the index's tables; PostgreSQL's or SQLite's full-text machinery."""
    postgres = on_postgres()
    op.create_table(
        "search_document",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("keywords", JsonB, nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("species", sa.String(100), nullable=True),
        sa.Column("genes", JsonB, nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("price_band", sa.String(30), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("body_terms", sa.Text(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("changed_at", DateTimeUTC(timezone=True), nullable=False),
        *([] if postgres else [sa.Column("fts_rowid", sa.BigInteger(), nullable=False)]),
        sa.UniqueConstraint("kind", "source_id", name="uq_search_document_source"),
    )
    op.create_table(
        "search_word",
        sa.Column("word", sa.String(100), primary_key=True),
    )
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "ALTER TABLE search_document ADD COLUMN document tsvector GENERATED ALWAYS AS "
            "(setweight(to_tsvector('simple', title_terms), 'A') || "
            "setweight(to_tsvector('simple', body_terms), 'B')) STORED"
        )
        op.execute(
            "CREATE INDEX ix_search_document_document ON search_document USING gin (document)"
        )
        op.execute(
            "CREATE INDEX ix_search_document_genes ON search_document "
            "USING gin (genes jsonb_path_ops)"
        )
        op.execute(
            "CREATE INDEX ix_search_word_trigram ON search_word USING gin (word gin_trgm_ops)"
        )
        create_app_role(APP_ROLE)
        grant_every_table(APP_ROLE)
        return
    op.create_index("ix_search_document_fts_rowid", "search_document", ["fts_rowid"], unique=True)
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, body_terms, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for trigger in _SQLITE_TRIGGERS:
        op.execute(trigger)
    op.create_table(
        "search_word_trigram",
        sa.Column("trigram", sa.String(3), primary_key=True),
        sa.Column("word", sa.String(100), primary_key=True),
    )


def downgrade() -> None:
    """Drop the index's tables (PostgreSQL's extension stays: other databases may use it)."""
    if not on_postgres():
        op.drop_table("search_word_trigram")
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS search_document_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_word")
    op.drop_table("search_document")
