"""Core's mail queue: mail staged in the use case's transaction, sent by a background dispatcher.

A use case stages its mail with the change (``uow.mail.add(message)``); a rollback drops both,
a commit keeps both. The :class:`MailDispatcher` (a task of repti-core's lifespan) sends each
queued message through the notifier and deletes its row; the commit wakes it at once, and it
also polls, so mail queued by a process that died is sent by the next one.

Delivery is at least once: a crash after the send and before the delete sends it again, under
the same ``Message-ID`` (the row id), which receivers and the local mail folder deduplicate by.
A failed send is retried with backoff; after ``max_attempts`` the message is dropped and logged.
The event bus is not used on purpose: a mail's body holds a one-time token that the bus's other
subscribers (the audit log) must never see.
"""

from __future__ import annotations

import datetime as dt

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.sql.identity_models import MailMessageRow
from reptidex.adapters.sql.outbox_store import wake_after_commit
from reptidex.adapters.sql.poller import Poller
from reptidex.domain.identity.model import Email
from reptidex.domain.identity.ports import MailMessage, Notifier

MAIL_QUEUE = "core:mail"
"""The key the commit of queued mail wakes (see ``on_outbox_commit``)."""

_log = structlog.get_logger("reptidex.mail")


class SqlMailQueue:
    """The :class:`~reptidex.domain.identity.ports.MailQueue` of one SQL unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, message: MailMessage) -> None:
        """Stage ``message`` in the session's transaction."""
        now = dt.datetime.now(dt.UTC)
        self._session.add(
            MailMessageRow(
                recipient=message.to.value,
                subject=message.subject,
                body=message.body,
                kind=message.kind,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )
        wake_after_commit(self._session, MAIL_QUEUE)


class MailDispatcher(Poller):
    """Sends queued mail through ``notifier``; run :meth:`run` as a task, :meth:`stop` to end."""

    def __init__(
        self,
        engine: AsyncEngine,
        notifier: Notifier,
        *,
        poll_interval: float = 5.0,
        max_backoff: float = 60.0,
        max_attempts: int = 10,
        batch_size: int = 50,
    ) -> None:
        super().__init__(
            batch_size=batch_size, poll_interval=poll_interval, max_backoff=max_backoff
        )
        self.engine = engine
        self.notifier = notifier
        self.max_attempts = max_attempts
        self.sent = 0
        self.failures = 0
        self._postgres = engine.dialect.name == "postgresql"

    async def backlog(self) -> tuple[int, float]:
        """How many mails wait, and the age in seconds of the oldest."""
        async with AsyncSession(self.engine) as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(MailMessageRow.created_at)).select_from(
                        MailMessageRow
                    )
                )
            ).one()
        if not oldest:
            return int(count), 0.0
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
        return int(count), max(0.0, (dt.datetime.now(dt.UTC) - oldest).total_seconds())

    async def dispatch_once(self) -> tuple[int, int]:
        """One pass over the queue: ``(sent, failed)``."""
        sent = failed = 0
        async with AsyncSession(self.engine, expire_on_commit=False) as session, session.begin():
            query = select(MailMessageRow).order_by(MailMessageRow.created_at, MailMessageRow.id)
            if self._postgres:  # replicas share the queue: each row goes to one of them
                query = query.with_for_update(skip_locked=True)
            rows = (await session.scalars(query.limit(self.batch_size))).all()
            for row in rows:
                message = MailMessage(
                    to=Email(row.recipient),
                    subject=row.subject,
                    body=row.body,
                    kind=row.kind,
                    id=row.id,
                )
                try:
                    await self.notifier.send(message)
                except Exception as exc:
                    failed += 1
                    row.attempts = (row.attempts or 0) + 1
                    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    row.updated_at = dt.datetime.now(dt.UTC)
                    gave_up = row.attempts >= self.max_attempts
                    _log.error(
                        "mail delivery failed",
                        to=row.recipient,
                        kind=row.kind,
                        message_id=str(row.id),
                        attempts=row.attempts,
                        gave_up=gave_up,
                        error=row.last_error,
                    )
                    if gave_up:
                        await session.execute(
                            delete(MailMessageRow).where(MailMessageRow.id == row.id)
                        )
                    continue
                sent += 1
                await session.execute(delete(MailMessageRow).where(MailMessageRow.id == row.id))
        self.sent += sent
        self.failures += failed
        return sent, failed

    async def run(self) -> None:
        """Dispatch until :meth:`stop`: at once when woken, else every ``poll_interval``."""
        await self._loop(self._guarded_pass)

    async def _guarded_pass(self) -> tuple[int, bool]:
        try:
            sent, failed = await self.dispatch_once()
        except Exception as exc:  # the database is away: keep trying, with backoff
            sent, failed = 0, 1
            _log.warning("mail dispatch pass failed", error=repr(exc))
        return sent, bool(failed)
