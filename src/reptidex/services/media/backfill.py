"""Backfilling repti-media's copy of animals from repti-animal: a pass in the background at
start-up (retried with back-off until one completes, never blocking the start), and a pass
for one breeder when a widget asks for a breeder media knows nothing of yet (see
:func:`~reptidex.domain.media.use_cases.widgets.show_widget`)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable

import structlog
from litestar import Litestar

from reptidex.domain.media.lineage import LineageUnavailable
from reptidex.domain.media.ports import BackfillStore, SharedAnimalSource
from reptidex.domain.media.use_cases.animal_copy import backfill
from reptidex.services.kernel.background import in_background

_log = structlog.get_logger("reptidex.media.backfill")
RETRY_DELAYS = (1.0, 5.0, 30.0, 60.0, 300.0)
"""Seconds between attempts of the start-up pass (the last repeats)."""


class AnimalBackfill:
    """Fills the copy of animals from ``shared`` (repti-animal's listing), each page in a
    transaction of its own (``transaction``). It is the
    :class:`~reptidex.domain.media.ports.BreederBackfill` of the widgets: a breeder's pass
    waits at most ``2 × timeout`` seconds; on failure the widget shows what is known and the
    start-up pass carries on."""

    def __init__(
        self,
        shared: SharedAnimalSource,
        transaction: Callable[[], contextlib.AbstractAsyncContextManager[BackfillStore]],
        *,
        timeout: float,
    ) -> None:
        self._shared = shared
        self._transaction = transaction
        self._timeout = timeout

    async def run(self, organisation_id: uuid.UUID | None = None) -> int:
        """One pass (every organisation, or one), logging its progress; returns animals read."""
        scope = "all" if organisation_id is None else str(organisation_id)
        _log.info("animal backfill started", scope=scope)

        def progress(read: int, changed: int) -> None:
            _log.info("animal backfill page", scope=scope, read=read, changed=changed)

        read = await backfill(
            self._shared, self._transaction, organisation_id=organisation_id, progress=progress
        )
        _log.info("animal backfill completed", scope=scope, read=read)
        return read

    async def until_done(self, delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        """The start-up pass, tried again after each failure (repti-animal or core down)."""
        attempt = 0
        while True:
            try:
                await self.run()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure is retried; the cause is logged
                delay = delays[min(attempt, len(delays) - 1)]
                _log.warning(
                    "animal backfill failed", error=str(exc) or type(exc).__name__, retry_in=delay
                )
                attempt += 1
                await asyncio.sleep(delay)

    @contextlib.asynccontextmanager
    async def in_background(self, app: Litestar) -> AsyncIterator[None]:
        """Lifespan: start the start-up pass as a task; cancel it on shutdown."""
        async with in_background(self.until_done(), "media-animal-backfill"):
            yield

    async def fill(self, organisation_id: uuid.UUID) -> None:
        """Fill the copy with the organisation's animals now, or log why not."""
        try:
            await asyncio.wait_for(self.run(organisation_id), timeout=self._timeout * 2)
        except (LineageUnavailable, TimeoutError) as exc:
            _log.warning("animal backfill of a breeder failed", error=str(exc) or "timeout")
