"""Core's mail queue on SQLite and real PostgreSQL: mail commits with its change or not at all,
is sent after the commit and deleted, retried on failure, dropped after the last attempt, and a
redelivery (crash between send and delete) writes no second file."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.identity.mail import MailOutboxNotifier
from reptidex.adapters.sql import mail_queue
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.identity_models import MailMessageRow
from reptidex.adapters.sql.identity_store import SqlIdentityUnitOfWork
from reptidex.adapters.sql.mail_queue import MAIL_QUEUE, MailDispatcher
from reptidex.adapters.sql.migrations import upgrade
from reptidex.adapters.sql.outbox_store import on_outbox_commit
from reptidex.domain.identity.model import Email
from reptidex.domain.identity.ports import MailMessage
from reptidex.services.kernel.settings import Settings


class Recorder:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[MailMessage] = []

    async def send(self, message: MailMessage) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("smtp down")
        self.sent.append(message)


def message(kind: str = "verify_email") -> MailMessage:
    return MailMessage(
        to=Email("q@example.org"), subject="Hello", body="Token: secret-1\n", kind=kind
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core_url(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> str:
    if request.param == "postgres":
        settings = make_settings(core_database_url=request.getfixturevalue("postgres_database"))
    else:
        settings = make_settings()
    upgrade("core", settings.database_url("core"))
    return settings.database_url("core")


@pytest.fixture
async def engine(core_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(core_url)
    yield engine
    await engine.dispose()


def unit_of_work(engine: AsyncEngine) -> SqlIdentityUnitOfWork:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    return SqlIdentityUnitOfWork(async_sessionmaker(engine, expire_on_commit=False))


async def queued(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        return int(await session.scalar(select(func.count()).select_from(MailMessageRow)) or 0)


async def test_mail_commits_with_the_change_and_is_sent_once(engine: AsyncEngine) -> None:
    woken: list[str] = []
    cancel = on_outbox_commit(MAIL_QUEUE, lambda: woken.append("mail"))
    try:
        async with unit_of_work(engine) as uow:
            uow.mail.add(message())
            # no commit: rolled back
        assert await queued(engine) == 0
        assert woken == []
        async with unit_of_work(engine) as uow:
            uow.mail.add(message())
            await uow.commit()
        assert woken == ["mail"]  # the commit wakes the dispatcher
    finally:
        cancel()
    assert await queued(engine) == 1
    notifier = Recorder()
    dispatcher = MailDispatcher(engine, notifier)
    assert await dispatcher.dispatch_once() == (1, 0)
    (sent,) = notifier.sent
    assert sent.id is not None
    assert sent.body == "Token: secret-1\n"
    assert await queued(engine) == 0  # the token does not rest in the database
    assert await dispatcher.dispatch_once() == (0, 0)


class LogRecorder:
    def __init__(self) -> None:
        self.entries: list[tuple[str, dict[str, object]]] = []

    def error(self, event: str, **fields: object) -> None:
        self.entries.append((event, fields))

    warning = error


async def test_failed_sends_are_retried_then_dropped(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = LogRecorder()
    monkeypatch.setattr(mail_queue, "_log", log)
    async with unit_of_work(engine) as uow:
        uow.mail.add(message())
        await uow.commit()
    flaky = Recorder(failures=2)
    dispatcher = MailDispatcher(engine, flaky, max_attempts=5)
    assert await dispatcher.dispatch_once() == (0, 1)
    assert await dispatcher.dispatch_once() == (0, 1)
    async with AsyncSession(engine) as session:
        row = (await session.scalars(select(MailMessageRow))).one()
        assert (row.attempts, row.last_error) == (2, "ConnectionError: smtp down")
    assert await dispatcher.dispatch_once() == (1, 0)
    assert len(flaky.sent) == 1

    async with unit_of_work(engine) as uow:
        uow.mail.add(message())
        await uow.commit()
    hopeless = MailDispatcher(engine, Recorder(failures=10), max_attempts=2)
    assert await hopeless.dispatch_once() == (0, 1)
    assert await queued(engine) == 1
    assert await hopeless.dispatch_once() == (0, 1)
    assert await queued(engine) == 0  # given up (and logged)
    events = [event for event, _ in log.entries]
    assert events == ["mail delivery failed"] * 4
    first, last = log.entries[0][1], log.entries[-1][1]
    assert (first["kind"], first["attempts"], first["gave_up"]) == ("verify_email", 1, False)
    assert last["gave_up"] is True
    assert "secret-1" not in str(log.entries)  # the log never holds the token


async def test_the_running_dispatcher_sends_right_after_the_commit(engine: AsyncEngine) -> None:
    notifier = Recorder()
    dispatcher = MailDispatcher(engine, notifier, poll_interval=30)
    cancel = on_outbox_commit(MAIL_QUEUE, dispatcher.wake)
    task = asyncio.create_task(dispatcher.run())
    try:
        await asyncio.sleep(0.1)
        async with unit_of_work(engine) as uow:
            uow.mail.add(message("invitation"))
            await uow.commit()
        for _ in range(150):
            if notifier.sent:
                break
            await asyncio.sleep(0.02)
        assert [m.kind for m in notifier.sent] == ["invitation"]
    finally:
        cancel()
        dispatcher.stop()
        await asyncio.wait_for(task, 5)


async def test_a_redelivered_message_is_written_once(tmp_path: Path) -> None:
    folder = tmp_path / "mail-outbox"
    notifier = MailOutboxNotifier(folder)
    again = MailMessage(
        to=Email("q@example.org"), subject="Hi", body="Token: t\n", kind="k", id=uuid.uuid4()
    )
    await notifier.send(again)
    await notifier.send(again)
    (path,) = folder.glob("*.eml")
    assert again.id is not None
    assert f"Message-ID: <{again.id.hex}@reptidex>" in path.read_text()
