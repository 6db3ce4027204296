"""repti-community's advertising worker: :class:`SightingPurge` forgets the sightings older
than the dedup window (:func:`~reptidex.domain.ads.serving.forget_old_sightings`), a batch per
pass, every ``poll_interval`` seconds (at once again while batches come back full; backing off
after a failed pass) for as long as the service runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from reptidex.adapters.sql.poller import Poller
from reptidex.domain.ads.ports import AdServing
from reptidex.domain.ads.serving import forget_old_sightings

_log = structlog.get_logger("reptidex.community.ads")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SightingPurge(Poller):
    """Deletes old sightings in the ad server's transactions."""

    def __init__(
        self,
        serving: Callable[[], AbstractAsyncContextManager[AdServing]],
        *,
        poll_interval: float = 600.0,
        batch_size: int = 1000,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(batch_size=batch_size, poll_interval=poll_interval, max_backoff=600.0)
        self._serving = serving
        self._clock = clock

    async def run_once(self) -> int:
        """One batch; how many sightings it deleted."""
        async with self._serving() as serving:
            return await forget_old_sightings(serving, self._clock(), self.batch_size)

    async def _pass(self) -> tuple[int, bool]:
        try:
            return await self.run_once(), False
        except Exception:  # the database failed: back off and try again
            _log.exception("ad sighting purge failed")
            return 0, True

    async def run(self) -> None:
        """Pass after pass until :meth:`~reptidex.adapters.sql.poller.Poller.stop`."""
        await self._loop(self._pass)
