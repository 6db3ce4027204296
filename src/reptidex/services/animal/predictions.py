"""Clutch predictions computed off the event loop, a few at a time, with recent answers kept
within a memory budget.

A prediction is CPU work (exact fractions over every outcome): on the event loop it would stall
every request of the process while it runs. It runs on a
:class:`~reptidex.services.kernel.cpu_pool.CpuPool` of its own, so the loop keeps serving, and
at most ``concurrency`` predictions compute at once (the others wait their turn). Its size is
bounded before it starts by :class:`PredictionLimits`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import msgspec

from reptidex.domain.animals.genetics import PredictionLimits, predict_morphs
from reptidex.services.animal.genetics_schemas import prediction_view
from reptidex.services.kernel.cpu_pool import CpuPool
from reptidex.services.kernel.sized_cache import SizedCache

T = TypeVar("T")


class Predictions:
    """Where the animal service computes predictions: its limits, its threads, its cache."""

    def __init__(
        self,
        limits: PredictionLimits | None = None,
        *,
        concurrency: int = 2,
        cache_bytes: int = 32 * 1024 * 1024,
        cache_entry_bytes: int = 1024 * 1024,
    ) -> None:
        self.limits = limits or PredictionLimits()
        self._threads = CpuPool(concurrency, name="predictions")
        # Breeders ask for the same popular crosses again and again: their encoded answers
        # are kept (errors are not), least recently used first out.
        self.cache = SizedCache(cache_bytes, cache_entry_bytes)

    async def compute(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the prediction threads and wait for its result."""
        return await self._threads.run(work)

    async def from_morphs(
        self,
        species: str,
        sire: str,
        dam: str,
        *,
        viable_only: bool,
        clutch_size: int | None,
        top: int | None,
    ) -> bytes:
        """The JSON body of a morph-string prediction (from the cache when it was asked)."""
        key = (species, sire, dam, viable_only, clutch_size, top)
        found = self.cache.get(key)
        if found is not None:
            return found

        def work() -> bytes:
            prediction = predict_morphs(
                species,
                sire,
                dam,
                viable_only=viable_only,
                clutch_size=clutch_size,
                top=top,
                limits=self.limits,
            )
            return msgspec.json.encode(prediction_view(prediction))

        body = await self.compute(work)
        self.cache.put(key, body)
        return body

    def close(self) -> None:
        """Let the threads end once their work is done."""
        self._threads.close()
