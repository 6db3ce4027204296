"""Notifications under PostgreSQL's row-level security, with repti-community connected as
its non-owner role: through the API (sending, delivering by email, reading, marking read,
settings, choices), then directly as that role: a user's transaction reads and changes only
that user's rows (and of a notification only ``read_at``), adds only its own log lines and
settings; an unscoped transaction sees and adds nothing; the platform's (``reptidex.worker``)
works on every user's rows, and a delivery's outcome is all it may change of one. Every
policy is needed: loosened one at a time (``rls_mutation``), each fails the checks."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import pytest
from litestar.testing import TestClient
from notification_testkit import (
    Recording,
    community_app,
    community_settings,
    service_token,
    user_token,
)

from reptidex.domain.events import new_event
from reptidex.domain.notifications.model import Channel
from reptidex.services.kernel.app import kernel_of
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn

TABLES = (
    "notification",
    "notification_delivery",
    "notification_log",
    "notification_recipient",
    "notification_preference",
    "notification_member",
    "saved_listing",
    "push_subscription",
)
REMINDERS = "notification_reminder"
ERASABLE = ("notification", "notification_delivery", "notification_log")


@dataclass(frozen=True)
class Written:
    owner_url: str
    role_url: str
    ann: uuid.UUID
    bob: uuid.UUID
    ann_notification: uuid.UUID
    bob_notification: uuid.UUID


@pytest.fixture(scope="module")
def written(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Written]:
    ann, bob = uuid.uuid4(), uuid.uuid4()
    with non_owner_database(postgres_server, "community") as (owner_url, role_url):
        settings = community_settings(role_url, tmp_path_factory.mktemp("data"))
        channel = Recording()
        app = community_app(
            settings, {Channel.EMAIL: channel}, push_services=["https://push.example"]
        )
        with TestClient(app) as client:
            bus = kernel_of(client.app).events.bus
            with client.portal() as portal:
                for user in (ann, bob):
                    payload = {"user_id": str(user), "email": f"{user.hex[:6]}@example.org"}
                    portal.call(
                        bus.publish,
                        new_event("user.email_verified", producer="core", payload=payload),
                    )
                    clutch: dict[str, object] = {
                        "clutch_id": str(uuid.uuid4()),
                        "dam_id": str(uuid.uuid4()),
                        "sire_ids": [],
                        "pair_id": None,
                        "laid_on": "2026-01-01",
                        "eggs": 4,
                    }
                    portal.call(
                        bus.publish,
                        new_event(
                            "breeding.clutch_recorded",
                            producer="animal",
                            organisation_id=uuid.uuid4(),
                            payload=clutch,
                        ),
                    )
                    joined = {
                        "organisation_id": str(uuid.uuid4()),
                        "user_id": str(user),
                        "role": "member",
                    }
                    portal.call(
                        bus.publish,
                        new_event("user.joined_organisation", producer="core", payload=joined),
                    )
            ids = {}
            for user in (ann, bob):
                body = {
                    "user_ids": [str(user)],
                    "kind": "order.paid",
                    "parameters": {"order_id": "1", "price": "€9"},
                }
                answer = client.post("/notifications/send", json=body, headers=service_token())
                assert answer.status_code == 201, answer.text
                ids[user] = uuid.UUID(answer.json()["items"][0]["notification_id"])
                settings_body = {"language": "de", "time_zone": "Europe/Berlin"}
                assert (
                    client.put(
                        "/notifications/settings", json=settings_body, headers=user_token(user)
                    ).status_code
                    == 200
                )
                choice = {"choices": [{"kind": "thread.reply", "channel": "sms", "enabled": True}]}
                assert (
                    client.put(
                        "/notifications/preferences", json=choice, headers=user_token(user)
                    ).status_code
                    == 200
                )
            for user in (ann, bob):
                subscription = {
                    "endpoint": f"https://push.example/{user}",
                    "keys": {"p256dh": "BA" + "A" * 85, "auth": "A" * 22},
                }
                pushed = client.post(
                    "/notifications/push/subscriptions", json=subscription, headers=user_token(user)
                )
                assert pushed.status_code == 201, pushed.text
                saved = client.put(
                    f"/community/saved-listings/{uuid.uuid4()}", headers=user_token(user)
                )
                assert saved.status_code == 200, saved.text
            deadline = time.monotonic() + 10
            while len(channel.sent) < 2:
                assert time.monotonic() < deadline, "the mails were not sent"
                time.sleep(0.05)
            read = client.post(f"/notifications/{ids[ann]}/read", headers=user_token(ann))
            assert read.status_code == 200, read.text
            assert client.get("/notifications", headers=user_token(bob)).json()["total"] == 1
        yield Written(owner_url, role_url, ann, bob, ids[ann], ids[bob])


async def _outcome(connection: asyncpg.Connection, statement: str, *args: object) -> str:
    """What ``statement`` did, or ``refused``, inside a savepoint undone at once."""
    await connection.execute("SAVEPOINT attempt")
    try:
        return str(await connection.execute(statement, *args))
    except asyncpg.InsufficientPrivilegeError:
        return "refused"
    finally:
        await connection.execute("ROLLBACK TO SAVEPOINT attempt")


def _inserts(user: uuid.UUID, notification: uuid.UUID) -> dict[str, tuple[str, tuple[object, ...]]]:
    base = "id, created_at, updated_at, user_id"
    values = "gen_random_uuid(), now(), now(), $1"
    return {
        "notification": (
            f"INSERT INTO notification ({base}, kind, title, body, language, event_id, data) "
            f"VALUES ({values}, 'announcement', 't', 'b', 'en', gen_random_uuid(), '{{}}')",
            (user,),
        ),
        "notification_delivery": (
            f"INSERT INTO notification_delivery ({base}, notification_id, channel, status, "
            f"attempts, next_attempt_at) VALUES ({values}, $2, 'sms', 'queued', 0, now())",
            (user, notification),
        ),
        "notification_log": (
            f"INSERT INTO notification_log ({base}, notification_id, status, detail, at) "
            f"VALUES ({values}, $2, 'read', '', now())",
            (user, notification),
        ),
        "notification_recipient": (
            f"INSERT INTO notification_recipient ({base}, language, time_zone) "
            f"VALUES ({values}, 'en', 'UTC') ON CONFLICT DO NOTHING",
            (user,),
        ),
        "notification_preference": (
            f"INSERT INTO notification_preference ({base}, kind, channel, enabled) "
            f"VALUES ({values}, 'order.paid', 'push', true)",
            (user,),
        ),
        "notification_member": (
            f"INSERT INTO notification_member ({base}, organisation_id, role) "
            f"VALUES ({values}, gen_random_uuid(), 'owner')",
            (user,),
        ),
        "saved_listing": (
            f"INSERT INTO saved_listing ({base}, listing_id) VALUES ({values}, gen_random_uuid())",
            (user,),
        ),
        "push_subscription": (
            f"INSERT INTO push_subscription ({base}, endpoint, p256dh, auth) "
            f"VALUES ({values}, gen_random_uuid()::text, 'k', 'a')",
            (user,),
        ),
    }


async def _checks(w: Written) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(w.role_url))
    try:
        for table in (*TABLES, REMINDERS):
            await assert_row_security_applies(connection, table)
        await _unscoped(connection, w)
        await _user(connection, w)
        await _platform(connection, w)
        await _erasure(connection, w)
    finally:
        await connection.close()


async def _unscoped(connection: asyncpg.Connection, w: Written) -> None:
    async with connection.transaction():
        for table in TABLES:
            assert await connection.fetchval(f"SELECT count(*) FROM {table}") == 0, table
        for table, (statement, args) in _inserts(uuid.uuid4(), w.ann_notification).items():
            assert await _outcome(connection, statement, *args) == "refused", table
        assert await connection.fetchval(f"SELECT count(*) FROM {REMINDERS}") == 0
        assert await _outcome(connection, INSERT_REMINDER) == "refused"


async def _user(connection: asyncpg.Connection, w: Written) -> None:
    ann, bob = w.ann, w.bob
    async with connection.transaction():
        await connection.execute("SELECT set_config('reptidex.user_id', $1, true)", str(ann))
        for table in TABLES:
            users = await connection.fetch(f"SELECT DISTINCT user_id FROM {table}")
            assert [r["user_id"] for r in users] == [ann], table
        assert await connection.fetchval(f"SELECT count(*) FROM {REMINDERS}") == 0
        assert await _outcome(connection, INSERT_REMINDER) == "refused"
        # its own: read_at changes (no WHERE: only the own rows are there to change)
        mark = "UPDATE notification SET read_at = NULL"
        assert await _outcome(connection, mark) == "UPDATE 1"
        assert await _outcome(connection, "UPDATE notification SET title = 'x'") == "refused"
        assert await _outcome(connection, "UPDATE notification SET user_id = $1", bob) == "refused"
        assert await _outcome(connection, "DELETE FROM notification") == "DELETE 0"
        own = _inserts(ann, w.ann_notification)
        assert await _try(connection, own["notification"]) == "refused"
        assert await _try(connection, own["notification_delivery"]) == "refused"
        assert await _try(connection, own["notification_log"]) == "INSERT 0 1"
        assert await _try(connection, own["notification_preference"]) == "INSERT 0 1"
        assert await _try(connection, own["saved_listing"]) == "INSERT 0 1"
        assert await _try(connection, own["push_subscription"]) == "INSERT 0 1"
        give_push = "UPDATE push_subscription SET user_id = $1"
        assert await _outcome(connection, give_push, bob) == "refused"
        assert await _try(connection, own["notification_member"]) == "refused"
        give_saved = "UPDATE saved_listing SET user_id = $1"
        assert await _outcome(connection, give_saved, bob) == "refused"
        assert await _outcome(connection, "DELETE FROM saved_listing") == "DELETE 1"
        assert await _outcome(connection, "DELETE FROM notification_member") == "DELETE 0"
        change = "UPDATE notification_recipient SET language = 'en'"
        assert await _outcome(connection, change) == "UPDATE 1"
        give = "UPDATE notification_recipient SET user_id = $1"
        assert await _outcome(connection, give, bob) == "refused"
        give_choice = "UPDATE notification_preference SET user_id = $1"
        assert await _outcome(connection, give_choice, bob) == "refused"
        assert (
            await _outcome(connection, "UPDATE notification_delivery SET attempts = 9")
            == "UPDATE 0"
        )
        # another user's: never
        for table, statement in _inserts(bob, w.bob_notification).items():
            if table != "notification_recipient":
                assert await _try(connection, statement) == "refused", table
        theirs = "INSERT INTO notification_recipient (id, created_at, updated_at, user_id, language, time_zone) VALUES (gen_random_uuid(), now(), now(), $1, 'en', 'UTC')"
        assert await _outcome(connection, theirs, uuid.uuid4()) == "refused"


async def _platform(connection: asyncpg.Connection, w: Written) -> None:
    async with connection.transaction():
        await connection.execute("SELECT set_config('reptidex.worker', 'notifications', true)")
        for table in TABLES:
            users = await connection.fetch(f"SELECT DISTINCT user_id FROM {table}")
            assert {r["user_id"] for r in users} == {w.ann, w.bob}, table
        stranger = uuid.uuid4()
        for table, statement in _inserts(stranger, w.bob_notification).items():
            assert await _try(connection, statement) == "INSERT 0 1", table
        assert await connection.fetchval(f"SELECT count(*) FROM {REMINDERS}") == 2
        assert await _outcome(connection, INSERT_REMINDER) == "INSERT 0 1"
        outcome = "UPDATE notification_delivery SET attempts = 9, last_error = 'x'"
        assert await _outcome(connection, outcome) == "UPDATE 2"
        move = "UPDATE notification_delivery SET notification_id = $1"
        assert await _outcome(connection, move, w.ann_notification) == "refused"
        assert await _outcome(connection, "UPDATE notification_log SET detail = 'x'") == "refused"
        for table in ERASABLE:
            assert await _outcome(connection, f"DELETE FROM {table}") == "DELETE 0", table


async def _erasure(connection: asyncpg.Connection, w: Written) -> None:
    """repti-ops' personal-data requests read and delete notifications, their deliveries and
    their log, and change or add none."""
    async with connection.transaction():
        await connection.execute("SELECT set_config('reptidex.worker', 'personal_data', true)")
        for table in ERASABLE:
            users = await connection.fetch(f"SELECT DISTINCT user_id FROM {table}")
            assert {r["user_id"] for r in users} == {w.ann, w.bob}, table
        for table, statement in _inserts(uuid.uuid4(), w.bob_notification).items():
            assert await _try(connection, statement) == "refused", table
        assert await _outcome(connection, "UPDATE notification SET read_at = NULL") == "UPDATE 0"
        outcome = "UPDATE notification_delivery SET attempts = 9"
        assert await _outcome(connection, outcome) == "UPDATE 0"
        for table in ERASABLE:
            deleted = await _outcome(connection, f"DELETE FROM {table} WHERE user_id = $1", w.ann)
            assert deleted != "DELETE 0", table
        for table in TABLES:
            if table not in ERASABLE:
                assert await _outcome(connection, f"DELETE FROM {table}") == "DELETE 0", table


INSERT_REMINDER = (
    f"INSERT INTO {REMINDERS} (id, created_at, updated_at, organisation_id, subject_id, kind, "
    "parameters, event_id, due_at, status) VALUES (gen_random_uuid(), now(), now(), "
    "gen_random_uuid(), 'c', 'clutch.due', '{}', gen_random_uuid(), now(), 'pending')"
)


async def _try(connection: asyncpg.Connection, statement: tuple[str, tuple[object, ...]]) -> str:
    return await _outcome(connection, statement[0], *statement[1])


def test_the_api_works_as_the_role_and_the_role_is_bound(written: Written) -> None:
    asyncio.run(_checks(written))


def test_every_policy_is_needed(written: Written) -> None:
    result = asyncio.run(
        require_policies_needed(
            written.owner_url,
            lambda: _checks(written),
            tables=(*TABLES, REMINDERS),
            equivalent={
                "notification_update_own WITH CHECK (true)": "a user may change only read_at "
                "and updated_at (the column grant): never the row's user",
            },
        )
    )
    # 41 policy expressions (migrations community_0004 and community_0007: the erasable
    # tables' platform policy split by command, and the erasure's) and 9 tables under RLS;
    # all killed but the one equivalent
    assert len(result.killed) == 49
    assert result.survived == ["notification_update_own WITH CHECK (true)"]
