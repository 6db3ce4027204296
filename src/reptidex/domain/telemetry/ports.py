"""Ports of telemetry: where accepted measurements are aggregated."""

from __future__ import annotations

from typing import Protocol

from reptidex.domain.telemetry.model import Measurement, Source


class MeasurementSink(Protocol):
    """Aggregates measurements (into Prometheus metrics in production)."""

    def refusals(self, measurements: list[Measurement]) -> dict[int, str]:
        """Why some measurements cannot be kept, by index: a series beyond the per-metric
        limit, a new metric beyond the total, or labels that differ from the metric's."""
        ...

    def record(self, source: Source, measurements: list[Measurement]) -> None:
        """Aggregate ``measurements`` (all already admitted by :meth:`refusals`)."""
        ...
