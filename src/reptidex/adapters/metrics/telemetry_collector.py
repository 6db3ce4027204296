"""Telemetry aggregated in memory and exposed as Prometheus metrics.

A counter ``page_views`` becomes ``reptidex_telemetry_page_views_total``; a timing
``chart_render`` becomes the histogram ``reptidex_telemetry_chart_render_seconds``. Every series
carries ``source`` (client or service) and the measurement's own labels. Label names are fixed by
the first measurement of a metric; the numbers of metrics and of series per metric are bounded.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from reptidex.domain.telemetry import Measurement, MeasurementKind, Source, TelemetryLimits

PREFIX = "reptidex_telemetry_"
TIMING_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass
class _Histogram:
    buckets: list[float] = field(default_factory=lambda: [0.0] * len(TIMING_BUCKETS))
    count: int = 0
    total: float = 0.0

    def observe(self, seconds: float) -> None:
        index = bisect.bisect_left(TIMING_BUCKETS, seconds)
        if index < len(TIMING_BUCKETS):
            self.buckets[index] += 1
        self.count += 1
        self.total += seconds


@dataclass
class _Metric:
    kind: MeasurementKind
    label_names: tuple[str, ...]
    counters: dict[tuple[str, ...], float] = field(default_factory=dict)
    histograms: dict[tuple[str, ...], _Histogram] = field(default_factory=dict)

    def series(self) -> set[tuple[str, ...]]:
        """The label-value combinations seen, whatever the source (the keys lead with it)."""
        return {key[1:] for key in (*self.counters, *self.histograms)}


class TelemetryCollector(Collector):
    """:class:`~reptidex.domain.telemetry.MeasurementSink` and Prometheus collector in one."""

    def __init__(self, limits: TelemetryLimits | None = None) -> None:
        self._limits = limits or TelemetryLimits()
        self._metrics: dict[str, _Metric] = {}
        self._lock = threading.Lock()

    def register(self, registry: CollectorRegistry) -> TelemetryCollector:
        """Expose this collector through ``registry`` (a service's ``/metrics``)."""
        registry.register(self)
        return self

    # -- the sink -------------------------------------------------------------------------

    def refusals(self, measurements: list[Measurement]) -> dict[int, str]:
        """Why some measurements cannot be kept, by index (empty when all can)."""
        refused: dict[int, str] = {}
        with self._lock:
            shapes = {name: (m.kind, m.label_names) for name, m in self._metrics.items()}
            series = {name: m.series() for name, m in self._metrics.items()}
        for index, measurement in enumerate(measurements):
            shape = (measurement.kind, measurement.label_names)
            known = shapes.get(measurement.name)
            if known is None:
                if len(shapes) >= self._limits.max_metrics:
                    refused[index] = (
                        f"no room for a new metric (at most {self._limits.max_metrics})"
                    )
                    continue
                shapes[measurement.name] = shape
                series[measurement.name] = set()
            elif known != shape:
                kind, labels = known
                refused[index] = (
                    f"{measurement.name!r} is a {kind.value} with labels "
                    f"[{', '.join(labels)}]; every measurement of it must be the same"
                )
                continue
            values = measurement.label_values()
            found = series[measurement.name]
            if values not in found:
                # Each label-value combination is a series, counted per source.
                if len(found) >= self._limits.max_series_per_metric:
                    refused[index] = (
                        f"{measurement.name!r} has {self._limits.max_series_per_metric} "
                        "label-value combinations already; no more are kept"
                    )
                    continue
                found.add(values)
        return refused

    def record(self, source: Source, measurements: list[Measurement]) -> None:
        """Aggregate admitted ``measurements``."""
        with self._lock:
            for measurement in measurements:
                metric = self._metrics.get(measurement.name)
                if metric is None:
                    metric = self._metrics[measurement.name] = _Metric(
                        measurement.kind, measurement.label_names
                    )
                key = (source.value, *measurement.label_values())
                if measurement.kind is MeasurementKind.COUNTER:
                    metric.counters[key] = metric.counters.get(key, 0.0) + measurement.value
                else:
                    metric.histograms.setdefault(key, _Histogram()).observe(measurement.value)

    # -- the collector --------------------------------------------------------------------

    def collect(self) -> Iterator[Metric]:
        """The Prometheus families of every metric reported so far."""
        with self._lock:
            snapshot = [
                (name, m.kind, m.label_names, dict(m.counters), dict(m.histograms))
                for name, m in sorted(self._metrics.items())
            ]
        for name, kind, label_names, counters, histograms in snapshot:
            labels = ["source", *label_names]
            if kind is MeasurementKind.COUNTER:
                counter = CounterMetricFamily(
                    f"{PREFIX}{name}", f"Reported counter {name}.", labels=labels
                )
                for key, value in counters.items():
                    counter.add_metric(list(key), value)
                yield counter
            else:
                histogram = HistogramMetricFamily(
                    f"{PREFIX}{name}_seconds", f"Reported timing {name}.", labels=labels
                )
                for key, observed in histograms.items():
                    cumulative, running = [], 0.0
                    for bound, count in zip(TIMING_BUCKETS, observed.buckets, strict=True):
                        running += count
                        cumulative.append((str(bound), running))
                    cumulative.append(("+Inf", float(observed.count)))
                    histogram.add_metric(list(key), cumulative, observed.total)
                yield histogram
