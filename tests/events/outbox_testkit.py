"""What the outbox tests share: a recording publisher, dated events, and staging them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

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


class LosingBus(Recorder):
    """A recording bus that can lose its data: an epoch per service that the test can wipe
    (:meth:`lose_data`), a watermark the test sets, and a switch that puts it out of reach."""

    def __init__(self, stored: str | None = None) -> None:
        super().__init__()
        self.stored = stored
        self.created = 0
        self.looks = 0
        self.owners: list[str] = []
        self.asked: list[list[str]] = []
        self.watermark: dt.datetime | None = None
        self.away = False

    def lose_data(self) -> None:
        self.stored = None

    async def epoch(self, owner: str) -> tuple[str, bool]:
        if self.away:
            raise ConnectionError("the bus is away")
        self.looks += 1
        self.owners.append(owner)
        if self.stored is None:
            self.created += 1
            self.stored = f"{owner}-{self.created}"
            return self.stored, True
        return self.stored, False

    async def consumed_until(self, families: Iterable[str]) -> dt.datetime | None:
        self.asked.append(list(families))
        return self.watermark


class Clock:
    """Seconds, set by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
