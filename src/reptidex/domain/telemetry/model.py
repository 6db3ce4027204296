"""Measurements that clients and services report: named counters and timings with few labels."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from reptidex.domain.errors import InvalidInput

METRIC_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
"""A measurement or label name: lower case, digits and underscores, a letter first, ≤ 63."""

RESERVED_LABELS = frozenset({"source", "le", "quantile"})
"""Label names the exposition sets itself."""


class MeasurementKind(enum.StrEnum):
    """A counter adds up; a timing is a duration in seconds, bucketed into a histogram."""

    COUNTER = "counter"
    TIMING = "timing"


class Source(enum.StrEnum):
    """Who measured: a browser or app (``client``) or a service."""

    CLIENT = "client"
    SERVICE = "service"


@dataclass(frozen=True, slots=True, kw_only=True)
class TelemetryLimits:
    """Bounds that keep what clients send from exhausting memory or the metrics scraper."""

    max_batch: int = 200
    max_labels: int = 5
    max_label_value_length: int = 64
    max_series_per_metric: int = 100
    max_metrics: int = 200
    max_counter_increment: float = 1_000_000.0
    max_timing_seconds: float = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    """One counter increment or one timing."""

    kind: MeasurementKind
    name: str
    value: float
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def label_names(self) -> tuple[str, ...]:
        """The label names, sorted (the shape of this measurement's series)."""
        return tuple(sorted(self.labels))

    def label_values(self) -> tuple[str, ...]:
        """The label values in :attr:`label_names` order (this measurement's series)."""
        return tuple(self.labels[name] for name in self.label_names)


def _problems(measurement: Measurement, limits: TelemetryLimits) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not METRIC_NAME.fullmatch(measurement.name):
        problems["name"] = "must match ^[a-z][a-z0-9_]{0,62}$"
    value = measurement.value
    if not math.isfinite(value):
        problems["value"] = "must be a finite number"
    elif (
        measurement.kind is MeasurementKind.COUNTER
        and not 0 < value <= limits.max_counter_increment
    ):
        problems["value"] = (
            f"a counter increment must be above 0 and at most {limits.max_counter_increment:g}"
        )
    elif measurement.kind is MeasurementKind.TIMING and not 0 <= value <= limits.max_timing_seconds:
        problems["value"] = f"a timing must be between 0 and {limits.max_timing_seconds:g} seconds"
    if len(measurement.labels) > limits.max_labels:
        problems["labels"] = f"at most {limits.max_labels} labels"
    for name, text in measurement.labels.items():
        if not METRIC_NAME.fullmatch(name) or name in RESERVED_LABELS:
            problems[f"labels.{name[:70]}"] = (
                "a label name must match ^[a-z][a-z0-9_]{0,62}$ and not be source, le or quantile"
            )
        elif len(text) > limits.max_label_value_length:
            problems[f"labels.{name}"] = f"at most {limits.max_label_value_length} characters"
    return problems


def validate_batch(measurements: list[Measurement], limits: TelemetryLimits) -> None:
    """Check a batch's shape: size, names, values and labels.

    Raises:
        InvalidInput: with a field error per problem, e.g. ``measurements[2].name``.
    """
    errors: dict[str, str] = {}
    if not measurements:
        errors["measurements"] = "at least one measurement"
    elif len(measurements) > limits.max_batch:
        errors["measurements"] = f"at most {limits.max_batch} measurements per batch"
    else:
        for index, measurement in enumerate(measurements):
            for where, problem in _problems(measurement, limits).items():
                errors[f"measurements[{index}].{where}"] = problem
    if errors:
        raise InvalidInput("the telemetry batch is not valid", field_errors=errors)
