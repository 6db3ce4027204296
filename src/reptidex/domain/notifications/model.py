"""A notification, its deliveries on each channel, and the log of what happened to it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    """Where a notification reaches its recipient."""

    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


OUTSIDE_CHANNELS: tuple[Channel, ...] = (Channel.EMAIL, Channel.SMS, Channel.PUSH)
"""The channels a delivery worker sends on (in-app is stored, not sent)."""


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    """Given up after the last attempt."""


class LogStatus(StrEnum):
    """What a delivery log entry records."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    READ = "read"


@dataclass(slots=True)
class Notification:
    """One message to one user: stored for the in-app channel and delivered on the others.

    ``event_id`` is what deduplicates: one user gets one notification per event, however
    often the event (or the same ``POST /notifications/send``) arrives."""

    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    title: str
    body: str
    link: str | None
    language: str
    event_id: uuid.UUID
    created_at: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)
    read_at: dt.datetime | None = None

    @property
    def unread(self) -> bool:
        """Whether the user has not read it yet."""
        return self.read_at is None


@dataclass(slots=True)
class Delivery:
    """A notification on one outside channel, and the outcome of its last attempt."""

    id: uuid.UUID
    notification_id: uuid.UUID
    user_id: uuid.UUID
    channel: Channel
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    status: DeliveryStatus = DeliveryStatus.QUEUED
    attempts: int = 0
    last_error: str | None = None
    sent_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of a notification's delivery log."""

    notification_id: uuid.UUID
    user_id: uuid.UUID
    status: LogStatus
    at: dt.datetime
    channel: Channel | None = None
    detail: str = ""


@dataclass(slots=True)
class Recipient:
    """How to reach a user: the addresses community knows (the verified email from
    repti-core's events; a phone number the user gives), the language of their messages,
    their time zone and quiet hours (local times; ``None`` when they have none)."""

    user_id: uuid.UUID
    email: str | None = None
    phone: str | None = None
    language: str = "en"
    time_zone: str = "UTC"
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How a failed delivery is tried again: after ``first`` seconds, doubling up to
    ``longest``, given up after ``attempts`` attempts in all."""

    first: float = 30.0
    longest: float = 3600.0
    attempts: int = 8

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait after the ``attempts``-th failed attempt.

        >>> [DeliveryPolicy(first=30, longest=100).delay(n).seconds for n in (1, 2, 3, 4)]
        [30, 60, 100, 100]
        """
        return dt.timedelta(seconds=min(self.longest, self.first * 2 ** (attempts - 1)))


@dataclass(frozen=True, slots=True)
class PushSubscription:
    """Where a browser receives web push for a user: its push service endpoint and the keys
    the payload is encrypted to (RFC 8291: the P-256 public key and the auth secret)."""

    id: uuid.UUID
    user_id: uuid.UUID
    endpoint: str
    p256dh: str
    auth: str
    created_at: dt.datetime
