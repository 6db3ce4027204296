"""repti-ops' webhook tables: the subscriptions (with their sealed signing secrets) and the
deliveries (migration ``ops_0005w``).

A delivery names its webhook and organisation together (a composite foreign key), so it can
never point at another organisation's webhook, and goes when its webhook is deleted."""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import OpsModel


class WebhookRow(OpsModel):
    """An organisation's subscription of a URL to event kinds."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (
        UniqueConstraint("id", "organisation_id", name="uq_webhook_subscription_organisation"),
        Index("ix_webhook_subscription_organisation", "organisation_id", "created_at"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    url: Mapped[str] = mapped_column(String(2048))
    event_kinds: Mapped[list[str]] = mapped_column(JsonB)
    description: Mapped[str] = mapped_column(String(200), default="")
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    secret_key: Mapped[str] = mapped_column(String(20))
    secret_version: Mapped[int] = mapped_column(Integer)
    previous_secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    previous_secret_key: Mapped[str | None] = mapped_column(String(20), default=None)
    previous_secret_version: Mapped[int | None] = mapped_column(Integer, default=None)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )


class DeliveryRow(OpsModel):
    """One event for one webhook, and the outcome of its last attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        ForeignKeyConstraint(
            ["webhook_id", "organisation_id"],
            ["webhook_subscription.id", "webhook_subscription.organisation_id"],
            name="fk_webhook_delivery_webhook",
            ondelete="CASCADE",
        ),
        Index("ix_webhook_delivery_log", "webhook_id", "created_at"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    webhook_id: Mapped[uuid.UUID] = mapped_column()
    organisation_id: Mapped[uuid.UUID] = mapped_column()
    event_id: Mapped[uuid.UUID] = mapped_column()
    event_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_response_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    redelivery_of: Mapped[uuid.UUID | None] = mapped_column(default=None)
