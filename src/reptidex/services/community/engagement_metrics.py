"""Engagement figures on ``/metrics``, labelled by service only (no query, user or
organisation label: their number has no bound). This process's searches, those without
results and those whose query was not kept; and, platform-wide, today's forum activity (read
from the database every ``interval`` seconds, the same on every replica)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reptidex.domain.community.analytics.reports import ForumDay
from reptidex.services.kernel.metrics import metric_families


class EngagementMetrics(Collector):
    """Counts of this process and today's forum figures, read at scrape time."""

    def __init__(self, service: str) -> None:
        self._service = service
        self.searches = 0
        self.without_results = 0
        self.unrecorded = 0
        self.forum_today: ForumDay | None = None

    def searched(self, total: int, *, kept: bool) -> None:
        """Count one search that found ``total`` results (``kept``: its query was tallied)."""
        self.searches += 1
        self.without_results += total == 0
        self.unrecorded += not kept

    def collect(self) -> Iterator[Metric]:
        """The figures."""
        counters: tuple[tuple[Any, str, str, float], ...] = (
            (CounterMetricFamily, "searches", "Searches (first pages) this process ran.",
             self.searches),
            (CounterMetricFamily, "searches_without_results",
             "Searches this process ran that found nothing.", self.without_results),
            (CounterMetricFamily, "search_queries_unrecorded",
             "Searches whose query this process's tally had no room for.", self.unrecorded),
        )  # fmt: skip
        yield from metric_families("reptidex_community_", self._service, counters)
        today = self.forum_today
        gauges: tuple[tuple[Any, str, str, float], ...] = (
            (GaugeMetricFamily, "threads_today", "Forum threads opened today (UTC).",
             today.threads if today else 0),
            (GaugeMetricFamily, "posts_today", "Forum posts written today (UTC).",
             today.posts if today else 0),
            (GaugeMetricFamily, "replies_today", "Forum replies written today (UTC).",
             today.replies if today else 0),
            (GaugeMetricFamily, "active_members_today",
             "Members who wrote in the forums today (UTC).",
             today.active_members if today else 0),
        )  # fmt: skip
        yield from metric_families("reptidex_forum_", self._service, gauges)
