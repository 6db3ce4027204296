"""``/marketplace/reports/sales`` (a seller's sales per period and per species and morph, with
average prices and sell-through) and ``/marketplace/reports/sales.csv`` (the sales one by one,
for a spreadsheet)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypeAlias

import msgspec
from litestar import Controller, Response, get
from litestar.params import QueryParameter

from reptidex.domain.commerce.reports import (
    Period,
    ReportUnitOfWork,
    Sale,
    SalesLine,
    SalesReport,
    sales_in_range,
    sales_report,
)
from reptidex.services.commerce.access import READ, SECURITY, CallerMember
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.csv_lines import csv_line
from reptidex.services.kernel.plausible_dates import PlausibleDate

Reports: TypeAlias = Injected[ReportUnitOfWork]
"""A handler parameter ``uow``: the request's unit of work, as reports read it."""

DEFAULT_DAYS = 365
CSV_COLUMNS = (
    "order_id",
    "completed_at",
    "listing_id",
    "title",
    "species",
    "morph",
    "currency",
    "price",
    "platform_fee",
)

Start = Annotated[
    PlausibleDate | None,
    QueryParameter(description="First day (UTC) of the report; default: a year before `end`"),
]
End = Annotated[
    PlausibleDate | None,
    QueryParameter(description="The day after the report's last (UTC); default: tomorrow"),
]


class PeriodLine(msgspec.Struct, frozen=True):
    """Sales in one period and currency (amounts in minor units)."""

    period: str
    currency: str
    count: int
    total: int
    average: int
    platform_fees: int


class MorphLine(msgspec.Struct, frozen=True):
    """Sales of one species and morph in one currency (amounts in minor units)."""

    species: str
    morph: str
    currency: str
    count: int
    total: int
    average: int
    platform_fees: int


class SellThroughView(msgspec.Struct, frozen=True):
    """Of the listings published in the range, how many have sold by now."""

    listed: int
    sold: int
    rate: str | None
    """The exact fraction ``sold/listed`` (null when nothing was listed)."""
    percent: float | None


class SalesReportView(msgspec.Struct, frozen=True):
    """A seller's sales report: completed orders counted when the buyer confirmed them,
    money summed per currency, averages rounded to the nearest minor unit."""

    start: dt.date
    end: dt.date
    period: Period
    by_period: list[PeriodLine]
    by_morph: list[MorphLine]
    sell_through: SellThroughView


def _numbers(line: SalesLine) -> tuple[str, int, int, int, int]:
    return line.currency, line.count, line.total, line.average, line.platform_fees


def report_view(report: SalesReport) -> SalesReportView:
    """The API's view of a report."""
    rate = report.sell_through.rate
    return SalesReportView(
        start=report.start,
        end=report.end,
        period=report.period,
        by_period=[PeriodLine(line.group[0], *_numbers(line)) for line in report.by_period],
        by_morph=[
            MorphLine(line.group[0], line.group[1], *_numbers(line)) for line in report.by_morph
        ],
        sell_through=SellThroughView(
            report.sell_through.listed,
            report.sell_through.sold,
            None if rate is None else str(rate),
            None if rate is None else round(float(rate) * 100, 2),
        ),
    )


def _range(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    until = end or dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    return start or until - dt.timedelta(days=DEFAULT_DAYS), until


def _csv_row(sale: Sale) -> bytes:
    return csv_line(
        [
            sale.order_id,
            sale.completed_at,
            sale.listing_id,
            sale.title,
            sale.species,
            sale.morph,
            sale.price.currency.code,
            sale.price.amount,
            sale.platform_fee.amount,
        ]
    )


class SalesReportController(Controller):
    """A seller's sales reports (members and viewers of the selling organisation)."""

    path = "/marketplace/reports"
    tags = ("reports",)
    security = SECURITY

    @get(
        "/sales",
        guards=READ,
        summary="Your sales report",
        description="Your organisation's sales on the days `[start, end)` (UTC): counts, "
        "totals, average prices and platform fees per `period` (day, ISO week or month) and "
        "per species and morph, each per currency (minor units, never converted); and "
        "sell-through, the share of the listings published in the range that have sold. A "
        "sale counts when its buyer confirmed it (`completed`). 422 for an empty range, "
        "one over three years, or one with over 50,000 sales.",
    )
    async def sales(
        self,
        member: CallerMember,
        uow: Reports,
        start: Start = None,
        end: End = None,
        period: Annotated[Period, QueryParameter(description="How sales are grouped")] = (
            Period.MONTH
        ),
    ) -> SalesReportView:
        """The sales report."""
        since, until = _range(start, end)
        return report_view(await sales_report(uow, member, since, until, period))

    @get(
        "/sales.csv",
        guards=READ,
        summary="Your sales as CSV",
        description="Your organisation's sales on the days `[start, end)` (UTC), one line "
        "each, oldest first: order, completion time, listing, title, species, morph, "
        "currency, price and platform fee in minor units. Text a spreadsheet would read as a "
        "formula is prefixed with an apostrophe. 422 as for the report.",
        media_type="text/csv",
    )
    async def sales_csv(
        self, member: CallerMember, uow: Reports, start: Start = None, end: End = None
    ) -> Response[bytes]:
        """The sales, as CSV."""
        since, until = _range(start, end)
        sold = await sales_in_range(uow, member, since, until)
        body = b"".join([csv_line(CSV_COLUMNS), *(_csv_row(sale) for sale in sold)])
        name = f"sales-{since.isoformat()}-{until.isoformat()}.csv"
        return Response(
            body,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
