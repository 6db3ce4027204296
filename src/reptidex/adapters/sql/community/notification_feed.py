"""The live feed behind ``GET /notifications/stream``: a user's new notifications read from
the database, woken by the commit of each one in this process and polling for those other
processes commit (the replicas of repti-community share nothing else)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.community.notifications import (
    SqlNotifications,
    bind_user,
    feed_key,
)
from reptidex.adapters.sql.outbox_store import on_outbox_commit
from reptidex.domain.notifications.model import Notification


class SqlLiveFeed:
    """A :class:`~reptidex.domain.notifications.ports.LiveFeed` on community's database.

    Each stream holds no connection while it waits; it reads at most ``batch`` notifications
    a time, sends a heartbeat after ``heartbeat`` seconds of quiet, looks for other processes'
    notifications every ``poll`` seconds and ends after ``lifetime`` seconds (a browser's
    ``EventSource`` reconnects with ``Last-Event-ID``)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        heartbeat: float = 15.0,
        poll: float = 5.0,
        lifetime: float = 600.0,
        batch: int = 50,
    ) -> None:
        self._sessions = sessions
        self.heartbeat = heartbeat
        self.poll = poll
        self.lifetime = lifetime
        self.batch = batch
        self._closing = asyncio.Event()
        self._open: dict[uuid.UUID, int] = {}

    def streams_of(self, user_id: uuid.UUID) -> int:
        """How many streams of the user are open in this process."""
        return self._open.get(user_id, 0)

    def close(self) -> None:
        """End every stream (the service is stopping)."""
        self._closing.set()

    async def _cursor(
        self, user_id: uuid.UUID, after: uuid.UUID | None
    ) -> tuple[dt.datetime, uuid.UUID | None]:
        if after is not None:
            async with self._sessions() as session, session.begin():
                await bind_user(session, user_id)
                known = await SqlNotifications(session).get(user_id, after)
            if known is not None:
                return known.created_at, known.id
        return dt.datetime.now(dt.UTC), None

    async def _read(
        self, user_id: uuid.UUID, since: dt.datetime, after: uuid.UUID | None
    ) -> list[Notification]:
        async with self._sessions() as session, session.begin():
            await bind_user(session, user_id)
            return await SqlNotifications(session).after(user_id, since, after, self.batch)

    async def follow(
        self, user_id: uuid.UUID, after: uuid.UUID | None
    ) -> AsyncIterator[Notification | None]:
        """See the port."""
        woken = asyncio.Event()
        cancel = on_outbox_commit(feed_key(user_id), woken.set)
        self._open[user_id] = self._open.get(user_id, 0) + 1
        try:
            since, last = await self._cursor(user_id, after)
            yield None  # open: counted, and following from the cursor
            ends = time.monotonic() + self.lifetime
            quiet_since = time.monotonic()
            while not self._closing.is_set() and time.monotonic() < ends:
                woken.clear()
                found = await self._read(user_id, since, last)
                for notification in found:
                    since, last = notification.created_at, notification.id
                    yield notification
                if found:
                    quiet_since = time.monotonic()
                    if len(found) == self.batch:
                        continue
                if time.monotonic() - quiet_since >= self.heartbeat:
                    quiet_since = time.monotonic()
                    yield None
                wait = min(self.poll, self.heartbeat, max(0.0, ends - time.monotonic()))
                closing = asyncio.ensure_future(self._closing.wait())
                waking = asyncio.ensure_future(woken.wait())
                try:
                    await asyncio.wait(
                        {closing, waking}, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    closing.cancel()
                    waking.cancel()
        finally:
            cancel()
            left = self._open.pop(user_id, 1) - 1
            if left:
                self._open[user_id] = left
