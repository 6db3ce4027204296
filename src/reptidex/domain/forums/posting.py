"""What writing a post goes through before it is kept: the size bound, the per-user rate
limit, the new-account slow mode, and rendering off the event loop.

- Every user writes at most :attr:`ForumRules.posts_per_minute` posts (threads and replies) a
  minute, and does at most :attr:`ForumRules.actions_per_minute` other things (reactions,
  follows, reports, edits) a minute.
- Slow mode: an account younger than :attr:`ForumRules.new_account_days` days writes at most
  :attr:`ForumRules.new_account_posts_per_hour` posts an hour. An account's age counts from its
  registration, which repti-core announces with ``user.registered``; for a user the forums have
  not heard of registering, it counts from their first post in the forums.
- Moderators are bound by neither.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reptidex.domain.cpu_work import CpuRunner
from reptidex.domain.errors import InvalidInput, RateLimited
from reptidex.domain.forums.model import ForumActor, ForumMember
from reptidex.domain.forums.ports import MarkdownRenderer
from reptidex.domain.rate_limits import RateLimiter

MAX_POST_CHARS = 10_000
"""The longest post source, in characters (bounded before it is rendered: markdown-it-py is
pure Python, and hostile Markdown of this length takes it up to about a second)."""
MAX_TITLE_CHARS = 200
"""The longest thread title."""


@dataclass(frozen=True, slots=True)
class ForumRules:
    """The forums' posting limits."""

    posts_per_minute: int = 6
    """Posts (threads and replies) a user writes in a minute."""
    actions_per_minute: int = 60
    """Reactions, follows, reports and edits a user makes in a minute."""
    new_account_days: int = 7
    """How long an account is new."""
    new_account_posts_per_hour: int = 3
    """Posts a new account writes in an hour."""


@dataclass(frozen=True, slots=True)
class Posting:
    """The rules, the counters they use and the renderer, as one dependency of the writing
    use cases."""

    renderer: MarkdownRenderer
    cpu: CpuRunner
    limiter: RateLimiter
    rules: ForumRules = ForumRules()

    async def render(self, source: str) -> str:
        """The sanitised HTML of a post's source, rendered off the event loop; a source over
        :data:`MAX_POST_CHARS` is refused first."""
        check_source(source)
        return await self.cpu(lambda: self.renderer.to_html(source))

    async def admit_post(
        self, actor: ForumActor, member: ForumMember | None, now: dt.datetime
    ) -> None:
        """Count one post of ``actor``; :class:`RateLimited` past the per-minute limit, or past
        the slow mode's hourly one for a new account."""
        if actor.moderator:
            return
        rules = self.rules
        wait = await self.limiter.hit(f"forum:post:{actor.user_id}", rules.posts_per_minute, 60)
        if wait is not None:
            raise RateLimited(
                f"At most {rules.posts_per_minute} posts a minute; try again in {wait} s.",
                retry_after=wait,
            )
        since = None if member is None else member.account_since()
        young = since is None or now - since < dt.timedelta(days=rules.new_account_days)
        if not young:
            return
        wait = await self.limiter.hit(
            f"forum:new-account:{actor.user_id}", rules.new_account_posts_per_hour, 3600
        )
        if wait is not None:
            raise RateLimited(
                f"Accounts younger than {rules.new_account_days} days write at most "
                f"{rules.new_account_posts_per_hour} posts an hour; try again in {wait} s.",
                retry_after=wait,
            )

    async def admit_action(self, actor: ForumActor) -> None:
        """Count one reaction, follow, report or edit; :class:`RateLimited` past the limit."""
        if actor.moderator:
            return
        limit = self.rules.actions_per_minute
        wait = await self.limiter.hit(f"forum:action:{actor.user_id}", limit, 60)
        if wait is not None:
            raise RateLimited(
                f"At most {limit} forum actions a minute; try again in {wait} s.",
                retry_after=wait,
            )


def check_source(source: str) -> None:
    """:class:`InvalidInput` for an empty source or one over :data:`MAX_POST_CHARS`."""
    if not source.strip():
        raise InvalidInput("A post needs some text.", field_errors={"body": "empty"})
    if len(source) > MAX_POST_CHARS:
        raise InvalidInput(
            f"A post is at most {MAX_POST_CHARS} characters.",
            field_errors={"body": f"at most {MAX_POST_CHARS} characters"},
        )
