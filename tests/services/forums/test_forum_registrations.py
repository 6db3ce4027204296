"""repti-core's ``user.registered`` reaches the forums through the bus the services share in
one process, and the forums note when the account registered (once, whatever the
redeliveries)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.forum_unit_of_work import SqlForumUnitOfWork
from reptidex.adapters.sql.migrations import upgrade
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.events import new_event
from reptidex.domain.forums.model import ForumMember
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings
from reptidex.services.runner import build_apps


async def test_a_registration_reaches_the_forums(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(outbox_poll_interval="0.05")
    for name in ("core", "community"):
        upgrade(name, settings.database_url(name))
    apps = build_apps(["core", "community"], settings)
    user = uuid.uuid4()
    registered = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    event = new_event(
        "user.registered",
        producer="core",
        payload={"user_id": str(user), "email": "keeper@example.org"},
        occurred_at=registered,
    )

    async def member() -> ForumMember | None:
        async with AsyncSession(kernel_of(apps["community"]).engine) as session:
            return await SqlForumUnitOfWork(session).members.get(user)

    async with apps["core"].lifespan(), apps["community"].lifespan():
        async with AsyncSession(kernel_of(apps["core"]).engine) as session, session.begin():
            SqlOutbox(session, "core").add(event)
        for _ in range(250):
            found = await member()
            if found is not None:
                break
            await asyncio.sleep(0.02)
        assert found is not None
        assert found.registered_at == registered
        assert found.first_seen_at is None
        bus = kernel_of(apps["core"]).events.bus
        await bus.publish(event)  # delivered again: handled once
        await bus.publish(
            new_event(
                "user.registered",
                producer="core",
                payload={"user_id": str(user), "email": "keeper@example.org"},
            )
        )  # a later registration note of the same user: the first one stays
    assert (await member()) == found
