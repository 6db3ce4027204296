"""repti-commerce's background workers, each a pass repeated every ``poll_interval`` seconds
(sooner when woken, backing off after a failed pass) for as long as the service runs:

- :class:`OwnershipTransferWorker` hands sold animals to their buyers
  (:func:`~reptidex.domain.commerce.ownership.carry_out_due_transfers`);
- :class:`ListingExpiryWorker` expires listings past their end
  (:func:`~reptidex.domain.commerce.listing_expiry.expire_ended_listings`);
- :class:`ReservationExpiryWorker` releases reservations of supplies held past their end
  (:func:`~reptidex.domain.commerce.reservations.expire_due_reservations`).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from reptidex.adapters.sql.poller import Poller
from reptidex.domain.commerce.inventory_ports import ReservationExpiryUnitOfWork
from reptidex.domain.commerce.listing_expiry import ExpiryUnitOfWork, expire_ended_listings
from reptidex.domain.commerce.ownership import (
    AnimalHandover,
    OwnershipUnitOfWork,
    carry_out_due_transfers,
)
from reptidex.domain.commerce.reservations import expire_due_reservations

_log = structlog.get_logger("reptidex.commerce.workers")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ClockedWorker(Poller, ABC):
    """Passes of :meth:`run_once` at the clock's time; a failed pass is logged and backs off."""

    name = "worker"

    def __init__(
        self,
        *,
        poll_interval: float,
        batch_size: int,
        max_backoff: float = 60.0,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(
            batch_size=batch_size, poll_interval=poll_interval, max_backoff=max_backoff
        )
        self.clock = clock

    @abstractmethod
    async def run_once(self) -> int:
        """One pass; the number of rows it found."""

    async def _pass(self) -> tuple[int, bool]:
        try:
            return await self.run_once(), False
        except Exception:  # the database failed: back off and try the pass again
            _log.exception("commerce worker pass failed", worker=self.name)
            return 0, True

    async def run(self) -> None:
        """Pass after pass until :meth:`~reptidex.adapters.sql.poller.Poller.stop`."""
        await self._loop(self._pass)


class OwnershipTransferWorker(ClockedWorker):
    """Attempts the due ownership transfer requests."""

    name = "ownership_transfer"

    def __init__(
        self,
        open_unit: Callable[[], AbstractAsyncContextManager[OwnershipUnitOfWork]],
        animals: AnimalHandover,
        *,
        poll_interval: float = 2.0,
        batch_size: int = 20,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(poll_interval=poll_interval, batch_size=batch_size, clock=clock)
        self._open_unit = open_unit
        self._animals = animals

    async def run_once(self) -> int:
        """Attempt the due requests; the number attempted."""
        return await carry_out_due_transfers(
            self._open_unit, self._animals, self.clock(), self.batch_size
        )


class ListingExpiryWorker(ClockedWorker):
    """Expires the listings past their end."""

    name = "listing_expiry"

    def __init__(
        self,
        open_unit: Callable[[], AbstractAsyncContextManager[ExpiryUnitOfWork]],
        *,
        poll_interval: float = 30.0,
        batch_size: int = 100,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(poll_interval=poll_interval, batch_size=batch_size, clock=clock)
        self._open_unit = open_unit

    async def run_once(self) -> int:
        """Expire the ended listings; the number found."""
        return await expire_ended_listings(self._open_unit, self.clock(), self.batch_size)


class ReservationExpiryWorker(ClockedWorker):
    """Releases the reservations of supplies held past their end."""

    name = "reservation_expiry"

    def __init__(
        self,
        open_unit: Callable[[], AbstractAsyncContextManager[ReservationExpiryUnitOfWork]],
        *,
        poll_interval: float = 30.0,
        batch_size: int = 100,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(poll_interval=poll_interval, batch_size=batch_size, clock=clock)
        self._open_unit = open_unit

    async def run_once(self) -> int:
        """Expire the due reservations; the number found."""
        return await expire_due_reservations(self._open_unit, self.clock(), self.batch_size)
