"""Posting limits: the per-user limits per minute, and the slow mode of accounts younger than
a week, whose age counts from repti-core's ``user.registered`` (or, unknown, from their first
post in the forums)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterator

import pytest
from forum_testkit import ForumUser, forum_client, make_category
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.community.forum_registrations import note_registration
from reptidex.adapters.sql.engine import create_engine
from reptidex.domain.events import new_event
from reptidex.domain.forums.posting import ForumRules
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings

RULES = ForumRules(
    posts_per_minute=4, actions_per_minute=3, new_account_days=7, new_account_posts_per_hour=2
)


@pytest.fixture
def limited(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    """repti-community on SQLite with small limits, and a public forum."""
    with forum_client(make_settings(), RULES) as client:
        make_category(ForumUser(client, admin=True), "ball-pythons")
        yield client


def _register(client: TestClient[Litestar], user: ForumUser, days_ago: int) -> None:
    """Deliver repti-core's ``user.registered`` of ``user``, ``days_ago`` days ago, to the
    forums' consumer, twice (the first note wins)."""
    url = kernel_of(client.app).resources.database_url
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)

    async def deliver() -> None:
        engine = create_engine(url)
        try:
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            for when in (at, dt.datetime.now(dt.UTC)):
                event = new_event(
                    "user.registered",
                    producer="core",
                    payload={"user_id": str(user.user_id), "email": "x@example.com"},
                    occurred_at=when,
                )
                async with sessions() as session:
                    await note_registration(event, session)
                    await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(deliver())


def _post(user: ForumUser, n: int) -> int:
    return user.post(
        "/community/forums/ball-pythons/threads", {"title": f"T{n}", "body": "x"}
    ).status_code


def test_new_accounts_post_slowly(limited: TestClient[Litestar]) -> None:
    newcomer = ForumUser(limited)
    assert [_post(newcomer, n) for n in range(2)] == [201, 201]
    refused = newcomer.post("/community/forums/ball-pythons/threads", {"title": "t", "body": "x"})
    assert refused.status_code == 429
    assert "younger than 7 days" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) > 0
    listed = limited.get("/community/forums/ball-pythons", params={"limit": 100}).json()
    assert listed["total"] == 2  # the refused post left nothing behind

    recent = ForumUser(limited)
    _register(limited, recent, days_ago=2)
    assert [_post(recent, n) for n in range(3)] == [201, 201, 429]


def test_older_accounts_are_limited_per_minute_only(limited: TestClient[Litestar]) -> None:
    veteran = ForumUser(limited)
    _register(limited, veteran, days_ago=30)
    assert [_post(veteran, n) for n in range(5)] == [201, 201, 201, 201, 429]
    other = ForumUser(limited)
    _register(limited, other, days_ago=30)
    assert _post(other, 0) == 201


def test_moderators_are_not_limited(limited: TestClient[Litestar]) -> None:
    moderator = ForumUser(limited, admin=True)
    assert {_post(moderator, n) for n in range(6)} == {201}


def test_reactions_follows_and_reports_are_limited_per_minute(
    limited: TestClient[Litestar],
) -> None:
    author = ForumUser(limited, admin=True)
    post = author.post(
        "/community/forums/ball-pythons/threads", {"title": "t", "body": "x"}
    ).json()["post"]
    fan = ForumUser(limited)
    url = f"/community/forums/posts/{post['id']}/reactions"
    statuses = [fan.put(f"{url}/{kind}").status_code for kind in ("like", "wow", "funny")]
    assert statuses == [200, 200, 200]
    assert fan.put(f"{url}/thanks").status_code == 429
    assert fan.put(f"/community/forums/threads/{post['thread_id']}/follow").status_code == 429
    assert ForumUser(limited).put(f"{url}/thanks").status_code == 200


def test_an_unknown_registration_counts_from_the_first_post(
    limited: TestClient[Litestar],
) -> None:
    user = ForumUser(limited)
    assert (
        user.put("/community/forums/members/me", {"handle": f"u{uuid.uuid4().hex[:8]}"}).status_code
        == 200
    )
    assert [_post(user, n) for n in range(3)] == [201, 201, 429]
