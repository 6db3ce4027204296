"""A connection pool whose waiters are served first come, first served.

SQLAlchemy's asyncio pool (:class:`~sqlalchemy.pool.AsyncAdaptedQueuePool`) waits on an
``asyncio.Queue``, which lets a request arriving just as a connection is returned take it
ahead of the requests already waiting: the woken waiter finds the queue empty and queues
again, at the back. Under load (more requests in flight than connections) some requests then
wait many times longer than others; on ``benchmarks/bench_animal.py`` the 95th percentile of
cold lineages was two and a half times the median. Here a returned connection is handed
straight to the longest-waiting request, and a newcomer takes an idle connection only when
nobody waits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

T = TypeVar("T")


class FairAsyncQueue(AsyncAdaptedQueue[T]):
    """An :class:`AsyncAdaptedQueue` that hands items to its waiters in arrival order.

    Invariant: while anyone waits, the queue itself is empty (each item put goes to the
    first waiter), so taking an item without waiting never overtakes anyone."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[asyncio.Future[T]] = deque()

    def put_nowait(self, item: T) -> None:
        """Give ``item`` to the longest waiter, or keep it when nobody waits."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        super().put_nowait(item)

    def put(self, item: T, block: bool = True, timeout: float | None = None) -> None:
        """As :meth:`put_nowait` (a pool never holds more than its size, so never blocks)."""
        self.put_nowait(item)

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        """An item now if one is idle, else the next one put after the earlier waiters'."""
        try:
            return self.get_nowait()
        except Empty:
            if not block:
                raise
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return self.await_(asyncio.wait_for(waiter, timeout))
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed one while giving up: pass it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise Empty() from None
            raise


class FairAsyncPool(AsyncAdaptedQueuePool):
    """:class:`AsyncAdaptedQueuePool` on a :class:`FairAsyncQueue`."""

    _queue_class: Any = FairAsyncQueue
