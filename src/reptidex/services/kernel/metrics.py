"""Prometheus metrics of one service: requests by route template, method and status; pool figures.

Each app owns its own :class:`prometheus_client.CollectorRegistry`, so six services in one process
never mix their figures. Figures that take a round trip to read (a database row, a Redis stream's
length) come from *samplers*: coroutines run at each scrape, side by side and bounded in time,
whose families are served with the registry's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any

import structlog
from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.types import Guard
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""The upper bounds of the request duration histogram's buckets, in seconds (a latency
objective's threshold must be one of them to be read exactly)."""
SAMPLE_TIMEOUT = 2.0
"""How long one sampler may take at a scrape before its figures are left out of it."""

Sampler = Callable[[], Awaitable[Iterable[Metric]]]
"""A coroutine function reading figures at scrape time, as Prometheus families."""

_log = structlog.get_logger("reptidex.metrics")


class ServiceMetrics:
    """The request metrics of one service, in a registry of its own."""

    def __init__(self, service: str, *, sample_timeout: float = SAMPLE_TIMEOUT) -> None:
        self.service = service
        self.sample_timeout = sample_timeout
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
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sample_failures = Counter(
            "reptidex_metrics_sample_failures",
            "Scrape-time samplers that failed or took too long (their figures were left out).",
            ("service", "sampler"),
            registry=self.registry,
        )
        self._samplers: dict[str, Sampler] = {}
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

    def sample_at_scrape(self, name: str, sampler: Sampler) -> None:
        """Run ``sampler`` at every scrape and serve its families (``name`` labels its failures)."""
        if name in self._samplers:
            raise ValueError(f"a sampler named {name!r} is registered already")
        self._samplers[name] = sampler

    def exposition(self) -> bytes:
        """The Prometheus text exposition of the registry's metrics (no samplers)."""
        return generate_latest(self.registry)

    async def scrape(self) -> bytes:
        """The exposition of the registry's metrics and of every sampler's, each sampler
        given :attr:`sample_timeout` seconds; one that fails or runs late is left out and
        counted."""
        timeout = self.sample_timeout
        names = list(self._samplers)
        outcomes = await asyncio.gather(
            *(asyncio.wait_for(self._samplers[name](), timeout) for name in names),
            return_exceptions=True,
        )
        sampled: list[Metric] = []
        for name, outcome in zip(names, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome  # cancellation and the like are not a sampler's failure
                self.sample_failures.labels(self.service, name).inc()
                _log.warning("metrics sampler failed", sampler=name, error=repr(outcome))
                continue
            sampled.extend(outcome)
        scraped = CollectorRegistry(auto_describe=False)
        scraped.register(_Scrape(self.registry, sampled))
        return generate_latest(scraped)


class _Scrape(Collector):
    """A registry's families followed by the ones sampled for one scrape."""

    def __init__(self, registry: CollectorRegistry, sampled: list[Metric]) -> None:
        self._registry = registry
        self._sampled = sampled

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()
        yield from self._sampled


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
        description=(
            "Request counts and latency by route, method and status; database pool, outbox, "
            "event bus and published events figures."
        ),
        include_in_schema=True,
        guards=list(guards),
    )
    async def serve_metrics() -> Response[bytes]:
        return Response(await metrics.scrape(), media_type=PROMETHEUS_CONTENT_TYPE)

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
