"""Engagement figures in repti-community's database: the search figures it keeps (migration
``community_0007``) and what it reads of the notifications' and forums' own tables.

On PostgreSQL the search figures are kept and read in transactions that set
``reptidex.worker`` to ``search_analytics``; an organisation's showings are read in a
transaction scoped to it (``reptidex.organisation_id``), which sees no other organisation's.
Notifications are read as their worker (``notifications``); forum threads and posts are
readable by every transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table, and_, delete, exists, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Executable

from reptidex.adapters.sql.community.engagement_models import (
    SearchDayRow,
    SearchQueryDayRow,
    SearchShowingDayRow,
)
from reptidex.adapters.sql.community.forum_models import ForumPostRow, ForumThreadRow
from reptidex.adapters.sql.community.notification_models import (
    NotificationMemberRow,
    NotificationRow,
)
from reptidex.adapters.sql.community.notifications import bind_system
from reptidex.domain.community.analytics.reports import (
    DayRange,
    ForumActivity,
    ForumDay,
    OpenRate,
    QueryFigure,
    SearchDay,
    ShowingDay,
)
from reptidex.domain.community.analytics.tally import SearchTally

WORKER = "search_analytics"
"""``reptidex.worker`` of the transactions that keep and read the search figures."""


def _table(model: type[object]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _adding(
    session: AsyncSession, model: type[object], values: dict[str, Any], keys: list[str],
    counts: list[str],
) -> Executable:  # fmt: skip
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` adding ``counts`` to the stored row's."""
    table = _table(model)
    now = dt.datetime.now(dt.UTC)
    row = {"id": uuid.uuid4(), "created_at": now, "updated_at": now, **values}
    if session.bind.dialect.name == "postgresql":
        on_pg = postgresql.insert(table).values(row)
        added = {c: table.c[c] + on_pg.excluded[c] for c in counts}
        return on_pg.on_conflict_do_update(index_elements=keys, set_={**added, "updated_at": now})
    on_sqlite = sqlite.insert(table).values(row)
    added = {c: table.c[c] + on_sqlite.excluded[c] for c in counts}
    return on_sqlite.on_conflict_do_update(index_elements=keys, set_={**added, "updated_at": now})


def _date_of(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The UTC day of a timestamp column."""
    if session.bind.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _day(value: object) -> dt.date:
    """A ``date()`` of either database as a date (SQLite answers text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class SqlEngagementStore:
    """:class:`~reptidex.domain.community.analytics.ports.EngagementStore` on the service's
    sessions; each method runs its own transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def _transaction(
        self, *, worker: str | None = None, organisation_id: uuid.UUID | None = None
    ) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            if session.bind.dialect.name == "postgresql":
                await session.execute(
                    text(
                        "SELECT set_config('reptidex.worker', :worker, true), "
                        "set_config('reptidex.organisation_id', :organisation, true)"
                    ),
                    {"worker": worker or "", "organisation": str(organisation_id or "")},
                )
            yield session

    async def add(self, tally: SearchTally, *, max_queries_per_day: int) -> None:
        """Add the tally's counts; queries new to a full day count as unrecorded."""
        async with self._transaction(worker=WORKER) as session:
            unrecorded = {day: totals.unrecorded for day, totals in tally.days.items()}
            stored = await self._stored_queries(session, tally)
            for (day, query), count in sorted(tally.queries.items()):
                if (day, query) not in stored[day]:
                    if len(stored[day]) >= max_queries_per_day:
                        unrecorded[day] += count.searches
                        continue
                    stored[day].add((day, query))
                await session.execute(
                    _adding(session, SearchQueryDayRow,
                            {"day": day, "query": query, "searches": count.searches,
                             "empty": count.empty},
                            ["day", "query"], ["searches", "empty"])
                )  # fmt: skip
            for (day, organisation_id, query), searches in sorted(
                tally.showings.items(), key=lambda item: (item[0][0], str(item[0][1]), item[0][2])
            ):
                if (day, query) in stored[day]:
                    await session.execute(
                        _adding(session, SearchShowingDayRow,
                                {"organisation_id": organisation_id, "day": day, "query": query,
                                 "searches": searches},
                                ["organisation_id", "day", "query"], ["searches"])
                    )  # fmt: skip
            for day, totals in sorted(tally.days.items()):
                await session.execute(
                    _adding(session, SearchDayRow,
                            {"day": day, "searches": totals.searches, "empty": totals.empty,
                             "unrecorded": unrecorded[day]},
                            ["day"], ["searches", "empty", "unrecorded"])
                )  # fmt: skip

    @staticmethod
    async def _stored_queries(
        session: AsyncSession, tally: SearchTally
    ) -> dict[dt.date, set[tuple[dt.date, str]]]:
        """Per day of the tally, the (day, query) pairs stored of that day."""
        stored: dict[dt.date, set[tuple[dt.date, str]]] = {day: set() for day in tally.days}
        for day in tally.days:
            rows = await session.execute(
                select(SearchQueryDayRow.query).where(SearchQueryDayRow.day == day)
            )
            stored[day].update((day, query) for (query,) in rows)
        return stored

    async def forget_before(self, day: dt.date) -> int:
        """Delete the figures of days before ``day``."""
        forgotten = 0
        async with self._transaction(worker=WORKER) as session:
            for model in (SearchShowingDayRow, SearchQueryDayRow, SearchDayRow):
                result = await session.execute(delete(model).where(model.day < day))
                forgotten += int(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult
        return forgotten

    async def search_days(self, days: DayRange) -> Sequence[SearchDay]:
        """The stored days of the range."""
        async with self._transaction(worker=WORKER) as session:
            rows = await session.execute(
                select(SearchDayRow.day, SearchDayRow.searches, SearchDayRow.empty,
                       SearchDayRow.unrecorded)
                .where(SearchDayRow.day.between(days.first, days.last))
                .order_by(SearchDayRow.day)
            )  # fmt: skip
            return [SearchDay(_day(d), int(s), int(e), int(u)) for d, s, e, u in rows]

    async def top_queries(
        self, days: DayRange, top: int, *, without_results: bool
    ) -> Sequence[QueryFigure]:
        """The queries by searches (or by searches without results), then alphabetically."""
        searches = func.sum(SearchQueryDayRow.searches)
        empty = func.sum(SearchQueryDayRow.empty)
        order = empty if without_results else searches
        statement = (
            select(SearchQueryDayRow.query, searches, empty)
            .where(SearchQueryDayRow.day.between(days.first, days.last))
            .group_by(SearchQueryDayRow.query)
            .order_by(order.desc(), SearchQueryDayRow.query)
            .limit(top)
        )
        if without_results:
            statement = statement.having(empty > 0)
        async with self._transaction(worker=WORKER) as session:
            rows = await session.execute(statement)
            return [QueryFigure(str(q), int(s), int(e)) for q, s, e in rows]

    async def showing_days(
        self, organisation_id: uuid.UUID, days: DayRange
    ) -> Sequence[ShowingDay]:
        """The organisation's showings per day, in its own scope."""
        async with self._transaction(organisation_id=organisation_id) as session:
            rows = await session.execute(
                select(SearchShowingDayRow.day, func.sum(SearchShowingDayRow.searches))
                .where(self._showings_of(organisation_id, days))
                .group_by(SearchShowingDayRow.day)
                .order_by(SearchShowingDayRow.day)
            )
            return [ShowingDay(_day(d), int(s)) for d, s in rows]

    async def showing_queries(
        self, organisation_id: uuid.UUID, days: DayRange, top: int, minimum: int
    ) -> Sequence[QueryFigure]:
        """The queries that showed the organisation's things most, in its own scope."""
        searches = func.sum(SearchShowingDayRow.searches)
        async with self._transaction(organisation_id=organisation_id) as session:
            rows = await session.execute(
                select(SearchShowingDayRow.query, searches)
                .where(self._showings_of(organisation_id, days))
                .group_by(SearchShowingDayRow.query)
                .having(searches >= minimum)
                .order_by(searches.desc(), SearchShowingDayRow.query)
                .limit(top)
            )
            return [QueryFigure(str(q), int(s), 0) for q, s in rows]

    @staticmethod
    def _showings_of(organisation_id: uuid.UUID, days: DayRange) -> ColumnElement[bool]:
        return and_(
            SearchShowingDayRow.organisation_id == organisation_id,
            SearchShowingDayRow.day.between(days.first, days.last),
        )

    async def open_rates(
        self, days: DayRange, organisation_id: uuid.UUID | None = None
    ) -> Sequence[OpenRate]:
        """Notifications created in the range per kind and those read, as their worker."""
        statement = (
            select(NotificationRow.kind, func.count(), func.count(NotificationRow.read_at))
            .where(NotificationRow.created_at >= days.start, NotificationRow.created_at < days.end)
            .group_by(NotificationRow.kind)
            .order_by(NotificationRow.kind)
        )
        if organisation_id is not None:
            members = select(NotificationMemberRow.user_id).where(
                NotificationMemberRow.organisation_id == organisation_id
            )
            statement = statement.where(NotificationRow.user_id.in_(members))
        async with self._sessions() as session, session.begin():
            await bind_system(session)
            rows = await session.execute(statement)
            return [OpenRate(str(kind), int(stored), int(read)) for kind, stored, read in rows]

    async def forum_activity(self, days: DayRange) -> ForumActivity:
        """Threads, posts, replies and writing members per day of the range."""
        in_range_posts = and_(
            ForumPostRow.created_at >= days.start, ForumPostRow.created_at < days.end
        )
        earlier = aliased(ForumPostRow)
        is_reply = exists().where(
            earlier.thread_id == ForumPostRow.thread_id,
            earlier.created_at < ForumPostRow.created_at,
        )
        async with self._transaction() as session:
            post_day = _date_of(session, ForumPostRow.created_at)
            thread_day = _date_of(session, ForumThreadRow.created_at)
            posts = await session.execute(
                select(
                    post_day,
                    func.count(),
                    func.count(ForumPostRow.id).filter(is_reply),
                    func.count(func.distinct(ForumPostRow.author_id)),
                )
                .where(in_range_posts)
                .group_by(post_day)
            )
            threads = await session.execute(
                select(thread_day, func.count())
                .where(
                    ForumThreadRow.created_at >= days.start, ForumThreadRow.created_at < days.end
                )
                .group_by(thread_day)
            )
            members = await session.scalar(
                select(func.count(func.distinct(ForumPostRow.author_id))).where(in_range_posts)
            )
        by_day: dict[dt.date, list[int]] = {}
        for day, count, replies, writers in posts:
            by_day[_day(day)] = [0, int(count), int(replies), int(writers)]
        for day, count in threads:
            by_day.setdefault(_day(day), [0, 0, 0, 0])[0] = int(count)
        return ForumActivity(
            [ForumDay(day, *figures) for day, figures in sorted(by_day.items())],
            int(members or 0),
        )
