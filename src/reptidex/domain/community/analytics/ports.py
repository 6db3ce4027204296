"""What the analytics need from outside: a store of the search figures and readers of the
notifications' and forums' own tables."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Protocol

from reptidex.domain.community.analytics.reports import (
    DayRange,
    ForumActivity,
    OpenRate,
    QueryFigure,
    SearchDay,
    ShowingDay,
)
from reptidex.domain.community.analytics.tally import SearchTally


class EngagementStore(Protocol):
    """Where the search figures are kept, and where the figures are read."""

    async def add(self, tally: SearchTally, *, max_queries_per_day: int) -> None:
        """Add ``tally`` to the stored days (a day keeps at most ``max_queries_per_day``
        distinct queries; beyond, its totals count the rest as unrecorded)."""
        ...

    async def forget_before(self, day: dt.date) -> int:
        """Forget the figures of days before ``day``; how many rows went."""
        ...

    async def search_days(self, days: DayRange) -> Sequence[SearchDay]:
        """The platform's searches per day."""
        ...

    async def top_queries(
        self, days: DayRange, top: int, *, without_results: bool
    ) -> Sequence[QueryFigure]:
        """The most searched queries (``without_results``: those most often finding nothing)."""
        ...

    async def open_rates(
        self, days: DayRange, organisation_id: uuid.UUID | None = None
    ) -> Sequence[OpenRate]:
        """Notifications created in the range per kind, and those read (``organisation_id``:
        of its members only)."""
        ...

    async def forum_activity(self, days: DayRange) -> ForumActivity:
        """The forums per day."""
        ...

    async def showing_days(
        self, organisation_id: uuid.UUID, days: DayRange
    ) -> Sequence[ShowingDay]:
        """Searches per day whose first page showed the organisation's things."""
        ...

    async def showing_queries(
        self, organisation_id: uuid.UUID, days: DayRange, top: int, minimum: int
    ) -> Sequence[QueryFigure]:
        """The queries that showed them most, each searched at least ``minimum`` times."""
        ...
