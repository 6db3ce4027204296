"""The posting rules without a database or HTTP: the size bound comes before any rendering,
the slow mode follows the account's age, moderators are exempt, mentions are found."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from reptidex.adapters.rate_limits import MemoryRateLimiter
from reptidex.domain.cpu_work import run_here
from reptidex.domain.errors import InvalidInput, RateLimited
from reptidex.domain.forums.mentions import mentioned_handles, valid_handle
from reptidex.domain.forums.model import ForumActor, ForumMember
from reptidex.domain.forums.posting import MAX_POST_CHARS, ForumRules, Posting

NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
RULES = ForumRules(
    posts_per_minute=100, actions_per_minute=2, new_account_days=7, new_account_posts_per_hour=2
)


class CountingRenderer:
    """A renderer that counts what it was asked to render."""

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def to_html(self, source: str) -> str:
        self.rendered.append(source)
        return f"<p>{source}</p>"


def _posting(renderer: CountingRenderer | None = None) -> Posting:
    return Posting(renderer or CountingRenderer(), run_here, MemoryRateLimiter(), RULES)


def _posts_admitted(posting: Posting, actor: ForumActor, member: ForumMember | None) -> int:
    async def count() -> int:
        for n in range(10):
            try:
                await posting.admit_post(actor, member, NOW)
            except RateLimited:
                return n
        return 10

    return asyncio.run(count())


def _member(
    user: uuid.UUID, *, registered_days_ago: int | None, first_post_days_ago: int | None
) -> ForumMember:
    def ago(days: int | None) -> dt.datetime | None:
        return None if days is None else NOW - dt.timedelta(days=days)

    return ForumMember(
        user_id=user, registered_at=ago(registered_days_ago), first_seen_at=ago(first_post_days_ago)
    )


@pytest.mark.parametrize(
    ("registered", "first_post", "admitted"),
    [
        (None, None, 2),  # unknown to the forums: new
        (6, None, 2),
        (8, None, 10),
        (None, 3, 2),  # the first post starts the age when the registration is unknown
        (None, 30, 10),
        (2, 30, 2),  # a known registration wins over the first post
    ],
)
def test_slow_mode_follows_the_accounts_age(
    registered: int | None, first_post: int | None, admitted: int
) -> None:
    user = uuid.uuid4()
    member = _member(user, registered_days_ago=registered, first_post_days_ago=first_post)
    assert _posts_admitted(_posting(), ForumActor(user), member) == admitted


def test_moderators_are_exempt() -> None:
    assert _posts_admitted(_posting(), ForumActor(uuid.uuid4(), moderator=True), None) == 10


def test_actions_are_counted_per_user() -> None:
    posting = _posting()
    alice, bob = ForumActor(uuid.uuid4()), ForumActor(uuid.uuid4())

    async def act() -> None:
        await posting.admit_action(alice)
        await posting.admit_action(alice)
        with pytest.raises(RateLimited) as refused:
            await posting.admit_action(alice)
        assert refused.value.retry_after > 0
        await posting.admit_action(bob)

    asyncio.run(act())


def test_the_size_is_bounded_before_rendering() -> None:
    renderer = CountingRenderer()
    posting = _posting(renderer)
    with pytest.raises(InvalidInput):
        asyncio.run(posting.render("x" * (MAX_POST_CHARS + 1)))
    with pytest.raises(InvalidInput):
        asyncio.run(posting.render(" \n\t "))
    assert renderer.rendered == []
    assert asyncio.run(posting.render("x" * MAX_POST_CHARS)).startswith("<p>x")


def test_mentions_and_handles() -> None:
    assert mentioned_handles("@Ann: see @bob_1, (@carol) and me@mail.example @@dave @x") == [
        "ann",
        "bob_1",
        "carol",
    ]
    assert mentioned_handles(" ".join(f"@user{n:03d}" for n in range(50)))[-1] == "user019"
    assert [valid_handle(h) for h in ("abc", "ab", "a" * 30, "a" * 31, "_ab", "a-b")] == [
        True,
        False,
        True,
        False,
        False,
        False,
    ]
