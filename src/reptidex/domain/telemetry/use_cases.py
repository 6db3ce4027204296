"""Telemetry ingest: validate a batch, admit it whole or not at all, aggregate it; rate-limited."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from reptidex.domain.errors import InvalidInput, RateLimited
from reptidex.domain.telemetry.model import Measurement, Source, TelemetryLimits, validate_batch
from reptidex.domain.telemetry.ports import MeasurementSink


class BatchRateLimit:
    """At most ``batches`` per ``window`` seconds for each reporter (a sliding window in memory).

    Per process: several replicas each allow that many, which is fine for telemetry.
    """

    def __init__(
        self,
        batches: int = 60,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_reporters: int = 50_000,
    ) -> None:
        self._batches = batches
        self._window = window
        self._clock = clock
        self._max_reporters = max_reporters
        self._seen: dict[str, deque[float]] = {}

    def hit(self, reporter: str) -> None:
        """Count one batch from ``reporter``.

        Raises:
            RateLimited: past the limit, with the seconds until the next batch is allowed.
        """
        now = self._clock()
        times = self._seen.get(reporter)
        if times is None:
            if len(self._seen) >= self._max_reporters:
                self._forget_idle(now)
            times = self._seen[reporter] = deque()
        while times and times[0] <= now - self._window:
            times.popleft()
        if len(times) >= self._batches:
            retry_after = max(1, round(times[0] + self._window - now))
            raise RateLimited(
                f"at most {self._batches} telemetry batches per {self._window:g} seconds",
                retry_after=retry_after,
            )
        times.append(now)

    def _forget_idle(self, now: float) -> None:
        for reporter in [r for r, t in self._seen.items() if not t or t[-1] <= now - self._window]:
            del self._seen[reporter]
        if len(self._seen) >= self._max_reporters:
            self._seen.clear()


class TelemetryIngest:
    """Accepts batches of measurements on behalf of repti-core's ``POST /telemetry``."""

    def __init__(
        self,
        sink: MeasurementSink,
        *,
        limits: TelemetryLimits | None = None,
        rate_limit: BatchRateLimit | None = None,
    ) -> None:
        self._sink = sink
        self.limits = limits or TelemetryLimits()
        self._rate_limit = rate_limit or BatchRateLimit()

    def accept(self, reporter: str, source: Source, measurements: list[Measurement]) -> int:
        """Validate and aggregate one batch from ``reporter``; return how many were kept.

        Raises:
            RateLimited: when ``reporter`` sends too many batches.
            InvalidInput: when a measurement is malformed or would exceed the series bounds
                (nothing of the batch is kept then).
        """
        self._rate_limit.hit(reporter)
        validate_batch(measurements, self.limits)
        refused = self._sink.refusals(measurements)
        if refused:
            raise InvalidInput(
                "the telemetry batch would exceed the bounds of the metrics it reports",
                field_errors={f"measurements[{i}]": why for i, why in sorted(refused.items())},
            )
        self._sink.record(source, measurements)
        return len(measurements)
