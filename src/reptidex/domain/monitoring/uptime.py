"""Uptime per service per day: each sample of the platform's status counts, per service, one
sample and, when the service was up (:func:`~reptidex.domain.monitoring.status.is_up`), one up
sample; a day's uptime is the share of its samples that were up. Days older than the
retention are forgotten.

>>> DayUptime("core", dt.date(2026, 12, 7), samples=4, up=3).percent
75.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.errors import InvalidInput
from reptidex.domain.monitoring.status import Light, is_up

MAX_HISTORY_DAYS = 366
"""The most days one history answer covers."""


def _percent(up: int, samples: int) -> float:
    return round(100 * up / samples, 2) if samples else 0.0


@dataclass(frozen=True, slots=True)
class DayUptime:
    """One service's samples on one day (UTC)."""

    service: str
    day: dt.date
    samples: int
    up: int

    @property
    def percent(self) -> float:
        """The share of the day's samples that were up, in percent (two decimals)."""
        return _percent(self.up, self.samples)


@dataclass(frozen=True, slots=True)
class ServiceUptime:
    """One service's days, oldest first, and its uptime over all of them."""

    service: str
    days: tuple[DayUptime, ...]

    @property
    def samples(self) -> int:
        """Samples over the period."""
        return sum(day.samples for day in self.days)

    @property
    def up(self) -> int:
        """Up samples over the period."""
        return sum(day.up for day in self.days)

    @property
    def percent(self) -> float:
        """Uptime over the period, in percent (two decimals; 0 without samples)."""
        return _percent(self.up, self.samples)


class UptimeLog(Protocol):
    """Where the samples are counted."""

    async def add(self, day: dt.date, up: Mapping[str, bool]) -> None:
        """Count one sample of ``day`` for each service of ``up`` (an up one when true)."""
        ...

    async def forget_before(self, day: dt.date) -> int:
        """Forget every day before ``day``; how many service-days were forgotten."""
        ...

    async def since(self, day: dt.date) -> list[DayUptime]:
        """Every service-day from ``day`` on."""
        ...


async def record_sample(
    log: UptimeLog, at: dt.datetime, lights: Mapping[str, Light], retention_days: int
) -> None:
    """Count the platform's status taken at ``at`` (each service's grade) on its day (UTC),
    and forget the days that fall out of the last ``retention_days`` (today included)."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    day = at.astimezone(dt.UTC).date()
    await log.add(day, {service: is_up(light) for service, light in lights.items()})
    await log.forget_before(day - dt.timedelta(days=retention_days - 1))


async def uptime_history(
    log: UptimeLog, today: dt.date, days: int, services: tuple[str, ...]
) -> list[ServiceUptime]:
    """Each of ``services``' uptime on the last ``days`` days (``today`` included), in the
    order given; a day without a sample is left out. :class:`InvalidInput` unless ``days``
    is from 1 to :data:`MAX_HISTORY_DAYS`."""
    if not 1 <= days <= MAX_HISTORY_DAYS:
        raise InvalidInput(f"days must be from 1 to {MAX_HISTORY_DAYS}.")
    first = today - dt.timedelta(days=days - 1)
    found: dict[str, list[DayUptime]] = {service: [] for service in services}
    for row in await log.since(first):
        if row.service in found and row.day <= today:
            found[row.service].append(row)
    return [
        ServiceUptime(service, tuple(sorted(rows, key=lambda d: d.day)))
        for service, rows in found.items()
    ]
