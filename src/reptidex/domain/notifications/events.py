"""Payloads of notifications' events (``notification.*``), version 1 of each shape."""

from __future__ import annotations

import uuid

import msgspec

PRODUCER = "community"


class NotificationCreated(msgspec.Struct, frozen=True, kw_only=True):
    """``notification.created``: stored for a user, queued on ``channels``."""

    notification_id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    source_event_id: uuid.UUID
    channels: list[str]


class NotificationRead(msgspec.Struct, frozen=True, kw_only=True):
    """``notification.read``: the user read these notifications."""

    user_id: uuid.UUID
    notification_ids: list[uuid.UUID]


class NotificationDelivered(msgspec.Struct, frozen=True, kw_only=True):
    """``notification.delivered`` (a channel accepted it) or ``notification.failed`` (given up
    after the last attempt)."""

    notification_id: uuid.UUID
    delivery_id: uuid.UUID
    user_id: uuid.UUID
    channel: str
    attempts: int
    error: str | None = None


class PreferencesChanged(msgspec.Struct, frozen=True, kw_only=True):
    """``notification.preferences_changed``: a user's channels, settings or an unsubscribe."""

    user_id: uuid.UUID
    changed: list[str]
