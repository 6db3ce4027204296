"""The background worker that hands sold animals to their buyers: it carries out the due
ownership transfer requests (:func:`~reptidex.domain.commerce.ownership.carry_out_due_transfers`)
every ``poll_interval`` seconds, and at once when woken, for as long as repti-commerce runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from reptidex.adapters.sql.poller import Poller
from reptidex.domain.commerce.ownership import (
    AnimalHandover,
    OwnershipUnitOfWork,
    carry_out_due_transfers,
)

_log = structlog.get_logger("reptidex.commerce.transfers")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OwnershipTransferWorker(Poller):
    """Attempts the due transfer requests in passes; a failed pass backs off."""

    def __init__(
        self,
        open_unit: Callable[[], AbstractAsyncContextManager[OwnershipUnitOfWork]],
        animals: AnimalHandover,
        *,
        poll_interval: float = 2.0,
        batch_size: int = 20,
        max_backoff: float = 60.0,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(
            batch_size=batch_size, poll_interval=poll_interval, max_backoff=max_backoff
        )
        self._open_unit = open_unit
        self._animals = animals
        self._clock = clock

    async def run_once(self) -> int:
        """One pass: attempt the due requests; the number attempted."""
        return await carry_out_due_transfers(
            self._open_unit, self._animals, self._clock(), self.batch_size
        )

    async def _pass(self) -> tuple[int, bool]:
        try:
            return await self.run_once(), False
        except Exception:  # the database failed: back off and try the pass again
            _log.exception("ownership transfer pass failed")
            return 0, True

    async def run(self) -> None:
        """Pass after pass until :meth:`~reptidex.adapters.sql.poller.Poller.stop`."""
        await self._loop(self._pass)
