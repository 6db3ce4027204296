"""The forums' ports: their repositories and the unit of work that holds them, and the
Markdown renderer."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Protocol

from reptidex.domain.community.search.ports import SearchIndex
from reptidex.domain.events import Outbox
from reptidex.domain.forums.model import (
    Category,
    CategorySummary,
    ForumMember,
    Post,
    PostRevision,
    ReactionKind,
    Report,
    Thread,
    ThreadSummary,
)


class MarkdownRenderer(Protocol):
    """Turns a post's Markdown into HTML that is safe to show (pure CPU work)."""

    def to_html(self, source: str) -> str:
        """The sanitised HTML of ``source``."""
        ...


class Categories(Protocol):
    """The categories."""

    async def add(self, category: Category) -> None:
        """Keep a new category; :class:`~reptidex.domain.errors.Conflict` for a taken slug."""

    async def by_slug(self, slug: str) -> Category | None:
        """The category with ``slug``."""

    async def get(self, category_id: uuid.UUID) -> Category | None:
        """The category with ``category_id``."""

    async def listed(self, *, public_only: bool) -> list[CategorySummary]:
        """Every category (public ones only when asked), in their order, with thread counts."""


class Threads(Protocol):
    """The threads."""

    async def add(self, thread: Thread) -> None:
        """Keep a new thread."""

    async def get(self, thread_id: uuid.UUID) -> Thread | None:
        """The thread with ``thread_id``."""

    async def save(self, thread: Thread) -> None:
        """Store a thread's pinned and locked flags."""

    async def page(
        self, category_id: uuid.UUID, *, limit: int, offset: int, with_hidden: bool
    ) -> tuple[list[ThreadSummary], int]:
        """A page of the category's threads, pinned first, then by their latest post; and how
        many there are. Counts and times leave hidden posts out unless ``with_hidden``; a
        thread whose every post is hidden is left out too."""


class Posts(Protocol):
    """The posts and their edit history."""

    async def add(self, post: Post) -> None:
        """Keep a new post."""

    async def get(self, post_id: uuid.UUID) -> Post | None:
        """The post with ``post_id``."""

    async def save(self, post: Post) -> None:
        """Store a post's text, mentions, edit time and hiding."""

    async def page(
        self, thread_id: uuid.UUID, *, limit: int, offset: int, with_hidden: bool
    ) -> tuple[list[Post], int]:
        """A page of the thread's posts, oldest first, and how many there are (hidden ones
        only when ``with_hidden``)."""

    async def add_revision(self, revision: PostRevision) -> None:
        """Keep the text a post had before an edit."""

    async def revisions(self, post_id: uuid.UUID) -> list[PostRevision]:
        """A post's earlier texts, oldest first."""

    async def first_of(self, thread_id: uuid.UUID) -> Post | None:
        """The thread's opening post."""


class Reactions(Protocol):
    """Who reacted how to which post."""

    async def add(self, post_id: uuid.UUID, user_id: uuid.UUID, kind: ReactionKind) -> bool:
        """Keep a reaction; False when the user had already given it."""

    async def remove(self, post_id: uuid.UUID, user_id: uuid.UUID, kind: ReactionKind) -> bool:
        """Take a reaction back; False when there was none."""

    async def counts(
        self, post_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, dict[ReactionKind, int]]:
        """The count of each kind of reaction, per post (posts without any are left out)."""


class Follows(Protocol):
    """Who follows which thread."""

    async def follow(self, thread_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Follow; False when the user already did."""

    async def unfollow(self, thread_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Stop following; False when the user did not."""

    async def followers(self, thread_id: uuid.UUID) -> list[uuid.UUID]:
        """The thread's followers."""

    async def follows(self, thread_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Whether the user follows the thread."""


class Reports(Protocol):
    """Reports of posts."""

    async def add(self, report: Report) -> None:
        """Keep a report; :class:`~reptidex.domain.errors.Conflict` when the reporter already
        reported the post."""

    async def open_for(self, post_id: uuid.UUID) -> list[Report]:
        """The post's open reports, oldest first."""

    async def save(self, report: Report) -> None:
        """Store a report's state."""

    async def queue(self, *, limit: int, offset: int) -> tuple[list[uuid.UUID], int]:
        """A page of the posts with open reports, the longest waiting first, and how many."""


class Members(Protocol):
    """What the forums know of users."""

    async def get(self, user_id: uuid.UUID) -> ForumMember | None:
        """The member, if the forums know them."""

    async def save(self, member: ForumMember) -> None:
        """Keep or update a member; :class:`~reptidex.domain.errors.Conflict` for a taken
        handle."""

    async def by_handles(self, handles: Collection[str]) -> dict[str, uuid.UUID]:
        """The users with these handles (lower case), by handle."""

    async def registered(self, user_id: uuid.UUID, at: dt.datetime) -> None:
        """Note when the user's account was registered (the first note wins)."""


class ForumUnitOfWork(Protocol):
    """What the forum use cases work with, in one transaction."""

    @property
    def categories(self) -> Categories:
        """The categories."""

    @property
    def threads(self) -> Threads:
        """The threads."""

    @property
    def posts(self) -> Posts:
        """The posts."""

    @property
    def reactions(self) -> Reactions:
        """The reactions."""

    @property
    def follows(self) -> Follows:
        """The follows."""

    @property
    def reports(self) -> Reports:
        """The reports."""

    @property
    def members(self) -> Members:
        """The members."""

    @property
    def outbox(self) -> Outbox:
        """Where events (and audit records) are staged."""

    @property
    def search(self) -> SearchIndex:
        """The search index, in this unit of work's transaction (public threads and posts are
        found through it)."""

    async def commit(self) -> None:
        """Make the changes and the staged events durable, together."""
