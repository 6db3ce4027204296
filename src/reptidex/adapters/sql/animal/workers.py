"""repti-animal's background worker: :class:`TransferOfferExpiryWorker` expires the transfer
offers past their end (:func:`~reptidex.domain.animals.transfer_offer_expiry.expire_due_offers`),
a pass every ``poll_interval`` seconds (backing off after a failed one) while the service runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from reptidex.adapters.sql.poller import Poller
from reptidex.domain.animals.ports import TransferOfferUnitOfWork
from reptidex.domain.animals.transfer_offer_expiry import expire_due_offers

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
