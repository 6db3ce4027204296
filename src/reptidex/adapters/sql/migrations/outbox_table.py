"""The outbox table's migration, shared by every service's first revision."""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op


def create_outbox_table() -> None:
    """Create ``outbox_message`` and its index of unpublished events."""
    op.create_table(
        "outbox_message",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("producer", sa.String(40), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=True),
        sa.Column("actor_id", GUID(length=16), nullable=True),
        sa.Column("occurred_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("payload", JsonB, nullable=False),
        sa.Column("published_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_outbox_message_event_id"),
    )
    op.create_index(
        "ix_outbox_message_unpublished", "outbox_message", ["published_at", "occurred_at"]
    )


def drop_outbox_table() -> None:
    """Drop ``outbox_message``."""
    op.drop_index("ix_outbox_message_unpublished", table_name="outbox_message")
    op.drop_table("outbox_message")


def add_outbox_trace_context() -> None:
    """Give ``outbox_message`` the producer's W3C trace context (empty on older rows)."""
    op.add_column("outbox_message", sa.Column("trace_context", JsonB, nullable=True))


def drop_outbox_trace_context() -> None:
    """Remove the outbox's trace context column."""
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("trace_context")
