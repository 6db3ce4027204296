"""What the analytics report: bounded date ranges and the figures over them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from reptidex.domain.errors import InvalidInput

MAX_DAYS = 92
"""The longest range a report covers."""
DEFAULT_DAYS = 30
"""The range of a report asked without dates: the last 30 days, today included."""
MAX_TOP = 50
"""The most queries a report lists."""
RETENTION_DAYS = 400
"""Days of search figures kept; older days are forgotten."""
MIN_SHOWN_SEARCHES = 2
"""A query is listed to an organisation only when searched at least this often in the range
(a query typed once may be someone's own words)."""


@dataclass(frozen=True, slots=True)
class DayRange:
    """The days from ``first`` to ``last``, both included."""

    first: dt.date
    last: dt.date

    @classmethod
    def of(cls, first: dt.date | None, last: dt.date | None, today: dt.date) -> DayRange:
        """The range asked for, checked: ``last`` defaults to today, ``first`` to
        :data:`DEFAULT_DAYS` days before ``last``; at most :data:`MAX_DAYS` days."""
        end = last or today
        start = first or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise InvalidInput("from is on or before to.")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidInput(f"A report covers at most {MAX_DAYS} days.")
        return cls(start, end)

    @property
    def start(self) -> dt.datetime:
        """The first instant of the range (UTC)."""
        return dt.datetime.combine(self.first, dt.time(), dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the range (UTC)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), dt.UTC)


def check_top(top: int) -> int:
    """``top`` when between 1 and :data:`MAX_TOP`."""
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"top is between 1 and {MAX_TOP}.")
    return top


@dataclass(frozen=True, slots=True)
class SearchDay:
    """A day's searches: how many, how many found nothing, how many queries were not kept."""

    day: dt.date
    searches: int
    empty: int
    unrecorded: int


@dataclass(frozen=True, slots=True)
class QueryFigure:
    """A query over the range: how often searched, how often without results."""

    query: str
    searches: int
    empty: int


@dataclass(frozen=True, slots=True)
class OpenRate:
    """Notifications of a kind created in the range, and how many of them were read."""

    kind: str
    stored: int
    read: int

    @property
    def rate(self) -> float:
        """Read over stored (0 when none)."""
        return self.read / self.stored if self.stored else 0.0


@dataclass(frozen=True, slots=True)
class ForumDay:
    """A day of the forums: threads opened, posts written (openings and replies), replies,
    and the members who wrote."""

    day: dt.date
    threads: int
    posts: int
    replies: int
    active_members: int


@dataclass(frozen=True, slots=True)
class ForumActivity:
    """The forums over the range: per day, and the members who wrote at all."""

    days: Sequence[ForumDay]
    active_members: int


@dataclass(frozen=True, slots=True)
class PlatformReport:
    """Platform-wide engagement over a range."""

    range: DayRange
    searches: Sequence[SearchDay]
    popular: Sequence[QueryFigure]
    without_results: Sequence[QueryFigure]
    open_rates: Sequence[OpenRate]
    forums: ForumActivity


@dataclass(frozen=True, slots=True)
class ShowingDay:
    """A day's searches whose first page showed the organisation's things."""

    day: dt.date
    searches: int


@dataclass(frozen=True, slots=True)
class OrganisationReport:
    """One organisation's engagement over a range: the searches that showed its public
    animals, listings or profile, and its members' notification open rates."""

    organisation_id: uuid.UUID
    range: DayRange
    shown: Sequence[ShowingDay]
    queries: Sequence[QueryFigure]
    open_rates: Sequence[OpenRate]
