"""Notification figures on ``/metrics``: per kind, the notifications stored, those read and
the open rate (read over stored, platform-wide: every replica reports the same figures, read
from the database every ``interval`` seconds); and this process's deliveries sent and given
up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import structlog
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reptidex.services.kernel.metrics import metric_families

_log = structlog.get_logger("reptidex.notifications")


class NotificationMetrics(Collector):
    """The figures, refreshed by :meth:`run` and read at scrape time."""

    def __init__(
        self,
        read: Callable[[], Awaitable[dict[str, tuple[int, int]]]],
        deliveries: Callable[[], tuple[int, int]],
        service: str,
        *,
        interval: float = 30.0,
    ) -> None:
        self._read = read
        self._deliveries = deliveries
        self._service = service
        self.interval = interval
        self.figures: dict[str, tuple[int, int]] = {}

    async def refresh(self) -> None:
        """Read the figures now."""
        self.figures = await self._read()

    async def run(self, stop: asyncio.Event) -> None:
        """Refresh every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception as exc:  # the database is away: keep the last figures
                _log.warning("notification figures not read", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)

    def collect(self) -> Iterator[Metric]:
        """The figures as Prometheus families."""
        stored = GaugeMetricFamily(
            "reptidex_notifications_stored",
            "Notifications stored, by kind.",
            labels=["service", "kind"],
        )
        read = GaugeMetricFamily(
            "reptidex_notifications_read",
            "Notifications read, by kind.",
            labels=["service", "kind"],
        )
        rate = GaugeMetricFamily(
            "reptidex_notification_open_rate",
            "Notifications read over notifications stored, by kind.",
            labels=["service", "kind"],
        )
        for kind, (total, opened) in sorted(self.figures.items()):
            stored.add_metric([self._service, kind], total)
            read.add_metric([self._service, kind], opened)
            rate.add_metric([self._service, kind], opened / total if total else 0.0)
        yield from (stored, read, rate)
        sent, failed = self._deliveries()
        figures: tuple[tuple[Any, str, str, float], ...] = (
            (CounterMetricFamily, "sent", "Deliveries this process sent.", sent),
            (CounterMetricFamily, "given_up", "Deliveries this process gave up.", failed),
        )
        yield from metric_families("reptidex_notification_deliveries_", self._service, figures)
