"""Noticing that the bus lost its data, and from when the outbox must publish again.

The outbox relay stamps a row published once the bus has accepted its event. A Redis restarted
without its data (or replaced) loses what it had accepted but nobody had consumed yet: the
rows say published, the streams are gone. A bus that can tell (:class:`RecoverableBus`) keeps a
random *epoch* per publishing service, set once; a Redis that lost its data has none, so the
next look sets a new one. :class:`BusLossWatch` asks for the epoch and, now and then, for the
*watermark*: the time up to which every consumer group has acknowledged every entry of the
streams the service publishes to. When the epoch changes, every row published after the last
watermark (less :attr:`BusLossWatch.margin`, for the two clocks) is to be published again;
consumers are idempotent, so an event consumed before the loss is only skipped again.

Without a watermark (the relay has just started, and found no epoch) the rows published in
the last :attr:`BusLossWatch.window` are published again: shorter than the consumers' marks
live (the outbox's retention), so a replayed event is still recognised.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

import structlog

_log = structlog.get_logger("reptidex.events.relay")


@runtime_checkable
class RecoverableBus(Protocol):
    """A bus that can say whether it lost its data, and what its consumers have taken."""

    async def epoch(self, owner: str) -> tuple[str, bool]:
        """``owner``'s epoch on the bus, and whether this call created it."""

    async def consumed_until(self, families: Iterable[str]) -> dt.datetime | None:
        """The time up to which every group has acknowledged every entry of these families'
        streams (``None`` when no group reads them)."""


class BusLossWatch:
    """Watches one service's epoch on ``bus``; :meth:`replay_since` says when to republish.

    Args:
        bus: the bus the relay publishes to.
        owner: the publishing service.
        window: how far back rows are republished when no watermark is known.
        margin: how much earlier than the watermark republishing starts (clock differences).
        check_interval: seconds between two looks at the epoch.
        watermark_interval: seconds between two measures of the watermark.
    """

    def __init__(
        self,
        bus: RecoverableBus,
        owner: str,
        *,
        window: dt.timedelta = dt.timedelta(days=1),
        margin: dt.timedelta = dt.timedelta(seconds=5),
        check_interval: float = 1.0,
        watermark_interval: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.bus = bus
        self.owner = owner
        self.window = window
        self.margin = margin
        self.check_interval = check_interval
        self.watermark_interval = watermark_interval
        self.epoch: str | None = None
        self.watermark: dt.datetime | None = None
        self.losses = 0
        self._monotonic = monotonic
        self._now = now
        self._last_check = float("-inf")
        self._last_measure = float("-inf")

    async def replay_since(self, families: Iterable[str]) -> dt.datetime | None:
        """When the bus has lost its data since the last look: the time from which published
        rows go out again; otherwise ``None``. Measures the watermark of ``families`` (the
        families published so far) when it is due."""
        families = sorted(set(families))
        since = await self._look() if self._due("_last_check", self.check_interval) else None
        if since is None and families and self._due("_last_measure", self.watermark_interval):
            measured = await self.bus.consumed_until(families)
            if measured is not None:
                self.watermark = measured
        return since

    def _due(self, last: str, interval: float) -> bool:
        if self._monotonic() - getattr(self, last) < interval:
            return False
        setattr(self, last, self._monotonic())
        return True

    async def _look(self) -> dt.datetime | None:
        epoch, created = await self.bus.epoch(self.owner)
        known, self.epoch = self.epoch, epoch
        if epoch == known or (known is None and not created):
            return None
        horizon = self._now() - self.window
        since = horizon if self.watermark is None else max(self.watermark - self.margin, horizon)
        self.losses += 1
        self.watermark = None
        if known is None:  # a first start finds no epoch too: a loss is only one reading
            _log.info(
                "no epoch of this service on the event bus (a new bus, or one that lost its "
                "data): publishing again what it may not have delivered",
                service=self.owner,
                since=since.isoformat(),
            )
        else:
            _log.warning(
                "the event bus lost its data: publishing again what it may not have delivered",
                service=self.owner,
                since=since.isoformat(),
            )
        return since
