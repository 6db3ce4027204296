"""The search's kept pages on ``/metrics``: how many searches a kept page answered, how many
were looked up in the index, and how many pages are kept, in this process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reptidex.domain.community.search.kept_pages import KeptPages
from reptidex.services.kernel.metrics import metric_families


class KeptPagesMetrics(Collector):
    """``pages``' figures, read at scrape time."""

    def __init__(self, service: str, pages: KeptPages) -> None:
        self._service = service
        self._pages = pages

    def collect(self) -> Iterator[Metric]:
        """The figures."""
        pages = self._pages
        figures: tuple[tuple[Any, str, str, float], ...] = (
            (CounterMetricFamily, "served", "Searches a kept page answered.", pages.served),
            (CounterMetricFamily, "found", "Searches looked up in the index.", pages.found),
            (GaugeMetricFamily, "kept", "Pages kept for searches asked again.", len(pages)),
        )
        yield from metric_families("reptidex_search_pages_", self._service, figures)
