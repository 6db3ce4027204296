"""Delivery on the outside channels, with the worker on a clock the test moves: sent at
once, retried with backoff after failures, given up after the last attempt, held through
quiet hours (delayed, not dropped), each step in the notification's log, the outcomes
announced and audited; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from notification_testkit import (
    FAST,
    Clock,
    Recording,
    community_database,
    outbox_events,
    sessions_on,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reptidex.adapters.sql.community.notification_worker import DeliveryWorker
from reptidex.adapters.sql.community.notifications import SqlNotificationUnitOfWork
from reptidex.domain.notifications.model import Channel, LogStatus
from reptidex.domain.notifications.sending import PLATFORM, Request, send
from reptidex.domain.notifications.settings import SettingsChange, remember_email, update_settings

__all__ = ["community_database"]


@dataclass
class Desk:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

    async def reachable(self, user: uuid.UUID, **settings: object) -> None:
        """Give ``user`` an email address (and ``settings``)."""
        async with SqlNotificationUnitOfWork(self.sessions, None) as uow:
            await remember_email(uow, user, f"{user.hex[:8]}@example.org", None)
            await uow.commit()
        if settings:
            change = SettingsChange(
                phone=None,
                language="en",
                time_zone=str(settings.get("time_zone", "UTC")),
                quiet_start=settings.get("quiet_start"),  # type: ignore[arg-type]
                quiet_end=settings.get("quiet_end"),  # type: ignore[arg-type]
            )
            async with SqlNotificationUnitOfWork(self.sessions, user) as uow:
                await update_settings(uow, user, change)

    async def notify(self, user: uuid.UUID, channels: set[Channel]) -> uuid.UUID:
        request = Request("order.shipped", {"order_id": "O-7"}, uuid.uuid4())
        async with SqlNotificationUnitOfWork(self.sessions, None) as uow:
            [(notification, _)] = await send(uow, PLATFORM, [user], request, channels, self.clock())
        return notification.id

    async def log(
        self, user: uuid.UUID, notification_id: uuid.UUID
    ) -> list[tuple[str, str | None, str]]:
        async with SqlNotificationUnitOfWork(self.sessions, user) as uow:
            entries = await uow.log.of(user, notification_id)
        return [
            (e.status.value, None if e.channel is None else e.channel.value, e.detail)
            for e in entries
        ]

    def worker(self, channel: Recording) -> DeliveryWorker:
        return DeliveryWorker(
            self.sessions,
            {Channel.EMAIL: channel},
            unsubscribe_links=lambda delivery, kind: f"https://x.test/u/{kind}",
            policy=FAST,
            clock=self.clock,
        )


@pytest.fixture
async def desk(community_database: str) -> AsyncIterator[Desk]:
    engine, sessions = sessions_on(community_database)
    yield Desk(engine, sessions, Clock(dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)))
    await engine.dispose()


async def test_a_delivery_is_sent_once_with_its_unsubscribe_link(
    desk: Desk, community_database: str
) -> None:
    ann = uuid.uuid4()
    await desk.reachable(ann)
    notification = await desk.notify(ann, {Channel.EMAIL, Channel.SMS})
    channel = Recording()
    worker = desk.worker(channel)
    assert await worker.work_once() == 1
    assert await worker.work_once() == 0  # sent: never again
    [message] = channel.sent
    assert message.notification.id == notification
    assert message.recipient.email == f"{ann.hex[:8]}@example.org"
    assert message.unsubscribe_url == "https://x.test/u/order.shipped"
    log = await desk.log(ann, notification)
    assert [(s, c) for s, c, _ in log] == [
        ("sent", "in_app"),
        ("queued", "email"),
        ("sent", "email"),
    ]
    delivered = await outbox_events(community_database, "notification.delivered")
    assert [p["channel"] for _, p in delivered] == ["email"]


async def test_failures_are_retried_with_backoff_then_given_up(
    desk: Desk, community_database: str
) -> None:
    ann, bob = uuid.uuid4(), uuid.uuid4()
    await desk.reachable(ann)
    await desk.reachable(bob)
    flaky = await desk.notify(ann, {Channel.EMAIL})
    channel = Recording(failures=2)
    worker = desk.worker(channel)
    assert await worker.work_once() == 1  # fails
    desk.clock.advance(9)
    assert await worker.work_once() == 0  # waits out the first backoff (10 s)
    desk.clock.advance(1)
    assert await worker.work_once() == 1  # fails again
    desk.clock.advance(19)
    assert await worker.work_once() == 0  # the second backoff is 20 s
    desk.clock.advance(1)
    assert await worker.work_once() == 1  # the third attempt goes through
    log = await desk.log(ann, flaky)
    assert [(s, c) for s, c, _ in log][-3:] == [
        ("failed", "email"),
        ("failed", "email"),
        ("sent", "email"),
    ]
    assert "attempt 1: ConnectionError: refused (call 1); next at" in log[2][2]

    hopeless = await desk.notify(bob, {Channel.EMAIL})
    dead = Recording(failures=99)
    worker = desk.worker(dead)
    for _ in range(FAST.attempts):
        assert await worker.work_once() == 1
        desk.clock.advance(FAST.longest)
    assert await worker.work_once() == 0
    assert dead.calls == FAST.attempts
    log = await desk.log(bob, hopeless)
    assert log[-1][0] == LogStatus.FAILED.value
    assert log[-1][2].endswith("given up")
    failed = await outbox_events(community_database, "notification.failed")
    assert [p["attempts"] for _, p in failed] == [FAST.attempts]
    audits = await outbox_events(community_database, "audit.")
    outcomes = [p["action"] for _, p in audits if p["resource_kind"] == "notification_delivery"]
    assert outcomes == ["sent", "failed"]


async def test_quiet_hours_delay_a_delivery_and_never_drop_it(desk: Desk) -> None:
    ann = uuid.uuid4()
    # 12:00 UTC is 14:00 in Berlin (summer): inside quiet hours 13:00-15:30.
    await desk.reachable(
        ann, time_zone="Europe/Berlin", quiet_start=dt.time(13), quiet_end=dt.time(15, 30)
    )
    notification = await desk.notify(ann, {Channel.EMAIL})
    log = await desk.log(ann, notification)
    assert log[1][2] == "held for quiet hours until 2026-07-01T13:30:00+00:00"
    channel = Recording()
    worker = desk.worker(channel)
    assert await worker.work_once() == 0
    desk.clock.advance(89 * 60)
    assert await worker.work_once() == 0
    desk.clock.advance(60)
    assert await worker.work_once() == 1
    assert len(channel.sent) == 1


async def test_a_user_without_an_address_or_with_the_channel_off_gets_it_in_app_only(
    desk: Desk,
) -> None:
    ann = uuid.uuid4()
    notification = await desk.notify(ann, {Channel.EMAIL})
    assert [(s, c) for s, c, _ in await desk.log(ann, notification)] == [("sent", "in_app")]
    assert await desk.worker(Recording()).work_once() == 0
