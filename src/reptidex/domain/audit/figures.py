"""Business figures per day, read from the audit trail: every service records each creation
in it, so the trail is the one place where the whole platform's activity is counted.

Which records count (service, resource kind, action):

- new accounts: ``core`` ``user`` ``registered``;
- new breeders: ``core`` ``organisation`` ``created`` (a breeder's business);
- animals: ``animal`` ``animal`` ``created``;
- listings: ``commerce`` ``listing`` ``created``;
- orders: ``commerce`` ``order`` ``place``;
- revenue: ``commerce`` ``payment`` ``succeeded``, the sum of ``after.amount_amount`` (minor
  units) per ``after.currency``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from reptidex.domain.audit.record import AuditRecord

MAX_DAYS = 31
"""The longest span of days one reading covers."""

COUNTED: dict[tuple[str, str, str], str] = {
    ("core", "user", "registered"): "accounts",
    ("core", "organisation", "created"): "breeders",
    ("animal", "animal", "created"): "animals",
    ("commerce", "listing", "created"): "listings",
    ("commerce", "order", "place"): "orders",
}
"""Which records each figure counts."""

REVENUE = ("commerce", "payment", "succeeded")
"""The records whose amounts make the revenue."""

KINDS = (*COUNTED, REVENUE)
"""Every (service, resource kind, action) the figures read."""


@dataclass(slots=True)
class DayFigures:
    """One day's figures (UTC)."""

    day: dt.date
    counts: Counter[str] = field(default_factory=Counter)
    revenue: Counter[str] = field(default_factory=Counter)
    """Minor units per currency."""


def days_between(since: dt.date, until: dt.date) -> list[dt.date]:
    """Every day from ``since`` to ``until`` (both included), at most :data:`MAX_DAYS`."""
    span = min((until - since).days + 1, MAX_DAYS)
    return [since + dt.timedelta(days=offset) for offset in range(max(span, 0))]


def tally(records: list[AuditRecord], days: list[dt.date]) -> list[DayFigures]:
    """The figures of ``days`` from ``records`` (records of other days are ignored).

    >>> import uuid
    >>> day = dt.date(2026, 12, 1)
    >>> at = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    >>> paid = AuditRecord(id=uuid.uuid4(), occurred_at=at, service="commerce",
    ...     resource_kind="payment", resource_id="p1", action="succeeded",
    ...     after={"amount_amount": 15000, "currency": "EUR"})
    >>> (figures,) = tally([paid], [day])
    >>> dict(figures.revenue)
    {'EUR': 15000}
    """
    by_day = {day: DayFigures(day) for day in days}
    for record in records:
        figures = by_day.get(record.occurred_at.astimezone(dt.UTC).date())
        if figures is None:
            continue
        key = (record.service, record.resource_kind, record.action)
        if key == REVENUE:
            amount, currency = record.after.get("amount_amount"), record.after.get("currency")
            if isinstance(amount, int) and isinstance(currency, str):
                figures.revenue[currency] += amount
        elif key in COUNTED:
            figures.counts[COUNTED[key]] += 1
    return [by_day[day] for day in days]


class ActivityRecords(Protocol):
    """The audit records the figures read."""

    async def of_kinds(
        self, kinds: tuple[tuple[str, str, str], ...], since: dt.datetime, until: dt.datetime
    ) -> list[AuditRecord]:
        """Every record of ``kinds`` that occurred in [``since``, ``until``)."""


async def daily_figures(
    records: ActivityRecords, since: dt.date, until: dt.date
) -> list[DayFigures]:
    """The figures of each day from ``since`` to ``until`` (at most :data:`MAX_DAYS`)."""
    days = days_between(since, until)
    if not days:
        return []
    start = dt.datetime.combine(days[0], dt.time(), dt.UTC)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), dt.UTC)
    return tally(await records.of_kinds(KINDS, start, end), days)
