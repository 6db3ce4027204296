"""What the outbox tests share: a recording publisher, dated events, and staging them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.events import DomainEvent, new_event

SERVICE = "animal"


class Recorder:
    """A publisher that remembers what it was given, and can be told to fail."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self.failing = False

    async def publish(self, event: DomainEvent) -> None:
        if self.failing:
            raise ConnectionError("bus is down")
        self.events.append(event)


def hatchling_events(count: int) -> list[DomainEvent]:
    start = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    return [
        new_event(
            "animal.created",
            producer=SERVICE,
            payload={"code": f"H-{index}"},
            occurred_at=start + dt.timedelta(seconds=index),
        )
        for index in range(count)
    ]


async def stage(engine: AsyncEngine, events: list[DomainEvent], *, commit: bool = True) -> None:
    async with AsyncSession(engine) as session:
        outbox = SqlOutbox(session, SERVICE)
        for event in events:
            outbox.add(event)
        await session.flush()
        if commit:
            await session.commit()
        else:
            await session.rollback()
