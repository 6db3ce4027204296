"""The ``processed_event`` table's migration (idempotent consumers), shared by every service."""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op


def create_inbox_table() -> None:
    """Create ``processed_event``: one row per (consumer group, event id) handled."""
    op.create_table(
        "processed_event",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("consumer_group", sa.String(60), nullable=False),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.UniqueConstraint("consumer_group", "event_id", name="uq_processed_event_group_event"),
    )


def drop_inbox_table() -> None:
    """Drop ``processed_event``."""
    op.drop_table("processed_event")
