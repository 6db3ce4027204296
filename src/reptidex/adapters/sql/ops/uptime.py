"""repti-ops' uptime counts (``service_uptime_day``, migration ``ops_0010``): one row per
service and day, its samples and up samples, added to by ``INSERT ... ON CONFLICT DO UPDATE``
(one statement per sample, whatever the number of replicas sampling)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Executable

from reptidex.domain.monitoring.uptime import DayUptime

UPTIME = Table(
    "service_uptime_day",
    MetaData(),
    Column("service", String(20), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("samples", Integer, nullable=False),
    Column("up_samples", Integer, nullable=False),
)
"""The table (platform data: no organisation, no row-level security)."""


def _adding(dialect: str, rows: list[dict[str, Any]]) -> Executable:
    if dialect == "postgresql":
        on_pg = postgresql.insert(UPTIME).values(rows)
        return on_pg.on_conflict_do_update(
            index_elements=["service", "day"],
            set_={
                "samples": UPTIME.c.samples + on_pg.excluded.samples,
                "up_samples": UPTIME.c.up_samples + on_pg.excluded.up_samples,
            },
        )
    on_sqlite = sqlite.insert(UPTIME).values(rows)
    return on_sqlite.on_conflict_do_update(
        index_elements=["service", "day"],
        set_={
            "samples": UPTIME.c.samples + on_sqlite.excluded.samples,
            "up_samples": UPTIME.c.up_samples + on_sqlite.excluded.up_samples,
        },
    )


class SqlUptimeLog:
    """The uptime log (:class:`~reptidex.domain.monitoring.uptime.UptimeLog`) in ops'
    database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, day: dt.date, up: Mapping[str, bool]) -> None:
        """Count one sample of ``day`` per service of ``up``."""
        if not up:
            return
        rows = [
            {"service": service, "day": day, "samples": 1, "up_samples": int(is_up)}
            for service, is_up in sorted(up.items())
        ]
        async with self._sessions() as session, session.begin():
            await session.execute(_adding(session.bind.dialect.name, rows))

    async def forget_before(self, day: dt.date) -> int:
        """Delete the service-days before ``day``; how many."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(UPTIME).where(UPTIME.c.day < day))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def since(self, day: dt.date) -> list[DayUptime]:
        """The service-days from ``day`` on, by service and day."""
        statement = (
            select(UPTIME).where(UPTIME.c.day >= day).order_by(UPTIME.c.service, UPTIME.c.day)
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        return [DayUptime(row.service, row.day, row.samples, row.up_samples) for row in rows]
