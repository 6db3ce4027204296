"""repti-animal's background workers, a pass every ``poll_interval`` seconds (backing off after
a failed one) while the service runs: :class:`TransferOfferExpiryWorker` expires the transfer
offers past their end (:func:`~reptidex.domain.animals.transfer_offer_expiry.expire_due_offers`);
:class:`HetOddsUpkeepWorker` keeps every animal's het odds up to date with its family
(:mod:`reptidex.domain.animals.het_odds_upkeep`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from reptidex.adapters.sql.poller import Poller
from reptidex.domain.animals.het_odds import HetOddsLimits
from reptidex.domain.animals.het_odds_upkeep import upkeep_pass
from reptidex.domain.animals.ports import StoredHetOddsUnitOfWork, TransferOfferUnitOfWork
from reptidex.domain.animals.transfer_offer_expiry import expire_due_offers
from reptidex.domain.cpu_work import CpuRunner

_log = structlog.get_logger("reptidex.animal.workers")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TransferOfferExpiryWorker(Poller):
    """Expires the transfer offers past their end."""

    def __init__(
        self,
        open_unit: Callable[[], AbstractAsyncContextManager[TransferOfferUnitOfWork]],
        *,
        poll_interval: float = 60.0,
        batch_size: int = 100,
        max_backoff: float = 600.0,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(
            batch_size=batch_size, poll_interval=poll_interval, max_backoff=max_backoff
        )
        self._open_unit = open_unit
        self.clock = clock

    async def run_once(self) -> int:
        """Expire the offers ended by now; the number found."""
        return await expire_due_offers(self._open_unit, self.clock(), self.batch_size)

    async def _pass(self) -> tuple[int, bool]:
        try:
            return await self.run_once(), False
        except Exception:  # the database failed: back off and try the pass again
            _log.exception("transfer offer expiry pass failed")
            return 0, True

    async def run(self) -> None:
        """Pass after pass until :meth:`~reptidex.adapters.sql.poller.Poller.stop`."""
        await self._loop(self._pass)


class HetOddsUpkeepWorker(Poller):
    """Computes again the het odds of the families a change asked for
    (:func:`~reptidex.domain.animals.het_odds_upkeep.upkeep_pass`), a pass every
    ``poll_interval`` seconds or when woken; a request waits ``delay`` so that a burst of
    changes to one family is computed once."""

    def __init__(
        self,
        open_unit: Callable[
            [uuid.UUID | None], AbstractAsyncContextManager[StoredHetOddsUnitOfWork]
        ],
        compute: CpuRunner,
        *,
        limits: HetOddsLimits | None = None,
        delay: float = 2.0,
        poll_interval: float = 1.0,
        batch_size: int = 50,
        max_backoff: float = 300.0,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(
            batch_size=batch_size, poll_interval=poll_interval, max_backoff=max_backoff
        )
        self._open_unit = open_unit
        self._compute = compute
        self.limits = limits or HetOddsLimits()
        self.delay = dt.timedelta(seconds=delay)
        self.clock = clock
        self.passes = 0

    async def run_once(self) -> int:
        """One pass: the requests taken."""
        taken = await upkeep_pass(
            self._open_unit,
            compute=self._compute,
            limits=self.limits,
            now=self.clock(),
            delay=self.delay,
            batch_size=self.batch_size,
        )
        self.passes += 1
        return taken

    async def _pass(self) -> tuple[int, bool]:
        try:
            return await self.run_once(), False
        except Exception:  # the database failed: back off and try the pass again
            _log.exception("het odds upkeep pass failed")
            return 0, True

    async def run(self) -> None:
        """Pass after pass until :meth:`~reptidex.adapters.sql.poller.Poller.stop`."""
        await self._loop(self._pass)
