"""A seller's sales report: what sold, per period and per species and morph, at what average
price, and how much of what was listed sold (sell-through); and the sales one by one, for a
spreadsheet.

A sale is an order the buyer confirmed (``completed``), counted when it was completed. Money
is summed per currency, never converted; an average is the exact mean rounded to the nearest
minor unit (half to even).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import InvalidInput

LONGEST_RANGE = dt.timedelta(days=3 * 366)
"""The longest time a report covers (three years)."""

MOST_SALES = 50_000
"""The most sales one report or export reads; a seller with more asks for a shorter range."""


class Period(enum.StrEnum):
    """How the report groups sales in time."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period_of(at: dt.datetime, period: Period) -> str:
    """The period ``at`` falls in (UTC): ``2026-03-01``, ISO week ``2026-W09``, ``2026-03``.

    >>> at = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    >>> [period_of(at, p) for p in Period]
    ['2026-03-01', '2026-W09', '2026-03']
    >>> period_of(dt.datetime(2027, 1, 1, tzinfo=dt.UTC), Period.WEEK)  # ISO: 2026's last week
    '2026-W53'
    """
    day = at.astimezone(dt.UTC).date()
    if period is Period.DAY:
        return day.isoformat()
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


@dataclass(frozen=True, slots=True)
class Sale:
    """One completed order of the seller's, with what it sold."""

    order_id: uuid.UUID
    completed_at: dt.datetime
    listing_id: uuid.UUID
    title: str
    species: str
    morph: str
    price: Money
    platform_fee: Money


@dataclass(frozen=True, slots=True)
class SalesLine:
    """Sales of one group (a period, or a species and morph) in one currency."""

    group: tuple[str, ...]
    """The period, or the species and the morph."""
    currency: str
    count: int
    total: int
    """The prices' sum, in minor units."""
    average: int
    """The mean price in minor units, rounded half to even."""
    platform_fees: int


@dataclass(frozen=True, slots=True)
class SellThrough:
    """Of the listings published in the range, how many have sold by now."""

    listed: int
    sold: int

    @property
    def rate(self) -> Fraction | None:
        """``sold / listed``; None when nothing was listed.

        >>> SellThrough(3, 2).rate, SellThrough(0, 0).rate
        (Fraction(2, 3), None)
        """
        return Fraction(self.sold, self.listed) if self.listed else None


@dataclass(frozen=True, slots=True)
class SalesReport:
    """A seller's sales in ``[start, end)``."""

    start: dt.date
    end: dt.date
    period: Period
    by_period: list[SalesLine]
    by_morph: list[SalesLine]
    sell_through: SellThrough


class SalesRecords(Protocol):
    """What a report reads: the seller's completed orders and listings."""

    async def sales(
        self, seller: uuid.UUID, start: dt.datetime, end: dt.datetime, limit: int
    ) -> list[Sale]:
        """The seller's sales completed in ``[start, end)``, oldest first, at most ``limit``."""
        ...

    async def sell_through(
        self, seller: uuid.UUID, start: dt.datetime, end: dt.datetime
    ) -> SellThrough:
        """Of the seller's listings created in ``[start, end)`` and published (not drafts), how
        many there are and how many are sold."""
        ...


class ReportUnitOfWork(Protocol):
    """What the report use cases read through."""

    @property
    def sales(self) -> SalesRecords:
        """The sales records."""
        ...


def lines(sales: Iterable[Sale], group_of: Callable[[Sale], tuple[str, ...]]) -> list[SalesLine]:
    """Sales summed per group and currency, in group then currency order.

    >>> eur = lambda n: Money.of(n, "EUR")
    >>> sold = [Sale(uuid.uuid4(), dt.datetime(2026, 1, 5, tzinfo=dt.UTC), uuid.uuid4(),
    ...              "t", "ball_python", "Pastel", eur(p), eur(p // 20)) for p in (100, 101)]
    >>> lines(sold, lambda s: (s.morph,))
    [SalesLine(group=('Pastel',), currency='EUR', count=2, total=201, average=100, platform_fees=10)]
    """
    totals: dict[tuple[tuple[str, ...], str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for sale in sales:
        line = totals[group_of(sale), sale.price.currency.code]
        line[0] += 1
        line[1] += sale.price.amount
        line[2] += sale.platform_fee.amount
    return [
        SalesLine(group, currency, count, total, round(Fraction(total, count)), fees)
        for (group, currency), (count, total, fees) in sorted(totals.items())
    ]


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if end <= start:
        raise InvalidInput(
            "The report's end comes after its start.", field_errors={"end": "after start"}
        )
    if end - start > LONGEST_RANGE:
        raise InvalidInput(
            "A report covers at most three years; ask for a shorter range.",
            field_errors={"start": "at most three years before end"},
        )
    midnight = dt.time(tzinfo=dt.UTC)
    return dt.datetime.combine(start, midnight), dt.datetime.combine(end, midnight)


async def _sales(
    uow: ReportUnitOfWork, actor: Member, start: dt.datetime, end: dt.datetime
) -> list[Sale]:
    found = await uow.sales.sales(actor.organisation_id, start, end, MOST_SALES + 1)
    if len(found) > MOST_SALES:
        raise InvalidInput(
            f"More than {MOST_SALES} sales in this range; ask for a shorter one.",
            field_errors={"start": "a shorter range"},
        )
    return found


async def sales_report(
    uow: ReportUnitOfWork, actor: Member, start: dt.date, end: dt.date, period: Period
) -> SalesReport:
    """The actor's organisation's sales report for the days ``[start, end)`` (UTC);
    :class:`InvalidInput` for an empty or over-long range."""
    since, until = _bounds(start, end)
    sold = await _sales(uow, actor, since, until)
    return SalesReport(
        start,
        end,
        period,
        by_period=lines(sold, lambda sale: (period_of(sale.completed_at, period),)),
        by_morph=lines(sold, lambda sale: (sale.species, sale.morph)),
        sell_through=await uow.sales.sell_through(actor.organisation_id, since, until),
    )


async def sales_in_range(
    uow: ReportUnitOfWork, actor: Member, start: dt.date, end: dt.date
) -> list[Sale]:
    """The actor's organisation's sales completed on the days ``[start, end)``, oldest first."""
    since, until = _bounds(start, end)
    return await _sales(uow, actor, since, until)
