"""Backfilling repti-media's copy of animals from repti-animal: a pass in the background at
start-up (retried with back-off until one completes, never blocking the start), and a pass
for one breeder when a widget asks for a breeder media knows nothing of yet (see
:func:`~reptidex.domain.media.use_cases.widgets.show_widget`)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import structlog
from litestar import Litestar

from reptidex.adapters.sql.media.embeds import backfill_transaction
from reptidex.domain.media.lineage import LineageUnavailable
from reptidex.domain.media.use_cases.animal_copy import backfill
from reptidex.services.kernel.app import resources_of
from reptidex.services.kernel.background import in_background
from reptidex.services.media.wiring import media_of

_log = structlog.get_logger("reptidex.media.backfill")
RETRY_DELAYS = (1.0, 5.0, 30.0, 60.0, 300.0)
"""Seconds between attempts of the start-up pass (the last repeats)."""


async def run_backfill(app: Litestar, organisation_id: uuid.UUID | None = None) -> int:
    """One pass (every organisation, or one), logging its progress; returns animals read."""
    engine = resources_of(app).engine
    scope = "all" if organisation_id is None else str(organisation_id)
    _log.info("animal backfill started", scope=scope)

    def progress(read: int, changed: int) -> None:
        _log.info("animal backfill page", scope=scope, read=read, changed=changed)

    read = await backfill(
        media_of(app).shared,
        lambda: backfill_transaction(engine),
        organisation_id=organisation_id,
        progress=progress,
    )
    _log.info("animal backfill completed", scope=scope, read=read)
    return read


async def backfill_until_done(app: Litestar, delays: tuple[float, ...] = RETRY_DELAYS) -> None:
    """The start-up pass, tried again after each failure (repti-animal or core down)."""
    attempt = 0
    while True:
        try:
            await run_backfill(app)
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
async def backfill_in_background(app: Litestar) -> AsyncIterator[None]:
    """Lifespan: start the start-up pass as a task; cancel it on shutdown."""
    async with in_background(backfill_until_done(app), "media-animal-backfill"):
        yield


class BreederBackfills:
    """The :class:`~reptidex.domain.media.ports.BreederBackfill` of an app: one pass for the
    organisation, bounded by twice the HTTP timeout; on failure the widget shows what is known
    and the start-up pass carries on."""

    def __init__(self, app: Litestar) -> None:
        self.app = app

    async def fill(self, organisation_id: uuid.UUID) -> None:
        """Fill the copy with the organisation's animals now, or log why not."""
        timeout = self.app.state["settings"].http_timeout
        try:
            await asyncio.wait_for(run_backfill(self.app, organisation_id), timeout=timeout * 2)
        except (LineageUnavailable, TimeoutError) as exc:
            _log.warning("animal backfill of a breeder failed", error=str(exc) or "timeout")
