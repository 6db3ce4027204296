"""Notification figures for ``/metrics``: how many notifications of each kind were stored and
how many of them read (their open rate), read from the database as the platform."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.community.notification_models import NotificationRow
from reptidex.adapters.sql.community.notifications import bind_system


async def read_figures(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[int, int]]:
    """``{kind: (stored, read)}`` over every user's notifications."""
    async with sessions() as session, session.begin():
        await bind_system(session)
        rows = await session.execute(
            select(NotificationRow.kind, func.count(), func.count(NotificationRow.read_at))
            .group_by(NotificationRow.kind)
            .order_by(NotificationRow.kind)
        )
        return {str(kind): (int(stored), int(read)) for kind, stored, read in rows}
