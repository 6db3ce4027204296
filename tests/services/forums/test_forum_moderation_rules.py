"""The moderation rules in detail: a reason's bounds, who may report a hidden post, the queue's
pages, and the events and audit records of reporting, hiding, restoring and moderating a
thread (who, when, what changed). On SQLite with a set clock: the rules do not depend on the
database, and test_forum_moderation.py runs the flow on PostgreSQL too."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, cast

import pytest
from forum_testkit import ForumUser, forum_client
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.domain.errors import InvalidInput
from reptidex.domain.forums import moderation
from reptidex.domain.forums.model import ForumActor
from reptidex.domain.forums.ports import ForumUnitOfWork
from reptidex.domain.forums.posting import Posting
from reptidex.services.community import forum_moderation, forums
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings

Forums = dict[str, dict[str, Any]]
START = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The services' clock: each reading is a minute after the one before."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(forum_moderation, "_now", ticking)
    monkeypatch.setattr(forums, "_now", ticking)
    return ticking


@pytest.fixture
def any_client(
    make_settings: Callable[..., Settings], clock: Clock
) -> Iterator[TestClient[Litestar]]:
    """repti-community on a fresh SQLite file, on the set clock (replaces conftest's)."""
    with forum_client(make_settings()) as client:
        yield client


def _events(client: TestClient[Litestar], kind: str) -> list[dict[str, Any]]:
    """The outbox's events of type ``kind``, oldest first: actor, time and payload."""
    url = kernel_of(client.app).resources.database_url
    outbox = OUTBOX_MODELS["community"].__table__.c

    async def read() -> list[dict[str, Any]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    select(outbox.actor_id, outbox.occurred_at, outbox.payload)
                    .where(outbox.event_type == kind)
                    .order_by(outbox.occurred_at, outbox.created_at)
                )
                return [
                    {"actor_id": actor, "occurred_at": at, "payload": payload}
                    for actor, at, payload in rows
                ]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _audits(client: TestClient[Litestar], resource_kind: str) -> list[dict[str, Any]]:
    """The audit records of ``resource_kind``, oldest first, without their own id and time."""
    records = [event["payload"] for event in _events(client, "audit.recorded")]
    return [
        {k: v for k, v in record.items() if k not in {"id", "occurred_at", "request_id"}}
        for record in records
        if record["resource_kind"] == resource_kind
    ]


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _no_uow() -> ForumUnitOfWork:
    return cast(ForumUnitOfWork, object())  # a refused reason is refused before any read


@pytest.mark.parametrize("reason", ["", " \n\t ", "x" * 1001, "  " + "x" * 1001])
def test_a_reason_is_1_to_1000_characters_once_trimmed(reason: str) -> None:
    moderator = ForumActor(uuid.uuid4(), moderator=True)
    post_id = uuid.uuid4()
    attempts: list[Callable[[], Coroutine[Any, Any, object]]] = [
        lambda: moderation.hide_post(_no_uow(), moderator, post_id, reason, START),
        lambda: moderation.restore_post(_no_uow(), moderator, post_id, reason, START),
        lambda: moderation.report_post(
            _no_uow(), cast(Posting, object()), moderator, post_id, reason, START
        ),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidInput) as refused:
            asyncio.run(attempt())
        assert refused.value.detail == "A reason is 1 to 1000 characters."
        assert refused.value.field_errors == {"reason": "1 to 1000 characters"}


def test_a_reason_of_1000_characters_is_kept(
    admin: ForumUser, alice: ForumUser, forums: Forums
) -> None:
    post = alice.start_thread("ball-pythons")["post"]
    longest = "x" * 1000
    reported = admin.post(f"/community/forums/posts/{post['id']}/reports", {"reason": longest})
    assert reported.status_code == 201
    assert reported.json()["reason"] == longest
    hidden = admin.post(f"/community/forums/posts/{post['id']}/hide", {"reason": longest})
    assert hidden.json()["hidden"]["reason"] == longest


def test_a_missing_or_hidden_post_is_not_found_but_by_moderators(
    admin: ForumUser, alice: ForumUser, bob: ForumUser, forums: Forums
) -> None:
    missing = uuid.uuid4()
    for action in ("reports", "hide", "restore"):
        answer = admin.post(f"/community/forums/posts/{missing}/{action}", {"reason": "x"})
        assert answer.status_code == 404
        assert answer.json()["detail"] == f"No post {missing}."
    thread = alice.start_thread("ball-pythons")["thread"]
    reply = bob.reply(thread["id"], "Buy cheap pills")
    url = f"/community/forums/posts/{reply['id']}"
    assert admin.post(f"{url}/hide", {"reason": "Spam"}).status_code == 200
    refused = alice.post(f"{url}/reports", {"reason": "Spam"})
    assert refused.status_code == 404
    assert refused.json()["detail"] == f"No post {reply['id']}."
    assert admin.post(f"{url}/reports", {"reason": "Still spam"}).status_code == 201


def test_a_report_has_its_event_and_audit_record(
    any_client: TestClient[Litestar], alice: ForumUser, bob: ForumUser, forums: Forums
) -> None:
    thread = alice.start_thread("ball-pythons")["thread"]
    reply = bob.reply(thread["id"], "Buy cheap pills")
    report = alice.post(f"/community/forums/posts/{reply['id']}/reports", {"reason": "Spam"})
    created = report.json()
    [event] = _events(any_client, "community.post_reported")
    assert event == {
        "actor_id": alice.user_id,
        "occurred_at": _at(created["created_at"]),
        "payload": {
            "thread_id": thread["id"],
            "post_id": reply["id"],
            "report_id": created["id"],
            "reporter_id": str(alice.user_id),
        },
    }
    assert _audits(any_client, "forum_report") == [
        {
            "service": "community",
            "actor_id": str(alice.user_id),
            "organisation_id": None,
            "resource_kind": "forum_report",
            "resource_id": created["id"],
            "action": "created",
            "before": {},
            "after": {
                "post_id": reply["id"],
                "reporter_id": str(alice.user_id),
                "reason": "Spam",
                "created_at": created["created_at"],
                "status": "open",
                "resolved_by": None,
                "resolved_at": None,
            },
            "withheld": [],
        }
    ]


def test_the_queue_is_paged_the_longest_waiting_first(
    admin: ForumUser, alice: ForumUser, bob: ForumUser, forums: Forums
) -> None:
    thread = alice.start_thread("ball-pythons")["thread"]
    replies = [bob.reply(thread["id"], f"Reply {n}")["id"] for n in range(3)]
    for reply in replies:
        assert alice.post(f"/community/forums/posts/{reply}/reports", {"reason": "x"}).is_success

    def page(limit: int, offset: int) -> tuple[list[str], int]:
        found = admin.get(
            "/community/forums/moderation/reports", {"limit": limit, "offset": offset}
        ).json()
        return [item["post"]["id"] for item in found["items"]], found["total"]

    assert page(3, 0) == (replies, 3)
    assert page(1, 0) == (replies[:1], 3)
    assert page(1, 1) == (replies[1:2], 3)
    assert page(2, 2) == (replies[2:], 3)


def test_hiding_and_restoring_resolve_every_open_report_with_records(
    any_client: TestClient[Litestar],
    admin: ForumUser,
    alice: ForumUser,
    bob: ForumUser,
    forums: Forums,
) -> None:
    thread = alice.start_thread("ball-pythons")["thread"]
    spam = bob.reply(thread["id"], "Buy cheap pills")
    url = f"/community/forums/posts/{spam['id']}"
    reports = [user.post(f"{url}/reports", {"reason": "Spam"}).json() for user in (alice, admin)]
    hidden = admin.post(f"{url}/hide", {"reason": "Advertising"}).json()
    restored = admin.post(f"{url}/restore", {"reason": "Appeal accepted"}).json()
    assert restored["hidden"] is None

    hidden_at = _at(hidden["hidden"]["hidden_at"])
    [hidden_event] = _events(any_client, "community.post_hidden")
    assert (hidden_event["actor_id"], hidden_event["occurred_at"]) == (admin.user_id, hidden_at)
    assert hidden_event["payload"]["reports_resolved"] == 2
    [restored_event] = _events(any_client, "community.post_restored")
    assert restored_event["actor_id"] == admin.user_id
    assert restored_event["occurred_at"] == hidden_at + dt.timedelta(minutes=1)
    assert restored_event["payload"] == {
        "thread_id": thread["id"],
        "post_id": spam["id"],
        "author_id": str(bob.user_id),
        "moderator_id": str(admin.user_id),
        "reason": "Appeal accepted",
        "reports_resolved": 0,
    }

    def record(resource_id: str, action: str, before: object, after: object) -> dict[str, Any]:
        return {
            "service": "community",
            "actor_id": str(admin.user_id),
            "organisation_id": None,
            "resource_kind": "forum_report" if action == "resolved" else "forum_post",
            "resource_id": resource_id,
            "action": action,
            "before": before,
            "after": after,
            "withheld": [],
        }

    resolved = {"status": "resolved", "resolved_by": str(admin.user_id)}
    assert _audits(any_client, "forum_report")[2:] == [
        record(report["id"], "resolved", {"status": "open"}, resolved) for report in reports
    ]
    posts = _audits(any_client, "forum_post")
    assert posts[-2:] == [
        record(spam["id"], "hidden", {"hidden_reason": None}, {"hidden_reason": "Advertising"}),
        record(
            spam["id"],
            "restored",
            {"hidden_reason": "Advertising"},
            {"hidden_reason": None, "restored_reason": "Appeal accepted"},
        ),
    ]


def test_moderating_a_thread_has_its_event_and_audit_record(
    any_client: TestClient[Litestar], admin: ForumUser, alice: ForumUser, forums: Forums
) -> None:
    thread = alice.start_thread("ball-pythons")["thread"]
    url = f"/community/forums/threads/{thread['id']}"
    assert admin.patch(url, {"pinned": True, "locked": True}).status_code == 200
    [event] = _events(any_client, "community.thread_moderated")
    assert event["actor_id"] == admin.user_id
    assert event["occurred_at"] == _at(thread["created_at"]) + dt.timedelta(minutes=1)
    assert _audits(any_client, "forum_thread")[-1] == {
        "service": "community",
        "actor_id": str(admin.user_id),
        "organisation_id": None,
        "resource_kind": "forum_thread",
        "resource_id": thread["id"],
        "action": "moderated",
        "before": {"locked": False, "pinned": False},
        "after": {"locked": True, "pinned": True},
        "withheld": [],
    }
