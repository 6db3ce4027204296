"""Advertising's figures on ``/metrics``: the slots served and the impressions and clicks
recorded by outcome, since the process started (each replica counts its own; Prometheus sums
them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector


class AdMetrics(Collector):
    """Counts of this process, read at scrape time."""

    def __init__(self, service: str) -> None:
        self._service = service
        self.slots_served = 0
        self._recorded: Counter[tuple[str, str]] = Counter()

    def served(self, slots: int) -> None:
        """Count the slots one page was given."""
        self.slots_served += slots

    def recorded(self, kind: str, outcome: str) -> None:
        """Count one impression or click and what became of it."""
        self._recorded[(kind, outcome)] += 1

    def collect(self) -> Iterator[Metric]:
        """The figures."""
        served = CounterMetricFamily(
            "reptidex_ad_slots_served", "Sponsored slots served.", labels=["service"]
        )
        served.add_metric([self._service], self.slots_served)
        yield served
        recorded = CounterMetricFamily(
            "reptidex_ad_recordings",
            "Impressions and clicks recorded, by outcome (counted, duplicate, self, ...).",
            labels=["service", "kind", "outcome"],
        )
        for (kind, outcome), count in sorted(self._recorded.items()):
            recorded.add_metric([self._service, kind, outcome], count)
        yield recorded
