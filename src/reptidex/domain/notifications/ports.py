"""The ports of notifications: their store, the unit of work around it, and the channels."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.events import Outbox
from reptidex.domain.notifications.model import (
    Channel,
    Delivery,
    LogEntry,
    Notification,
    PushSubscription,
    Recipient,
)


class Notifications(Protocol):
    """Stored notifications."""

    async def add(self, notification: Notification) -> None:
        """Stage a new notification."""

    async def for_event(self, user_id: uuid.UUID, event_id: uuid.UUID) -> Notification | None:
        """The user's notification of ``event_id``, if there is one."""

    async def get(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification | None:
        """One of the user's notifications."""

    async def page(
        self, user_id: uuid.UUID, unread_only: bool, limit: int, offset: int
    ) -> tuple[list[Notification], int]:
        """The user's notifications, newest first, and how many there are."""

    async def after(
        self, user_id: uuid.UUID, since: dt.datetime, after_id: uuid.UUID | None, limit: int
    ) -> list[Notification]:
        """The user's notifications created after ``(since, after_id)``, oldest first."""

    async def unread_count(self, user_id: uuid.UUID) -> int:
        """How many of the user's notifications are unread."""

    async def mark_read(
        self, user_id: uuid.UUID, notification_ids: list[uuid.UUID], at: dt.datetime
    ) -> None:
        """Stamp those notifications read at ``at``."""

    async def unread_ids(self, user_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
        """Up to ``limit`` of the user's unread notifications."""


class Deliveries(Protocol):
    """Deliveries on the outside channels."""

    async def add(self, delivery: Delivery) -> None:
        """Stage a delivery; its commit wakes the delivery worker."""


class DeliveryLog(Protocol):
    """The log of what happened to each notification."""

    async def add(self, entry: LogEntry) -> None:
        """Append an entry."""

    async def of(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> list[LogEntry]:
        """A notification's entries, oldest first."""


class Recipients(Protocol):
    """How users are reached."""

    async def get(self, user_id: uuid.UUID) -> Recipient | None:
        """The user's record, if community has one."""

    async def save(self, recipient: Recipient) -> None:
        """Add or replace the user's record."""


class Preferences(Protocol):
    """Per-user choices of channel per kind (what is not stored is the default)."""

    async def of(self, user_id: uuid.UUID) -> dict[tuple[str, Channel], bool]:
        """The user's stored choices by ``(kind, channel)``."""

    async def set(self, user_id: uuid.UUID, kind: str, channel: Channel, enabled: bool) -> None:
        """Store one choice."""


class PushSubscriptions(Protocol):
    """Users' web push subscriptions."""

    async def add(self, subscription: PushSubscription) -> PushSubscription:
        """Keep it (the same endpoint again: the stored one, with the new keys)."""

    async def of(self, user_id: uuid.UUID) -> list[PushSubscription]:
        """The user's subscriptions, oldest first."""

    async def remove(self, user_id: uuid.UUID, subscription_id: uuid.UUID) -> bool:
        """Forget one (``False`` when the user has no such subscription)."""


class NotificationUnitOfWork(Protocol):
    """One transaction over notifications and community's outbox."""

    @property
    def notifications(self) -> Notifications:
        """The stored notifications."""
        ...

    @property
    def deliveries(self) -> Deliveries:
        """The deliveries on outside channels."""
        ...

    @property
    def log(self) -> DeliveryLog:
        """The delivery log."""
        ...

    @property
    def recipients(self) -> Recipients:
        """How users are reached."""
        ...

    @property
    def preferences(self) -> Preferences:
        """Users' channel choices."""
        ...

    @property
    def push_subscriptions(self) -> PushSubscriptions:
        """Users' web push subscriptions."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox of the transaction (events and audit records)."""
        ...

    async def commit(self) -> None:
        """Commit the changes and the staged events together."""


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """What a channel sends: one delivery of one notification to one recipient.

    ``unsubscribe_url`` is the one-click link that stops this kind on this channel (email
    carries it in its ``List-Unsubscribe`` header)."""

    delivery_id: uuid.UUID
    notification: Notification
    recipient: Recipient
    unsubscribe_url: str | None = None


class ChannelSender(Protocol):
    """Sends on one outside channel; raises when the message was not accepted."""

    async def send(self, message: OutgoingMessage) -> None:
        """Send ``message`` (at least once: a retry carries the same ``delivery_id``)."""


class LiveFeed(Protocol):
    """A user's notifications as they are stored, for the live stream."""

    def streams_of(self, user_id: uuid.UUID) -> int:
        """How many streams of the user this process serves now."""

    def follow(
        self, user_id: uuid.UUID, after: uuid.UUID | None
    ) -> AsyncIterator[Notification | None]:
        """``None`` once the stream is open, then the user's notifications stored after
        ``after`` (one of theirs; ``None``: from now), oldest first, then each new one as it
        commits; ``None`` now and then as a heartbeat. Ends after a while (the client
        reconnects) or when the service stops."""


class Members(Protocol):
    """Community's copy of organisations' members (from repti-core's ``user.*`` events)."""

    async def set(self, organisation_id: uuid.UUID, user_id: uuid.UUID, role: str) -> None:
        """Record the user in the organisation with ``role``."""

    async def remove(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """Forget the user's membership."""

    async def of(self, organisation_id: uuid.UUID, roles: Collection[str]) -> list[uuid.UUID]:
        """The organisation's members holding one of ``roles``."""


class SavedListings(Protocol):
    """The listings users saved."""

    async def add(self, user_id: uuid.UUID, listing_id: uuid.UUID, at: dt.datetime) -> bool:
        """Save it (``False`` when it was saved already)."""

    async def remove(self, user_id: uuid.UUID, listing_id: uuid.UUID) -> bool:
        """Unsave it (``False`` when it was not saved)."""

    async def of_user(
        self, user_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[list[tuple[uuid.UUID, dt.datetime]], int]:
        """The user's saved listings, newest first, with when; and how many."""

    async def count(self, user_id: uuid.UUID) -> int:
        """How many listings the user saved."""

    async def savers(self, listing_id: uuid.UUID) -> list[uuid.UUID]:
        """Who saved the listing."""


class AudienceUnitOfWork(NotificationUnitOfWork, Protocol):
    """Notifications with the members and the saved listings, on one transaction."""

    @property
    def members(self) -> Members:
        """Organisations' members."""
        ...

    @property
    def saved_listings(self) -> SavedListings:
        """Users' saved listings."""
        ...
