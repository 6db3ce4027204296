"""Prometheus metrics of one service: requests by route template, method and status; pool figures.

Each app owns its own :class:`prometheus_client.CollectorRegistry`, so six services in one process
never mix their figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.types import Guard
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """The request metrics of one service, in a registry of its own."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("service", "method", "route", "status")
        self.requests = Counter(
            "reptidex_http_requests",
            "HTTP requests handled, by route template, method and status.",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "reptidex_http_request_duration_seconds",
            "Time to handle an HTTP request, by route template, method and status.",
            labels,
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        """Each (method, route, status)'s counter and histogram: looking a labelled series up
        takes a lock and a few calls, which every request would pay (routes are templates and
        statuses few, so the series are few)."""

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request and its duration."""
        series = self._series.get((method, route, status))
        if series is None:
            labels = (self.service, method, route, str(status))
            series = self._series[method, route, status] = (
                self.requests.labels(*labels),
                self.latency.labels(*labels),
            )
        series[0].inc()
        series[1].observe(seconds)

    def watch_pool(self, engine: Callable[[], AsyncEngine | None]) -> None:
        """Report the connection pool of ``engine()`` at every scrape."""
        self.registry.register(_PoolCollector(self.service, engine))

    def exposition(self) -> bytes:
        """The Prometheus text exposition of every metric of this service."""
        return generate_latest(self.registry)


class _PoolCollector(Collector):
    def __init__(self, service: str, engine: Callable[[], AsyncEngine | None]) -> None:
        self._service = service
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        engine = self._engine()
        if engine is None:
            return
        pool: Any = engine.pool
        figures = {
            "size": "Connections the pool keeps open.",
            "checkedout": "Connections in use by requests.",
            "checkedin": "Idle connections in the pool.",
            "overflow": "Connections opened beyond the pool size.",
        }
        for name, documentation in figures.items():
            reading = getattr(pool, name, None)
            if reading is None:
                continue
            family = GaugeMetricFamily(
                f"reptidex_db_pool_{name}", documentation, labels=["service"]
            )
            family.add_metric([self._service], float(reading()))
            yield family


def metrics_route(metrics: ServiceMetrics, guards: Sequence[Guard] = ()) -> HTTPRouteHandler:
    """A ``GET /metrics`` handler serving ``metrics`` in Prometheus text format, behind
    ``guards`` (the kernel's operations access)."""

    @get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        description="Request counts and latency by route, method and status; database pool figures.",
        include_in_schema=True,
        guards=list(guards),
        sync_to_thread=False,
    )
    def serve_metrics() -> Response[bytes]:
        return Response(metrics.exposition(), media_type=PROMETHEUS_CONTENT_TYPE)

    return serve_metrics


def metric_families(
    prefix: str, service: str, figures: Iterable[tuple[Any, str, str, float]]
) -> Iterator[Metric]:
    """One Prometheus family per ``(family type, name, documentation, value)``, labelled with
    the service."""
    for family, name, documentation, value in figures:
        metric: Any = family(f"{prefix}{name}", documentation, labels=["service"])
        metric.add_metric([service], float(value))
        yield metric
