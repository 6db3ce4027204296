"""The engagement store on SQLite and PostgreSQL: notification open rates per kind,
platform-wide and for one organisation's members, over a range of days; the search figures
forgotten after the retention, and a day's stored queries bounded."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from reptidex.adapters.sql.community.engagement import SqlEngagementStore
from reptidex.adapters.sql.community.notification_models import (
    NotificationMemberRow,
    NotificationRow,
)
from reptidex.domain.community.analytics.reports import DayRange, OpenRate
from reptidex.domain.community.analytics.tally import SearchTally

NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
TODAY = NOW.date()


def _notification(user: uuid.UUID, kind: str, *, read: bool, at: dt.datetime) -> NotificationRow:
    return NotificationRow(
        user_id=user, kind=kind, title="t", body="b", language="en", event_id=uuid.uuid4(),
        data={}, read_at=at if read else None, created_at=at, updated_at=at,
    )  # fmt: skip


async def _open_rates(url: str) -> None:
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    ours, theirs, member, outsider = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        async with sessions() as session, session.begin():
            session.add_all([
                NotificationMemberRow(organisation_id=ours, user_id=member, role="member"),
                NotificationMemberRow(organisation_id=theirs, user_id=outsider, role="owner"),
                _notification(member, "order.paid", read=True, at=NOW),
                _notification(member, "order.paid", read=False, at=NOW),
                _notification(member, "thread.reply", read=True, at=NOW),
                _notification(outsider, "order.paid", read=True, at=NOW),
                # before the range: not counted
                _notification(member, "order.paid", read=True, at=NOW - dt.timedelta(days=3)),
            ])  # fmt: skip
        store = SqlEngagementStore(sessions)
        days = DayRange(TODAY - dt.timedelta(days=1), TODAY)
        assert await store.open_rates(days) == [
            OpenRate("order.paid", 3, 2),
            OpenRate("thread.reply", 1, 1),
        ]
        assert await store.open_rates(days, ours) == [
            OpenRate("order.paid", 2, 1),
            OpenRate("thread.reply", 1, 1),
        ]
        assert await store.open_rates(days, uuid.uuid4()) == []
        assert (await store.open_rates(days, ours))[0].rate == 0.5
    finally:
        await engine.dispose()


async def _bounds(url: str) -> None:
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    organisation = uuid.uuid4()
    try:
        store = SqlEngagementStore(sessions)
        old, tally = TODAY - dt.timedelta(days=500), SearchTally()
        for query in ("one", "two", "three"):
            tally.record(TODAY, query, 1, [organisation])
        tally.record(old, "ancient", 0)
        await store.add(tally, max_queries_per_day=2)
        days = DayRange(TODAY, TODAY)
        [today] = await store.search_days(days)
        assert (today.searches, today.unrecorded) == (3, 1)
        assert {q.query for q in await store.top_queries(days, 10, without_results=False)} == {
            "one",
            "three",
        }  # fmt: skip  (sorted by the store: "three" before "two")
        assert len(await store.showing_days(organisation, days)) == 1
        assert await store.forget_before(TODAY - dt.timedelta(days=400)) == 2
        assert await store.search_days(DayRange(old, old)) == []
    finally:
        await engine.dispose()


def test_open_rates_platform_wide_and_of_an_organisations_members(community_database: str) -> None:
    asyncio.run(_open_rates(community_database))


def test_a_day_keeps_a_bounded_number_of_queries_and_old_days_go(community_database: str) -> None:
    asyncio.run(_bounds(community_database))
