"""Response bodies of the engagement analytics."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from reptidex.domain.community.analytics.reports import (
    ForumDay,
    OpenRate,
    OrganisationReport,
    PlatformReport,
    QueryFigure,
    SearchDay,
    ShowingDay,
)


class SearchDayView(msgspec.Struct):
    """A UTC day's searches (first pages): all, those without results, and those whose query
    was not kept (storage for the day was full)."""

    day: dt.date
    searches: int
    without_results: int
    unrecorded: int


class QueryView(msgspec.Struct):
    """A normalised query over the range: how often searched, how often without results."""

    query: str
    searches: int
    without_results: int


class OpenRateView(msgspec.Struct):
    """Notifications of a kind created in the range, those read, and read over created."""

    kind: str
    stored: int
    read: int
    open_rate: float


class ForumDayView(msgspec.Struct):
    """A UTC day of the forums: threads opened, posts (openings and replies), replies, and
    members who wrote."""

    day: dt.date
    threads: int
    posts: int
    replies: int
    active_members: int


class ForumActivityView(msgspec.Struct):
    """The forums over the range: per day with activity, and the members who wrote at all."""

    days: list[ForumDayView]
    active_members: int


class PlatformAnalyticsView(msgspec.Struct):
    """Platform-wide engagement from ``since`` to ``until`` (UTC days, both included)."""

    since: dt.date
    until: dt.date
    searches: list[SearchDayView]
    popular_searches: list[QueryView]
    searches_without_results: list[QueryView]
    notification_open_rates: list[OpenRateView]
    forums: ForumActivityView


class ShowingDayView(msgspec.Struct):
    """A UTC day's searches whose first page showed the organisation's things."""

    day: dt.date
    searches: int


class ShowingQueryView(msgspec.Struct):
    """A normalised query whose first page showed the organisation's things, and how often."""

    query: str
    searches: int


class OrganisationAnalyticsView(msgspec.Struct):
    """An organisation's engagement from ``since`` to ``until``: searches that showed its
    public animals, listings or profile, and the open rates of its members' notifications."""

    organisation_id: uuid.UUID
    since: dt.date
    until: dt.date
    shown_in_searches: list[ShowingDayView]
    queries: list[ShowingQueryView]
    notification_open_rates: list[OpenRateView]


def _query(figure: QueryFigure) -> QueryView:
    return QueryView(figure.query, figure.searches, figure.empty)


def _rate(rate: OpenRate) -> OpenRateView:
    return OpenRateView(rate.kind, rate.stored, rate.read, round(rate.rate, 4))


def _search_day(day: SearchDay) -> SearchDayView:
    return SearchDayView(day.day, day.searches, day.empty, day.unrecorded)


def _forum_day(day: ForumDay) -> ForumDayView:
    return ForumDayView(day.day, day.threads, day.posts, day.replies, day.active_members)


def _showing_day(day: ShowingDay) -> ShowingDayView:
    return ShowingDayView(day.day, day.searches)


def platform_view(report: PlatformReport) -> PlatformAnalyticsView:
    """The body of the platform-wide report."""
    return PlatformAnalyticsView(
        since=report.range.first,
        until=report.range.last,
        searches=[_search_day(d) for d in report.searches],
        popular_searches=[_query(q) for q in report.popular],
        searches_without_results=[_query(q) for q in report.without_results],
        notification_open_rates=[_rate(r) for r in report.open_rates],
        forums=ForumActivityView(
            [_forum_day(d) for d in report.forums.days], report.forums.active_members
        ),
    )


def organisation_view(report: OrganisationReport) -> OrganisationAnalyticsView:
    """The body of an organisation's report."""
    return OrganisationAnalyticsView(
        organisation_id=report.organisation_id,
        since=report.range.first,
        until=report.range.last,
        shown_in_searches=[_showing_day(d) for d in report.shown],
        queries=[ShowingQueryView(q.query, q.searches) for q in report.queries],
        notification_open_rates=[_rate(r) for r in report.open_rates],
    )
