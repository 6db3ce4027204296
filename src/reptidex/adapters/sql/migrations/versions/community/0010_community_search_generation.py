"""repti-community: the search index's generation, the counts of its committed changes and
removals.

One row (``id`` 1): each transaction that stores or takes out documents adds one to
``changes`` as its last step, and one to ``removals`` when it took documents out, so that a
reader that reads them before a search knows whether a page it found earlier is still current
(``domain/community/search/kept_pages.py``). Public like the index, so without row-level
security.

Revision ID: community_0010
Revises: community_0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "community_0010"
down_revision = "community_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``search_generation`` with its one row."""
    table = op.create_table(
        "search_generation",
        sa.Column("id", sa.SmallInteger(), primary_key=True),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.Column("removals", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_search_generation_one_row"),
    )
    op.bulk_insert(table, [{"id": 1, "changes": 0, "removals": 0}])


def downgrade() -> None:
    """Drop ``search_generation``."""
    op.drop_table("search_generation")
