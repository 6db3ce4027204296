"""Telemetry: batched counters and timings from clients and services, bounded and aggregated."""

from reptidex.domain.telemetry.model import (
    METRIC_NAME,
    Measurement,
    MeasurementKind,
    Source,
    TelemetryLimits,
    validate_batch,
)
from reptidex.domain.telemetry.ports import MeasurementSink
from reptidex.domain.telemetry.use_cases import BatchRateLimit, TelemetryIngest

__all__ = [
    "METRIC_NAME",
    "BatchRateLimit",
    "Measurement",
    "MeasurementKind",
    "MeasurementSink",
    "Source",
    "TelemetryIngest",
    "TelemetryLimits",
    "validate_batch",
]
