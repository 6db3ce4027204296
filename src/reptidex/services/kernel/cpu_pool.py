"""A bounded pool of threads for a service's CPU work, so the event loop keeps serving.

Decoding a large image, drawing a chart or computing a prediction takes seconds of CPU: on the
event loop it would stall every request of the process (and, in the embedded mode, of every
service). A :class:`CpuPool` runs such work on ``workers`` threads of its own; the rest waits
its turn, which also bounds the memory the work holds at once (at most ``workers`` decoded
images). Pillow, zlib and hashlib release the GIL while they work; pure-Python work shares it
with the loop, which still gets its turn every few milliseconds. The pool is the :class:`~reptidex.domain.cpu_work.CpuRunner` the use cases take.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TypeVar

from litestar import Litestar

T = TypeVar("T")


class CpuPool:
    """``workers`` threads named ``<name>_<n>``; :meth:`run` hands them work and awaits it."""

    def __init__(self, workers: int, *, name: str) -> None:
        if workers < 1:
            raise ValueError("A pool needs at least one worker.")
        self.workers = workers
        self._threads = ThreadPoolExecutor(workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._waiting = 0
        self._running = 0

    @property
    def waiting(self) -> int:
        """Work handed over and not started yet."""
        return self._waiting

    @property
    def running(self) -> int:
        """Work running now (at most :attr:`workers`)."""
        return self._running

    async def run(self, work: Callable[[], T], /) -> T:
        """The result of ``work()``, computed on one of the pool's threads."""
        with self._lock:
            self._waiting += 1
        try:
            future = self._threads.submit(self._tracked, work)
        except BaseException:
            self._forget_waiting()
            raise
        # a future cancelled (its caller gone, or the pool closed) never started
        future.add_done_callback(self._forget_if_cancelled)
        return await asyncio.wrap_future(future)

    __call__ = run

    def _forget_waiting(self) -> None:
        with self._lock:
            self._waiting -= 1

    def _forget_if_cancelled(self, future: Future[T]) -> None:
        if future.cancelled():
            self._forget_waiting()

    def _tracked(self, work: Callable[[], T]) -> T:
        with self._lock:
            self._waiting -= 1
            self._running += 1
        try:
            return work()
        finally:
            with self._lock:
                self._running -= 1

    def close(self) -> None:
        """Drop the work not started yet and let the threads end once theirs is done."""
        self._threads.shutdown(wait=False, cancel_futures=True)

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        """The pool while the app runs (a Litestar lifespan): closed when it stops."""
        try:
            yield
        finally:
            self.close()
