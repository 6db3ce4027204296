"""The engagement analytics' adapters and worker (the composition root calls
:func:`build_engagement` through :func:`~reptidex.services.community.wiring.build_community`):
the store on the kernel's sessions, this process's tally of searches, and the worker that
writes the tally and refreshes the figures on ``/metrics`` every ``interval`` seconds (and
writes what is left when the app stops)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from litestar import Litestar
from litestar.di import Provide
from prometheus_client.registry import Collector

from reptidex.adapters.sql.community.engagement import SqlEngagementStore
from reptidex.domain.community.analytics.reports import DayRange
from reptidex.domain.community.analytics.tally import SearchTally
from reptidex.domain.community.analytics.use_cases import keep_searches
from reptidex.services.community.engagement_access import EngagementDesk
from reptidex.services.community.engagement_metrics import EngagementMetrics
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.logging import get_logger

_log = get_logger("reptidex.community.analytics")


@dataclass(frozen=True, slots=True)
class EngagementComponents:
    """What the analytics build."""

    desk: EngagementDesk
    interval: float

    def dependencies(self) -> Mapping[str, Provide]:
        """``engagement``."""
        return {"engagement": provide_value(self.desk)}

    def lifespans(self) -> Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]]:
        """The worker that keeps the searches and refreshes the figures."""
        return [self.run_worker]

    def collectors(self) -> list[Collector]:
        """The engagement figures on ``/metrics``."""
        return [self.desk.metrics]

    async def keep(self) -> None:
        """Write the tally and read today's forum figures now."""
        desk = self.desk
        today = desk.today()
        await keep_searches(desk.store, desk.tally, today)
        activity = await desk.store.forum_activity(DayRange(today, today))
        desk.metrics.forum_today = activity.days[0] if activity.days else None

    @asynccontextmanager
    async def run_worker(self, app: Litestar) -> AsyncIterator[None]:
        """Keep the searches while the app runs, and once more as it stops."""
        stop = asyncio.Event()
        task = asyncio.create_task(self._run(stop), name="reptidex-engagement")
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(task, return_exceptions=True)
            await self._keep_logged()

    async def _keep_logged(self) -> None:
        try:
            await self.keep()
        except Exception as exc:  # the database is away: the tally keeps counting
            _log.warning("engagement figures not kept", error=repr(exc))

    async def _run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            if not stop.is_set():
                await self._keep_logged()


def build_engagement(
    kernel: Kernel,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    interval: float = 10.0,
) -> EngagementComponents:
    """The analytics on ``kernel``: searches written every ``interval`` seconds, days by
    ``clock`` (default: the time now)."""
    desk = EngagementDesk(
        store=SqlEngagementStore(kernel.sessions),
        tally=SearchTally(),
        metrics=EngagementMetrics(kernel.spec.name),
        clock=clock or (lambda: dt.datetime.now(dt.UTC)),
    )
    return EngagementComponents(desk, interval)
