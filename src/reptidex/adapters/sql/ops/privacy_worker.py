"""The background worker of GDPR requests: asks each service's holder for its due tasks,
woken by every new request and polling for the retries that fall due (each task waits out
its own backoff, see :class:`~reptidex.domain.privacy.use_cases.RetryPolicy`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.ops.privacy_requests import SqlPrivacyRequests
from reptidex.adapters.sql.poller import Poller
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.domain.privacy.use_cases import RetryPolicy, work_on

_log = structlog.get_logger("reptidex.privacy")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PrivacyWorker(Poller):
    """Works on due GDPR tasks; run :meth:`run` as a task, :meth:`stop` to end."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        holders: Mapping[str, PersonalDataHolder],
        *,
        retry: RetryPolicy | None = None,
        poll_interval: float = 1.0,
        max_backoff: float = 60.0,
        batch_size: int = 20,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(
            batch_size=batch_size, poll_interval=poll_interval, max_backoff=max_backoff
        )
        self._sessions = sessions
        self.holders = dict(holders)
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self.lease = lease

    async def work_once(self) -> int:
        """One pass: every due task asked once; how many tasks were due.

        The due tasks are leased in one short transaction, the services asked outside any,
        and the answers saved in another: no lock is held while a service is called."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            requests = SqlPrivacyRequests(session)
            due = await requests.due(now, self.batch_size)
            await requests.lease(due, now + self.lease)
        for request in due:
            await work_on(request, self.holders, self._clock(), self.retry)
        async with self._sessions() as session, session.begin():
            requests = SqlPrivacyRequests(session)
            for request in due:
                await requests.save(request)
        return sum(len(r.tasks) for r in due)

    async def run(self) -> None:
        """Work until :meth:`stop`: at once when woken, else every ``poll_interval``."""
        await self._loop(self._guarded_pass)

    async def _guarded_pass(self) -> tuple[int, bool]:
        try:
            return await self.work_once(), False
        except Exception as exc:  # ops' database is away: keep trying, with backoff
            _log.warning("gdpr pass failed", error=repr(exc))
            return 0, True
