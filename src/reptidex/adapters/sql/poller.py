"""The wake-or-poll loop of the background workers that drain a table (outbox relay, mail).

A worker does passes over its table: full batches back to back; after a short batch it waits for
``poll_interval`` or until :meth:`Poller.wake` (a commit queued work); after a failed pass it
backs off exponentially, up to ``max_backoff``, and a wake does not cut that wait short.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Poller:
    """Wake, sleep, stop and the run loop; a subclass does the passes."""

    def __init__(self, *, batch_size: int, poll_interval: float, max_backoff: float) -> None:
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Start the next pass now (work was just committed)."""
        self._wake.set()

    def stop(self) -> None:
        """Ask :meth:`run` to return after the pass in progress."""
        self._stopping = True
        self._wake.set()

    async def _loop(self, one_pass: Callable[[], Awaitable[tuple[int, bool]]]) -> None:
        """Run ``one_pass`` (``(rows done, whether it failed)``) until :meth:`stop`."""
        failures = 0
        while not self._stopping:
            self._wake.clear()  # a commit from now on wakes the wait below
            done, failed = await one_pass()
            if failed:
                # Back off, and do not let new commits cut the wait short: something is failing.
                failures += 1
                await self._sleep(min(self.max_backoff, self.poll_interval * 2**failures), False)
                continue
            failures = 0
            if done < self.batch_size:
                await self._sleep(self.poll_interval, True)

    async def _sleep(self, seconds: float, wakeable: bool) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and (remaining := deadline - time.monotonic()) > 0:
            if self._wake.is_set():
                if wakeable:
                    return
                self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=remaining)
            except TimeoutError:
                return
