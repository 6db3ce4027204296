"""repti-media: the copy of animals keeps what a public animal carries (hets, possible hets),
for the widgets.

The rows already there hold nothing of it, and a catch-up pass asks only for what changed
since the last one: every summary is marked as not yet read (``summary_at`` null) and the
record of completed passes is forgotten, so that the next start's pass reads every lineage-only
and public animal again, with what it carries. Events newer than what that pass reads still win
(each writes its own time); tombstones stay. Plain SQL, the same on SQLite and PostgreSQL.

Revision ID: media_0009
Revises: media_0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import JsonB
from alembic import op

revision = "media_0009"
down_revision = "media_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``hets`` and ``possible_hets``; have the next pass read every animal again."""
    with op.batch_alter_table("media_public_animal") as batch:
        batch.add_column(sa.Column("hets", JsonB, nullable=True))
        batch.add_column(sa.Column("possible_hets", JsonB, nullable=True))
    op.execute("UPDATE media_public_animal SET summary_at = NULL")
    op.execute("DELETE FROM media_animal_backfill")


def downgrade() -> None:
    """Drop the columns (the next pass still reads every animal again: harmless)."""
    with op.batch_alter_table("media_public_animal") as batch:
        batch.drop_column("possible_hets")
        batch.drop_column("hets")
