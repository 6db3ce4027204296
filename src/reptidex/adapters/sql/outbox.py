"""The transactional outbox table, which every service database has.

A use case stores its state change and its events in one transaction; a relay later publishes the
unsent rows in ``occurred_at`` order and stamps ``published_at``. Nothing is lost if the process
dies between the commit and the publish.
"""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from reptidex.adapters.sql.bases import per_service_models


class OutboxColumns:
    """The columns of an outbox row: one versioned domain event and its publication state."""

    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    producer: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    payload: Mapped[dict[str, object]] = mapped_column(JsonB, default=dict)
    published_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    trace_context: Mapped[dict[str, str] | None] = mapped_column(JsonB, default=None)
    """The producer's W3C trace context, when the event was created in a traced request."""

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Index, ...]:
        return (Index("ix_outbox_message_unpublished", "published_at", "occurred_at"),)


OUTBOX_MODELS: dict[str, type[UUIDAuditBase]] = per_service_models(
    OutboxColumns, "outbox_message", "OutboxMessage", "outbox"
)
"""Each service's outbox model, by service name."""
