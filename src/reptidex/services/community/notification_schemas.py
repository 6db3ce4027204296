"""repti-community's notification API shapes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from reptidex.domain.notifications.model import LogEntry, Notification, Recipient
from reptidex.domain.notifications.sending import MAX_RECIPIENTS

ChannelName = Literal["in_app", "email", "sms", "push"]
Parameter = Annotated[str, msgspec.Meta(max_length=500)]
LocalTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class SendRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A notification of one kind for some users."""

    user_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=MAX_RECIPIENTS)]
    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    """A kind from `GET /notifications/kinds`."""
    parameters: Annotated[
        dict[Annotated[str, msgspec.Meta(max_length=40)], Parameter], msgspec.Meta(max_length=20)
    ] = {}
    """The values the kind's templates need (`announcement`: `title` and `body`)."""
    link: Annotated[str, msgspec.Meta(max_length=2048, pattern=r"^(https?://|/)")] | None = None
    """Where the notification leads (an absolute `http(s)` URL or a path)."""
    event_id: uuid.UUID | None = None
    """What deduplicates: a user gets one notification per event id (default: a new id)."""


class SentItem(msgspec.Struct, frozen=True):
    """One recipient's notification, and whether this request made it (a repeated event id
    gives back the first)."""

    user_id: uuid.UUID
    notification_id: uuid.UUID
    created: bool


class SendResult(msgspec.Struct, frozen=True):
    """The notifications of a send, in the order of the recipients."""

    event_id: uuid.UUID
    items: list[SentItem]


class NotificationView(msgspec.Struct, frozen=True):
    """A notification as its user sees it."""

    id: uuid.UUID
    kind: str
    title: str
    body: str
    link: str | None
    language: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    event_id: uuid.UUID


def notification_view(notification: Notification) -> NotificationView:
    """The view of ``notification``."""
    return NotificationView(
        id=notification.id,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        link=notification.link,
        language=notification.language,
        created_at=notification.created_at,
        read_at=notification.read_at,
        event_id=notification.event_id,
    )


class NotificationPage(msgspec.Struct, frozen=True):
    """A page of notifications, newest first."""

    items: list[NotificationView]
    total: int
    unread: int
    limit: int
    offset: int


class UnreadCount(msgspec.Struct, frozen=True):
    """How many notifications are unread."""

    unread: int


class MarkedRead(msgspec.Struct, frozen=True):
    """How many notifications a "mark all read" stamped."""

    marked: int


class LogEntryView(msgspec.Struct, frozen=True):
    """One line of a delivery log."""

    status: Literal["queued", "sent", "failed", "read"]
    at: dt.datetime
    channel: ChannelName | None
    detail: str


def log_view(entry: LogEntry) -> LogEntryView:
    """The view of ``entry``."""
    return LogEntryView(
        status=entry.status.value,
        at=entry.at,
        channel=None if entry.channel is None else entry.channel.value,
        detail=entry.detail,
    )


class DeliveryLogView(msgspec.Struct, frozen=True):
    """What happened to a notification: stored (in-app `sent`), queued, sent or failed on
    each channel, read."""

    notification_id: uuid.UUID
    entries: list[LogEntryView]


class SettingsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A user's notification settings."""

    language: Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2}$")] = "en"
    """Messages come in it when written in it (`en`, `de`), else in English."""
    time_zone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "UTC"
    """An IANA time zone: quiet hours are its local times."""
    phone: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    """E.164 (`+4915112345678`), for SMS."""
    quiet_start: LocalTime | None = None
    """`HH:MM`: from then on nothing goes out by email, SMS or push..."""
    quiet_end: LocalTime | None = None
    """...until then (it is delayed, not dropped); may be past midnight."""


class SettingsView(msgspec.Struct, frozen=True):
    """A user's notification settings and the email repti-core verified."""

    email: str | None
    phone: str | None
    language: str
    time_zone: str
    quiet_start: str | None
    quiet_end: str | None


def settings_view(recipient: Recipient) -> SettingsView:
    """The view of ``recipient``."""
    return SettingsView(
        email=recipient.email,
        phone=recipient.phone,
        language=recipient.language,
        time_zone=recipient.time_zone,
        quiet_start=None
        if recipient.quiet_start is None
        else recipient.quiet_start.strftime("%H:%M"),
        quiet_end=None if recipient.quiet_end is None else recipient.quiet_end.strftime("%H:%M"),
    )


class ChoiceView(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One kind on one channel, on or off."""

    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    channel: ChannelName
    enabled: bool


class PreferencesRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Channel choices to store (the others stay as they are)."""

    choices: Annotated[list[ChoiceView], msgspec.Meta(min_length=1, max_length=100)]


class PreferencesView(msgspec.Struct, frozen=True):
    """Every kind on every channel, as it applies now (stored choice or default)."""

    choices: list[ChoiceView]


class KindsView(msgspec.Struct, frozen=True):
    """The kinds of notification, their parameters, and the languages they are written in."""

    kinds: dict[str, list[str]]
    languages: list[str]


class Unsubscribed(msgspec.Struct, frozen=True):
    """What a one-click unsubscribe turned off."""

    kind: str
    channel: ChannelName
