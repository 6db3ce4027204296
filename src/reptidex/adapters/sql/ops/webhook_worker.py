"""The background worker of webhook deliveries: sends the due ones, woken by every commit of
new deliveries and polling for the retries that fall due (each waits out its own backoff, see
:class:`~reptidex.domain.integrations.model.DeliveryPolicy`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.ops.webhooks import SqlDeliveryQueue, bind_worker
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.adapters.sql.poller import Poller
from reptidex.domain.integrations.delivery import attempt, stage_given_up
from reptidex.domain.integrations.keys import KeyManagement
from reptidex.domain.integrations.model import DeliveryPolicy, DeliveryStatus
from reptidex.domain.integrations.ports import WebhookSender

_log = structlog.get_logger("reptidex.webhooks")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WebhookWorker(Poller):
    """Sends due deliveries; run :meth:`run` as a task, :meth:`stop` to end."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        keys: KeyManagement,
        sender: WebhookSender,
        *,
        policy: DeliveryPolicy | None = None,
        poll_interval: float = 1.0,
        max_backoff: float = 60.0,
        batch_size: int = 20,
        lease: dt.timedelta = dt.timedelta(minutes=2),
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(
            batch_size=batch_size, poll_interval=poll_interval, max_backoff=max_backoff
        )
        self._sessions = sessions
        self.keys = keys
        self.sender = sender
        self.policy = policy or DeliveryPolicy()
        self.lease = lease
        self._clock = clock

    async def work_once(self) -> int:
        """One pass: every due delivery (up to a batch) attempted once, side by side; how many.

        The due deliveries are leased in one short transaction, sent outside any, and their
        outcomes saved in another: no lock is held while a receiver answers."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await bind_worker(session)
            queue = SqlDeliveryQueue(session)
            due = await queue.due(now, self.batch_size)
            await queue.lease([delivery for delivery, _ in due], now + self.lease)
        outcomes = await asyncio.gather(
            *(
                attempt(delivery, webhook, self.keys, self.sender, self.policy, self._clock)
                for delivery, webhook in due
            ),
            return_exceptions=True,
        )
        for (delivery, _), outcome in zip(due, outcomes, strict=True):
            if isinstance(outcome, Exception):  # a bug, not the receiver: due again after the lease
                _log.error(
                    "webhook attempt failed", delivery_id=str(delivery.id), error=repr(outcome)
                )
        attempted = [
            delivery
            for (delivery, _), outcome in zip(due, outcomes, strict=True)
            if not isinstance(outcome, BaseException)
        ]
        async with self._sessions() as session, session.begin():
            await bind_worker(session)
            queue, outbox = SqlDeliveryQueue(session), SqlOutbox(session, "ops")
            for delivery in attempted:
                await queue.save(delivery)
                if delivery.status is DeliveryStatus.FAILED:
                    stage_given_up(outbox, delivery, self._clock())
                    _log.warning(
                        "webhook_delivery_given_up",
                        delivery_id=str(delivery.id),
                        webhook_id=str(delivery.webhook_id),
                        attempts=delivery.attempts,
                        error=delivery.last_error,
                    )
        return len(due)

    async def run(self) -> None:
        """Work until :meth:`stop`: at once when woken, else every ``poll_interval``."""
        await self._loop(self._guarded_pass)

    async def _guarded_pass(self) -> tuple[int, bool]:
        try:
            return await self.work_once(), False
        except Exception as exc:  # ops' database is away: keep trying, with backoff
            _log.warning("webhook pass failed", error=repr(exc))
            return 0, True
