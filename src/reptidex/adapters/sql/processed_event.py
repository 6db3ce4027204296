"""The inbox of idempotent consumers: which events each consumer group has already handled.

Every service database has a ``processed_event`` table. A consumer that changes the database
records ``(consumer_group, event_id)`` in the same transaction as its change, so a redelivered
event finds the row and has no second effect; a handler that fails rolls the row back with its
change, so the redelivery runs it again.
"""

from __future__ import annotations

import uuid

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from reptidex.adapters.sql.bases import per_service_models


class ProcessedEventColumns:
    """One event handled by one consumer group (``created_at`` says when)."""

    consumer_group: Mapped[str] = mapped_column(String(60))
    event_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(String(100))

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[UniqueConstraint, ...]:
        return (
            UniqueConstraint("consumer_group", "event_id", name="uq_processed_event_group_event"),
        )


PROCESSED_EVENT_MODELS: dict[str, type[UUIDAuditBase]] = per_service_models(
    ProcessedEventColumns, "processed_event", "ProcessedEvent", "inbox"
)
"""Each service's inbox model, by service name."""
