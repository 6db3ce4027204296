"""repti-animal: the outbox keeps each event's trace context (W3C ``traceparent``), so that its
consumers' work joins the trace of the request that produced it.

Revision ID: animal_0012
Revises: animal_0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from reptidex.adapters.sql.migrations.outbox_table import (
    add_outbox_trace_context,
    drop_outbox_trace_context,
)

revision = "animal_0012"
down_revision = "animal_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``outbox_message.trace_context``."""
    add_outbox_trace_context()


def downgrade() -> None:
    """Drop ``outbox_message.trace_context``."""
    drop_outbox_trace_context()
