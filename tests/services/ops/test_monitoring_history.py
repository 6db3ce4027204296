"""Uptime history: samples counted per service per day in ops' database (SQLite and
PostgreSQL), read back as uptime percentages, old days forgotten; on PostgreSQL the service's
role may add samples and forget days but never rewrite a count."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.ops.uptime import SqlUptimeLog
from reptidex.domain.errors import InvalidInput
from reptidex.domain.monitoring.status import Light
from reptidex.domain.monitoring.uptime import (
    MAX_HISTORY_DAYS,
    record_sample,
    uptime_history,
)
from rls_mutation import non_owner_database
from service_database import asyncpg_dsn

TODAY = dt.date(2026, 12, 7)
NOON = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
async def log(ops_database: str) -> AsyncIterator[SqlUptimeLog]:
    engine = create_engine(ops_database)
    try:
        yield SqlUptimeLog(async_sessionmaker(engine, expire_on_commit=False))
    finally:
        await engine.dispose()


async def sample(
    log: SqlUptimeLog, at: dt.datetime, lights: dict[str, Light], retention: int = 90
) -> None:
    await record_sample(log, at, lights, retention)


async def test_samples_become_uptime_per_day(log: SqlUptimeLog) -> None:
    yesterday = NOON - dt.timedelta(days=1)
    for light in ("green", "amber", "red", "green"):  # amber counts as up: 3 of 4
        await sample(log, NOON, {"core": light, "animal": "green"})
    await sample(log, yesterday, {"core": "red"})
    await sample(log, yesterday, {"core": "green"})
    await sample(log, NOON - dt.timedelta(days=5), {"core": "green"})  # outside 3 days
    core, animal, media = await uptime_history(log, TODAY, 3, ("core", "animal", "media"))
    assert [(d.day, d.samples, d.up, d.percent) for d in core.days] == [
        (TODAY - dt.timedelta(days=1), 2, 1, 50.0),
        (TODAY, 4, 3, 75.0),
    ]
    assert (core.samples, core.up, core.percent) == (6, 4, 66.67)
    assert [(d.day, d.percent) for d in animal.days] == [(TODAY, 100.0)]
    assert (media.days, media.percent) == ((), 0.0)  # never sampled
    (one_day,) = await uptime_history(log, TODAY, 1, ("core",))
    assert [d.day for d in one_day.days] == [TODAY]


async def test_a_sample_counts_on_its_utc_day(log: SqlUptimeLog) -> None:
    late = dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    await sample(log, late, {"core": "green"})  # 01:30 UTC on the 8th
    (core,) = await uptime_history(log, dt.date(2026, 12, 8), 1, ("core",))
    assert [d.day for d in core.days] == [dt.date(2026, 12, 8)]


async def test_retention_forgets_older_days(log: SqlUptimeLog) -> None:
    for days_back in (5, 3, 2):
        await sample(log, NOON - dt.timedelta(days=days_back), {"core": "green"}, retention=90)
    await sample(log, NOON, {"core": "red"}, retention=3)  # keeps today and the two before
    (core,) = await uptime_history(log, TODAY, 30, ("core",))
    assert [d.day for d in core.days] == [TODAY - dt.timedelta(days=2), TODAY]
    assert await log.forget_before(TODAY + dt.timedelta(days=1)) == 2


@pytest.mark.parametrize("days", [0, MAX_HISTORY_DAYS + 1])
async def test_the_period_is_bounded(days: int) -> None:
    with pytest.raises(InvalidInput):
        # refused before the log is read: no database needed
        await uptime_history(SqlUptimeLog(None), TODAY, days, ("core",))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def role_database(postgres_server: str) -> Iterator[tuple[str, str]]:
    with non_owner_database(postgres_server, "ops") as urls:
        yield urls


async def _fetch(url: str, statement: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return list(await connection.fetch(statement))
    finally:
        await connection.close()


def test_the_role_adds_samples_and_forgets_days_but_never_rewrites_counts(
    role_database: tuple[str, str],
) -> None:
    _, role_url = role_database

    async def checks() -> None:
        engine = create_engine(role_url)
        try:
            log = SqlUptimeLog(async_sessionmaker(engine, expire_on_commit=False))
            for light in ("green", "red", "green"):
                await record_sample(log, NOON, {"core": light}, 90)
            await record_sample(log, NOON - dt.timedelta(days=30), {"core": "green"}, 90)
            (core,) = await uptime_history(log, TODAY, 1, ("core",))
            assert [(d.samples, d.up) for d in core.days] == [(3, 2)]
            assert await log.forget_before(TODAY - dt.timedelta(days=1)) == 1
        finally:
            await engine.dispose()
        for statement in (
            # each keeps up_samples <= samples (the CHECK): the trigger refuses them
            "UPDATE service_uptime_day SET samples = samples - 1, up_samples = up_samples - 1",
            "UPDATE service_uptime_day SET up_samples = up_samples - 1",
            "UPDATE service_uptime_day SET up_samples = up_samples + 1",  # up without a sample
            "UPDATE service_uptime_day SET up_samples = up_samples + 2, samples = samples + 1",
        ):
            with pytest.raises(asyncpg.CheckViolationError):
                await _fetch(role_url, statement)
        for statement in (
            "UPDATE service_uptime_day SET service = 'media'",
            "UPDATE service_uptime_day SET day = day - 1",
            "TRUNCATE service_uptime_day",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await _fetch(role_url, statement)
        # what the sampler does is allowed: add a sample, up or not
        await _fetch(
            role_url,
            "UPDATE service_uptime_day SET samples = samples + 1, up_samples = up_samples + 1",
        )
        rows = await _fetch(role_url, "SELECT samples, up_samples FROM service_uptime_day")
        assert [(r["samples"], r["up_samples"]) for r in rows] == [(4, 3)]

    asyncio.run(checks())
