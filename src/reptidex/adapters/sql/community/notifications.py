"""Notifications in repti-community's database.

On PostgreSQL row-level security (migration ``community_0004``) shows a transaction that
sets ``reptidex.user_id`` only that user's rows; one that sets ``reptidex.worker`` to
``notifications`` (sending, event consumers, the delivery worker, unsubscribes) sees every
user's. :class:`SqlNotificationUnitOfWork` sets one or the other as it opens.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Self

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.community.notification_models import (
    NotificationDeliveryRow,
    NotificationLogRow,
    NotificationMemberRow,
    NotificationPreferenceRow,
    NotificationRecipientRow,
    NotificationRow,
    PushSubscriptionRow,
    SavedListingRow,
)
from reptidex.adapters.sql.outbox_store import SqlOutbox, wake_after_commit
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.notifications.model import (
    Channel,
    Delivery,
    DeliveryStatus,
    LogEntry,
    LogStatus,
    Notification,
    PushSubscription,
    Recipient,
)

DELIVERY_QUEUE = "community:notification-deliveries"
"""The key a commit of new deliveries wakes (the delivery worker, see ``on_outbox_commit``)."""
WORKER = "notifications"
"""The value of ``reptidex.worker`` that row-level security lets work on every user's rows."""


def feed_key(user_id: uuid.UUID) -> str:
    """The key a commit of a notification for ``user_id`` wakes (the user's live streams)."""
    return f"community:notifications:{user_id}"


async def bind_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Scope ``session``'s transaction to one user (PostgreSQL; no-op on SQLite)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT set_config('reptidex.user_id', :user, true)"), {"user": str(user_id)}
        )


async def bind_system(session: AsyncSession) -> None:
    """Act for the platform in ``session``'s transaction (PostgreSQL; no-op on SQLite)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT set_config('reptidex.worker', :worker, true)"), {"worker": WORKER}
        )


def notification_of(row: NotificationRow) -> Notification:
    """The notification a row holds."""
    return Notification(
        id=row.id,
        user_id=row.user_id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        link=row.link,
        language=row.language,
        event_id=row.event_id,
        created_at=row.created_at,
        data=dict(row.data or {}),
        read_at=row.read_at,
    )


def delivery_of(row: NotificationDeliveryRow) -> Delivery:
    """The delivery a row holds."""
    return Delivery(
        id=row.id,
        notification_id=row.notification_id,
        user_id=row.user_id,
        channel=Channel(row.channel),
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )


def recipient_of(row: NotificationRecipientRow) -> Recipient:
    """The recipient a row holds."""
    return Recipient(
        user_id=row.user_id,
        email=row.email,
        phone=row.phone,
        language=row.language,
        time_zone=row.time_zone,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
    )


class SqlNotifications:
    """The :class:`~reptidex.domain.notifications.ports.Notifications` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notification: Notification) -> None:
        """Stage a notification; its commit wakes the user's live streams."""
        self._session.add(
            NotificationRow(
                id=notification.id,
                user_id=notification.user_id,
                kind=notification.kind,
                title=notification.title,
                body=notification.body,
                link=notification.link,
                language=notification.language,
                event_id=notification.event_id,
                data=notification.data,
                read_at=notification.read_at,
                created_at=notification.created_at,
                updated_at=notification.created_at,
            )
        )
        await self._session.flush()
        wake_after_commit(self._session, feed_key(notification.user_id))

    async def for_event(self, user_id: uuid.UUID, event_id: uuid.UUID) -> Notification | None:
        """The user's notification of ``event_id``."""
        row = await self._session.scalar(
            select(NotificationRow).where(
                NotificationRow.user_id == user_id, NotificationRow.event_id == event_id
            )
        )
        return None if row is None else notification_of(row)

    async def get(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification | None:
        """One of the user's notifications."""
        row = await self._session.scalar(
            select(NotificationRow).where(
                NotificationRow.id == notification_id, NotificationRow.user_id == user_id
            )
        )
        return None if row is None else notification_of(row)

    async def page(
        self, user_id: uuid.UUID, unread_only: bool, limit: int, offset: int
    ) -> tuple[list[Notification], int]:
        """Newest first, and the total."""
        query = select(NotificationRow).where(NotificationRow.user_id == user_id)
        if unread_only:
            query = query.where(NotificationRow.read_at.is_(None))
        total = await self._session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        )
        rows = await self._session.scalars(
            query.order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [notification_of(row) for row in rows], int(total or 0)

    async def after(
        self, user_id: uuid.UUID, since: dt.datetime, after_id: uuid.UUID | None, limit: int
    ) -> list[Notification]:
        """Created after ``(since, after_id)``, oldest first."""
        later = NotificationRow.created_at > since
        if after_id is not None:
            later = or_(
                later, and_(NotificationRow.created_at == since, NotificationRow.id > after_id)
            )
        rows = await self._session.scalars(
            select(NotificationRow)
            .where(NotificationRow.user_id == user_id, later)
            .order_by(NotificationRow.created_at, NotificationRow.id)
            .limit(limit)
        )
        return [notification_of(row) for row in rows]

    async def unread_count(self, user_id: uuid.UUID) -> int:
        """How many are unread."""
        count = await self._session.scalar(
            select(func.count())
            .select_from(NotificationRow)
            .where(NotificationRow.user_id == user_id, NotificationRow.read_at.is_(None))
        )
        return int(count or 0)

    async def mark_read(
        self, user_id: uuid.UUID, notification_ids: list[uuid.UUID], at: dt.datetime
    ) -> None:
        """Stamp them read."""
        await self._session.execute(
            update(NotificationRow)
            .where(
                NotificationRow.user_id == user_id,
                NotificationRow.id.in_(notification_ids),
                NotificationRow.read_at.is_(None),
            )
            .values(read_at=at, updated_at=at)
        )

    async def unread_ids(self, user_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
        """Up to ``limit`` unread, oldest first."""
        ids = await self._session.scalars(
            select(NotificationRow.id)
            .where(NotificationRow.user_id == user_id, NotificationRow.read_at.is_(None))
            .order_by(NotificationRow.created_at, NotificationRow.id)
            .limit(limit)
        )
        return list(ids)


class SqlDeliveries:
    """The :class:`~reptidex.domain.notifications.ports.Deliveries` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, delivery: Delivery) -> None:
        """Stage a delivery; its commit wakes the delivery worker."""
        self._session.add(
            NotificationDeliveryRow(
                id=delivery.id,
                notification_id=delivery.notification_id,
                user_id=delivery.user_id,
                channel=delivery.channel.value,
                status=delivery.status.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                created_at=delivery.created_at,
                updated_at=delivery.created_at,
            )
        )
        await self._session.flush()
        wake_after_commit(self._session, DELIVERY_QUEUE)


class SqlDeliveryLog:
    """The :class:`~reptidex.domain.notifications.ports.DeliveryLog` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: LogEntry) -> None:
        """Append an entry."""
        self._session.add(
            NotificationLogRow(
                notification_id=entry.notification_id,
                user_id=entry.user_id,
                status=entry.status.value,
                channel=None if entry.channel is None else entry.channel.value,
                detail=entry.detail[:400],
                at=entry.at,
                created_at=entry.at,
                updated_at=entry.at,
            )
        )
        await self._session.flush()

    async def of(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> list[LogEntry]:
        """Oldest first."""
        rows = await self._session.scalars(
            select(NotificationLogRow)
            .where(
                NotificationLogRow.notification_id == notification_id,
                NotificationLogRow.user_id == user_id,
            )
            .order_by(NotificationLogRow.at, NotificationLogRow.created_at)
        )
        return [
            LogEntry(
                row.notification_id,
                row.user_id,
                LogStatus(row.status),
                row.at,
                None if row.channel is None else Channel(row.channel),
                row.detail,
            )
            for row in rows
        ]


class SqlRecipients:
    """The :class:`~reptidex.domain.notifications.ports.Recipients` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, user_id: uuid.UUID) -> NotificationRecipientRow | None:
        row: NotificationRecipientRow | None = await self._session.scalar(
            select(NotificationRecipientRow).where(NotificationRecipientRow.user_id == user_id)
        )
        return row

    async def get(self, user_id: uuid.UUID) -> Recipient | None:
        """The user's record."""
        row = await self._row(user_id)
        return None if row is None else recipient_of(row)

    async def save(self, recipient: Recipient) -> None:
        """Add or replace the user's record."""
        row = await self._row(recipient.user_id)
        now = dt.datetime.now(dt.UTC)
        if row is None:
            row = NotificationRecipientRow(user_id=recipient.user_id, created_at=now)
            self._session.add(row)
        row.email = recipient.email
        row.phone = recipient.phone
        row.language = recipient.language
        row.time_zone = recipient.time_zone
        row.quiet_start = recipient.quiet_start
        row.quiet_end = recipient.quiet_end
        row.updated_at = now
        await self._session.flush()


class SqlPreferences:
    """The :class:`~reptidex.domain.notifications.ports.Preferences` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, user_id: uuid.UUID) -> dict[tuple[str, Channel], bool]:
        """The stored choices."""
        rows = await self._session.scalars(
            select(NotificationPreferenceRow).where(NotificationPreferenceRow.user_id == user_id)
        )
        return {(row.kind, Channel(row.channel)): row.enabled for row in rows}

    async def set(self, user_id: uuid.UUID, kind: str, channel: Channel, enabled: bool) -> None:
        """Store one choice."""
        row = await self._session.scalar(
            select(NotificationPreferenceRow).where(
                NotificationPreferenceRow.user_id == user_id,
                NotificationPreferenceRow.kind == kind,
                NotificationPreferenceRow.channel == channel.value,
            )
        )
        now = dt.datetime.now(dt.UTC)
        if row is None:
            self._session.add(
                NotificationPreferenceRow(
                    user_id=user_id,
                    kind=kind,
                    channel=channel.value,
                    enabled=enabled,
                    created_at=now,
                    updated_at=now,
                )
            )
        else:
            row.enabled = enabled
            row.updated_at = now
        await self._session.flush()


class SqlMembers:
    """The :class:`~reptidex.domain.notifications.ports.Members` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set(self, organisation_id: uuid.UUID, user_id: uuid.UUID, role: str) -> None:
        """Record the membership with ``role``."""
        row = await self._session.scalar(
            select(NotificationMemberRow).where(
                NotificationMemberRow.organisation_id == organisation_id,
                NotificationMemberRow.user_id == user_id,
            )
        )
        now = dt.datetime.now(dt.UTC)
        if row is None:
            self._session.add(
                NotificationMemberRow(
                    organisation_id=organisation_id,
                    user_id=user_id,
                    role=role,
                    created_at=now,
                    updated_at=now,
                )
            )
        else:
            row.role = role
            row.updated_at = now
        await self._session.flush()

    async def remove(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """Forget the membership."""
        await self._session.execute(
            delete(NotificationMemberRow).where(
                NotificationMemberRow.organisation_id == organisation_id,
                NotificationMemberRow.user_id == user_id,
            )
        )

    async def of(self, organisation_id: uuid.UUID, roles: Collection[str]) -> list[uuid.UUID]:
        """The members holding one of ``roles``, oldest first."""
        ids = await self._session.scalars(
            select(NotificationMemberRow.user_id)
            .where(
                NotificationMemberRow.organisation_id == organisation_id,
                NotificationMemberRow.role.in_(list(roles)),
            )
            .order_by(NotificationMemberRow.created_at, NotificationMemberRow.user_id)
        )
        return list(ids)


class SqlSavedListings:
    """The :class:`~reptidex.domain.notifications.ports.SavedListings` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _one(self, user_id: uuid.UUID, listing_id: uuid.UUID) -> ColumnElement[bool]:
        return and_(SavedListingRow.user_id == user_id, SavedListingRow.listing_id == listing_id)

    async def add(self, user_id: uuid.UUID, listing_id: uuid.UUID, at: dt.datetime) -> bool:
        """Save it; ``False`` when it was saved already."""
        known = await self._session.scalar(
            select(SavedListingRow.id).where(self._one(user_id, listing_id))
        )
        if known is not None:
            return False
        self._session.add(
            SavedListingRow(user_id=user_id, listing_id=listing_id, created_at=at, updated_at=at)
        )
        await self._session.flush()
        return True

    async def remove(self, user_id: uuid.UUID, listing_id: uuid.UUID) -> bool:
        """Unsave it; ``False`` when it was not saved."""
        done = await self._session.execute(
            delete(SavedListingRow).where(self._one(user_id, listing_id))
        )
        return bool(getattr(done, "rowcount", 0))

    async def of_user(
        self, user_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[list[tuple[uuid.UUID, dt.datetime]], int]:
        """Newest first, and how many."""
        rows = await self._session.execute(
            select(SavedListingRow.listing_id, SavedListingRow.created_at)
            .where(SavedListingRow.user_id == user_id)
            .order_by(SavedListingRow.created_at.desc(), SavedListingRow.listing_id)
            .limit(limit)
            .offset(offset)
        )
        return [(row[0], row[1]) for row in rows], await self.count(user_id)

    async def count(self, user_id: uuid.UUID) -> int:
        """How many the user saved."""
        total = await self._session.scalar(
            select(func.count())
            .select_from(SavedListingRow)
            .where(SavedListingRow.user_id == user_id)
        )
        return int(total or 0)

    async def savers(self, listing_id: uuid.UUID) -> list[uuid.UUID]:
        """Who saved the listing."""
        ids = await self._session.scalars(
            select(SavedListingRow.user_id)
            .where(SavedListingRow.listing_id == listing_id)
            .order_by(SavedListingRow.created_at, SavedListingRow.user_id)
        )
        return list(ids)


def push_subscription_of(row: PushSubscriptionRow) -> PushSubscription:
    """The subscription a row holds."""
    return PushSubscription(row.id, row.user_id, row.endpoint, row.p256dh, row.auth, row.created_at)


class SqlPushSubscriptions:
    """The :class:`~reptidex.domain.notifications.ports.PushSubscriptions` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, subscription: PushSubscription) -> PushSubscription:
        """Keep it; the same endpoint again updates the keys."""
        row = await self._session.scalar(
            select(PushSubscriptionRow).where(
                PushSubscriptionRow.user_id == subscription.user_id,
                PushSubscriptionRow.endpoint == subscription.endpoint,
            )
        )
        if row is None:
            row = PushSubscriptionRow(
                id=subscription.id,
                user_id=subscription.user_id,
                endpoint=subscription.endpoint,
                created_at=subscription.created_at,
            )
            self._session.add(row)
        row.p256dh = subscription.p256dh
        row.auth = subscription.auth
        row.updated_at = subscription.created_at
        await self._session.flush()
        return push_subscription_of(row)

    async def of(self, user_id: uuid.UUID) -> list[PushSubscription]:
        """Oldest first."""
        rows = await self._session.scalars(
            select(PushSubscriptionRow)
            .where(PushSubscriptionRow.user_id == user_id)
            .order_by(PushSubscriptionRow.created_at, PushSubscriptionRow.id)
        )
        return [push_subscription_of(row) for row in rows]

    async def remove(self, user_id: uuid.UUID, subscription_id: uuid.UUID) -> bool:
        """Forget one."""
        done = await self._session.execute(
            delete(PushSubscriptionRow).where(
                PushSubscriptionRow.id == subscription_id, PushSubscriptionRow.user_id == user_id
            )
        )
        return bool(getattr(done, "rowcount", 0))


class SqlNotificationStore:
    """Every notification repository on one session (the event consumers' transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.notifications = SqlNotifications(session)
        self.deliveries = SqlDeliveries(session)
        self.log = SqlDeliveryLog(session)
        self.recipients = SqlRecipients(session)
        self.preferences = SqlPreferences(session)
        self.members = SqlMembers(session)
        self.saved_listings = SqlSavedListings(session)
        self.push_subscriptions = SqlPushSubscriptions(session)
        self.outbox = SqlOutbox(session, "community")

    async def commit(self) -> None:
        """Leave the commit to whoever owns the transaction (the idempotent consumer)."""


class SqlNotificationUnitOfWork(SqlUnitOfWork):
    """Notifications and community's outbox on one transaction, scoped on entry to one user
    (``user_id``) or to the platform (``None``)."""

    conflict_message = "This notification was just sent by another request."
    notifications: SqlNotifications
    deliveries: SqlDeliveries
    log: SqlDeliveryLog
    recipients: SqlRecipients
    preferences: SqlPreferences
    members: SqlMembers
    saved_listings: SqlSavedListings
    push_subscriptions: SqlPushSubscriptions
    outbox: SqlOutbox

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], user_id: uuid.UUID | None
    ) -> None:
        super().__init__(sessions)
        self.user_id = user_id

    def _open(self, session: AsyncSession) -> None:
        self.session = session
        store = SqlNotificationStore(session)
        self.notifications = store.notifications
        self.deliveries = store.deliveries
        self.log = store.log
        self.recipients = store.recipients
        self.preferences = store.preferences
        self.members = store.members
        self.saved_listings = store.saved_listings
        self.push_subscriptions = store.push_subscriptions
        self.outbox = store.outbox

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        if self.user_id is None:
            await bind_system(self.session)
        else:
            await bind_user(self.session, self.user_id)
        return self
