"""repti-community's notification tables (migration ``community_0004``): notifications,
their deliveries on the outside channels, their log, and each user's settings and channel
choices. Every row names its user: row-level security on PostgreSQL keys on it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommunityModel


class NotificationRow(CommunityModel):
    """A notification stored for its user (the in-app channel)."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_notification_user_event"),
        Index("ix_notification_user_created", "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000))
    link: Mapped[str | None] = mapped_column(String(2048), default=None)
    language: Mapped[str] = mapped_column(String(8))
    event_id: Mapped[uuid.UUID] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class NotificationDeliveryRow(CommunityModel):
    """A notification on one outside channel."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_notification_delivery_channel"),
        Index("ix_notification_delivery_due", "status", "next_attempt_at"),
    )

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300), default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class NotificationLogRow(CommunityModel):
    """One line of a notification's delivery log."""

    __tablename__ = "notification_log"
    __table_args__ = (Index("ix_notification_log_notification", "notification_id", "at"),)

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str | None] = mapped_column(String(10), default=None)
    detail: Mapped[str] = mapped_column(String(400), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


class NotificationRecipientRow(CommunityModel):
    """How a user is reached: addresses, language, time zone, quiet hours."""

    __tablename__ = "notification_recipient"
    __table_args__ = (UniqueConstraint("user_id", name="uq_notification_recipient_user"),)

    user_id: Mapped[uuid.UUID] = mapped_column()
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    language: Mapped[str] = mapped_column(String(8), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    quiet_start: Mapped[dt.time | None] = mapped_column(Time(), default=None)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time(), default=None)


class NotificationPreferenceRow(CommunityModel):
    """A user's choice of one channel for one kind."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "channel", name="uq_notification_preference"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean)


class NotificationMemberRow(CommunityModel):
    """A user's membership of an organisation, as repti-core's events report it."""

    __tablename__ = "notification_member"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id", name="uq_notification_member"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column()
    role: Mapped[str] = mapped_column(String(10))


class SavedListingRow(CommunityModel):
    """A listing a user saved."""

    __tablename__ = "saved_listing"
    __table_args__ = (
        UniqueConstraint("user_id", "listing_id", name="uq_saved_listing"),
        Index("ix_saved_listing_listing", "listing_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column()
    listing_id: Mapped[uuid.UUID] = mapped_column()


class NotificationReminderRow(CommunityModel):
    """A notification for an organisation's members, scheduled for later."""

    __tablename__ = "notification_reminder"
    __table_args__ = (
        UniqueConstraint("subject_id", "kind", name="uq_notification_reminder_subject"),
        Index("ix_notification_reminder_due", "status", "due_at"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    subject_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(60))
    parameters: Mapped[dict[str, Any]] = mapped_column(JsonB)
    link: Mapped[str | None] = mapped_column(String(2048), default=None)
    event_id: Mapped[uuid.UUID] = mapped_column()
    due_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[str] = mapped_column(String(10))


class PushSubscriptionRow(CommunityModel):
    """A browser's web push subscription of a user."""

    __tablename__ = "push_subscription"
    __table_args__ = (
        UniqueConstraint("user_id", "endpoint", name="uq_push_subscription_endpoint"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column()
    endpoint: Mapped[str] = mapped_column(String(2048))
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(40))
