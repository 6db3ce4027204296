"""The notifications' personal data about a user (GDPR): where and how they are reached
(email, phone, language, time zone, quiet hours), their channel choices, their notifications
with each one's deliveries and delivery log, their browsers' push subscriptions, their saved
listings and the memberships community copied from repti-core's events.

All of it is the user's alone, so an erasure removes every row (nothing is kept for others:
a notification names only its recipient). The export reads as the notifications' worker
(``reptidex.worker = 'notifications'``); the erasure removes notifications, deliveries and log
lines as the personal-data worker (``personal_data``, the only one row-level security lets
delete them: migration ``community_0007``), then the rest as the notifications' worker."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, select, text
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
from reptidex.adapters.sql.community.notifications import WORKER, bind_system

ERASER = "personal_data"
"""``reptidex.worker`` of the erasure of notifications, their deliveries and their log."""

_ERASED: tuple[tuple[str, Any], ...] = (
    ("delivery_log", NotificationLogRow),
    ("deliveries", NotificationDeliveryRow),
    ("notifications", NotificationRow),
)
"""What only the personal-data worker removes (a notification's log and deliveries first)."""

_REMOVED: tuple[tuple[str, Any], ...] = (
    ("settings", NotificationRecipientRow),
    ("preferences", NotificationPreferenceRow),
    ("push_subscriptions", PushSubscriptionRow),
    ("saved_listings", SavedListingRow),
    ("memberships", NotificationMemberRow),
)
"""The rest an erasure removes, as the notifications' worker."""


def _when(value: dt.datetime | dt.time | None) -> str | None:
    return None if value is None else value.isoformat()


class SqlNotificationPersonalData:
    """The :class:`~reptidex.domain.privacy.ports.PersonalDataHolder` of the notifications."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """Everything the notifications hold about the user."""
        async with self._sessions() as session, session.begin():
            await bind_system(session)
            return {
                "settings": await _settings(session, user_id),
                "preferences": [
                    {"kind": p.kind, "channel": p.channel, "enabled": p.enabled}
                    for p in await _rows(session, NotificationPreferenceRow, user_id)
                ],
                "notifications": [
                    {
                        "id": str(n.id),
                        "kind": n.kind,
                        "title": n.title,
                        "body": n.body,
                        "link": n.link,
                        "language": n.language,
                        "created_at": _when(n.created_at),
                        "read_at": _when(n.read_at),
                    }
                    for n in await _rows(session, NotificationRow, user_id)
                ],
                "deliveries": [
                    {
                        "notification_id": str(d.notification_id),
                        "channel": d.channel,
                        "status": d.status,
                        "attempts": d.attempts,
                        "sent_at": _when(d.sent_at),
                    }
                    for d in await _rows(session, NotificationDeliveryRow, user_id)
                ],
                "delivery_log": [
                    {
                        "notification_id": str(e.notification_id),
                        "status": e.status,
                        "channel": e.channel,
                        "detail": e.detail,
                        "at": _when(e.at),
                    }
                    for e in await _rows(session, NotificationLogRow, user_id)
                ],
                "push_subscriptions": [
                    {"endpoint": s.endpoint, "created_at": _when(s.created_at)}
                    for s in await _rows(session, PushSubscriptionRow, user_id)
                ],
                "saved_listings": [
                    {"listing_id": str(s.listing_id), "saved_at": _when(s.created_at)}
                    for s in await _rows(session, SavedListingRow, user_id)
                ],
                "memberships": [
                    {"organisation_id": str(m.organisation_id), "role": m.role}
                    for m in await _rows(session, NotificationMemberRow, user_id)
                ],
            }

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Remove every row of the user (``pseudonym`` is not needed: nothing is kept);
        idempotent."""
        erased: dict[str, int] = {}
        async with self._sessions() as session, session.begin():
            for worker, removed in ((ERASER, _ERASED), (WORKER, _REMOVED)):
                if session.bind.dialect.name == "postgresql":
                    await session.execute(
                        text("SELECT set_config('reptidex.worker', :worker, true)"),
                        {"worker": worker},
                    )
                for kind, model in removed:
                    result = await session.execute(delete(model).where(model.user_id == user_id))
                    erased[f"{kind}_removed"] = result.rowcount or 0  # type: ignore[attr-defined]
        return erased


async def _rows(session: AsyncSession, model: Any, user_id: uuid.UUID) -> list[Any]:
    """The user's rows of ``model``, oldest first."""
    found = await session.scalars(
        select(model).where(model.user_id == user_id).order_by(model.created_at, model.id)
    )
    return list(found)


async def _settings(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any] | None:
    recipient = await session.scalar(
        select(NotificationRecipientRow).where(NotificationRecipientRow.user_id == user_id)
    )
    if recipient is None:
        return None
    return {
        "email": recipient.email,
        "phone": recipient.phone,
        "language": recipient.language,
        "time_zone": recipient.time_zone,
        "quiet_start": _when(recipient.quiet_start),
        "quiet_end": _when(recipient.quiet_end),
    }
