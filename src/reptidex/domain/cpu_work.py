"""The port of where CPU work runs: decoding images, drawing charts, computing predictions.

A use case that has such work hands it, as a function of no arguments, to a :class:`CpuRunner`
and awaits its result. A service gives it a bounded pool of threads, so the event loop keeps
serving while the work runs; a test or a script gives it :func:`run_here`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class CpuRunner(Protocol):
    """Runs ``work`` somewhere and returns its result (or raises its error)."""

    def __call__(self, work: Callable[[], T], /) -> Awaitable[T]:
        """The result of ``work()``."""
        ...


async def run_here(work: Callable[[], T], /) -> T:
    """Run ``work`` at once, in the caller's thread (tests and scripts: nothing to keep serving).

    >>> import asyncio
    >>> asyncio.run(run_here(lambda: 6 * 7))
    42
    """
    return work()
