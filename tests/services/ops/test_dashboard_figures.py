"""The dashboard's business figures: which audit records each figure counts, per UTC day, read
from the stored trail on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.ops.activity_records import SqlActivityRecords
from reptidex.adapters.sql.ops.audit_trail import append_record
from reptidex.domain.audit import AuditRecord
from reptidex.domain.audit.figures import MAX_DAYS, daily_figures, days_between

DAY = dt.date(2026, 11, 30)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def record(service: str, kind: str, action: str, when: dt.datetime, **after: object) -> AuditRecord:
    return AuditRecord(
        id=uuid.uuid4(),
        occurred_at=when,
        service=service,
        resource_kind=kind,
        resource_id=str(uuid.uuid4()),
        action=action,
        after=dict(after) or {"name": "x"},
    )


async def test_figures_per_day_from_the_trail(ops_database: str) -> None:
    before = DAY - dt.timedelta(days=1)
    records = [
        record("core", "user", "registered", at(DAY, 0)),
        record("core", "organisation", "created", at(DAY, 8)),
        record("animal", "animal", "created", at(DAY, 9)),
        record("animal", "animal", "updated", at(DAY, 9)),  # not a creation
        record("commerce", "listing", "created", at(DAY, 10)),
        record("commerce", "order", "place", at(DAY, 11)),
        record("commerce", "order", "mark_paid", at(DAY, 11)),
        record(
            "commerce", "payment", "succeeded", at(DAY, 12), amount_amount=15000, currency="EUR"
        ),
        record("commerce", "payment", "succeeded", at(DAY, 23), amount_amount=500, currency="USD"),
        record("commerce", "payment", "started", at(DAY, 12), amount_amount=999, currency="EUR"),
        record("animal", "animal", "created", at(before, 23)),
        record("animal", "animal", "created", at(DAY + dt.timedelta(days=1), 0)),  # after the span
    ]
    engine = create_engine(ops_database)
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            for each in records:
                await append_record(session, each)
        figures = await daily_figures(SqlActivityRecords(async_sessionmaker(engine)), before, DAY)
    finally:
        await engine.dispose()
    first, second = figures
    assert (first.day, dict(first.counts), dict(first.revenue)) == (before, {"animals": 1}, {})
    assert second.day == DAY
    assert dict(second.counts) == {
        "accounts": 1, "breeders": 1, "animals": 1, "listings": 1, "orders": 1,
    }  # fmt: skip
    assert dict(second.revenue) == {"EUR": 15000, "USD": 500}


def test_a_span_is_bounded() -> None:
    assert len(days_between(DAY - dt.timedelta(days=400), DAY)) == MAX_DAYS
    assert days_between(DAY, DAY - dt.timedelta(days=1)) == []
