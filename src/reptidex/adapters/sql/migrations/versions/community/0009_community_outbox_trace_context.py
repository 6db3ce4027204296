"""repti-community: the outbox keeps each event's trace context (W3C ``traceparent``), so that its
consumers' work joins the trace of the request that produced it.

Revision ID: community_0009
Revises: community_0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from reptidex.adapters.sql.migrations.outbox_table import (
    add_outbox_trace_context,
    drop_outbox_trace_context,
)

revision = "community_0009"
down_revision = "community_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``outbox_message.trace_context``."""
    add_outbox_trace_context()


def downgrade() -> None:
    """Drop ``outbox_message.trace_context``."""
    drop_outbox_trace_context()
