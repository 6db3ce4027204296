"""The forums' entities and value objects."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field

from reptidex.domain.errors import PermissionDenied


def _new_id() -> uuid.UUID:
    return uuid.uuid4()


class ReactionKind(enum.StrEnum):
    """The fixed set of reactions to a post; a user gives each kind to a post at most once."""

    LIKE = "like"
    HELPFUL = "helpful"
    THANKS = "thanks"
    FUNNY = "funny"
    WOW = "wow"


@dataclass(frozen=True, slots=True)
class ForumActor:
    """Who writes in the forums: a user, and whether they moderate (platform administrators
    do)."""

    user_id: uuid.UUID
    moderator: bool = False

    def require_moderator(self) -> None:
        """:class:`PermissionDenied` unless the actor moderates the forums."""
        if not self.moderator:
            raise PermissionDenied("Only forum moderators (platform administrators) may do this.")


@dataclass(frozen=True, slots=True)
class ForumReader:
    """Who reads: anonymous (``user_id`` None) reads public categories only; a signed-in user
    reads every category; a moderator also sees hidden posts."""

    user_id: uuid.UUID | None = None
    moderator: bool = False

    @property
    def signed_in(self) -> bool:
        """Whether the reader sent a user's token."""
        return self.user_id is not None


ANONYMOUS = ForumReader()
"""A reader without a token."""


@dataclass(slots=True, kw_only=True)
class Category:
    """A forum: a category of threads. ``public`` ones are readable without a token; the others
    by signed-in users only."""

    slug: str
    name: str
    description: str
    public: bool
    position: int
    created_by: uuid.UUID
    created_at: dt.datetime
    id: uuid.UUID = field(default_factory=_new_id)

    def readable_by(self, reader: ForumReader) -> bool:
        """Whether ``reader`` may read this category's threads."""
        return self.public or reader.signed_in


@dataclass(slots=True, kw_only=True)
class Thread:
    """A conversation in a category, opened by its first post."""

    category_id: uuid.UUID
    author_id: uuid.UUID
    title: str
    created_at: dt.datetime
    pinned: bool = False
    locked: bool = False
    id: uuid.UUID = field(default_factory=_new_id)


@dataclass(frozen=True, slots=True)
class Hiding:
    """Why and by whom a post was hidden."""

    hidden_at: dt.datetime
    hidden_by: uuid.UUID
    reason: str


@dataclass(slots=True, kw_only=True)
class Post:
    """A post: its Markdown source and the sanitised HTML rendered from it when written."""

    thread_id: uuid.UUID
    author_id: uuid.UUID
    source: str
    html: str
    mentions: list[uuid.UUID]
    created_at: dt.datetime
    edited_at: dt.datetime | None = None
    hiding: Hiding | None = None
    id: uuid.UUID = field(default_factory=_new_id)

    @property
    def hidden(self) -> bool:
        """Whether a moderator hid the post."""
        return self.hiding is not None


@dataclass(frozen=True, slots=True)
class PostRevision:
    """The source a post had before one of its edits."""

    post_id: uuid.UUID
    editor_id: uuid.UUID
    source: str
    replaced_at: dt.datetime


class ReportStatus(enum.StrEnum):
    """An open report waits in the moderators' queue until the post is hidden or restored."""

    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(slots=True, kw_only=True)
class Report:
    """A user's report of a post, with their reason."""

    post_id: uuid.UUID
    reporter_id: uuid.UUID
    reason: str
    created_at: dt.datetime
    status: ReportStatus = ReportStatus.OPEN
    resolved_by: uuid.UUID | None = None
    resolved_at: dt.datetime | None = None
    id: uuid.UUID = field(default_factory=_new_id)


@dataclass(slots=True, kw_only=True)
class ForumMember:
    """What the forums know of a user: their handle (for mentions), when their account was
    registered (from repti-core's ``user.registered``) and when the forums first saw them
    write."""

    user_id: uuid.UUID
    handle: str | None = None
    registered_at: dt.datetime | None = None
    first_seen_at: dt.datetime | None = None

    def account_since(self) -> dt.datetime | None:
        """Where the account's age counts from: its registration when known, else its first
        post in the forums."""
        return self.registered_at or self.first_seen_at


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    """A thread in a category's list: its visible posts and their latest time."""

    thread: Thread
    post_count: int
    last_post_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CategorySummary:
    """A category with its number of threads."""

    category: Category
    thread_count: int


@dataclass(frozen=True, slots=True)
class PostReading:
    """A post as a reader sees it, with the count of each kind of reaction."""

    post: Post
    reactions: dict[ReactionKind, int]


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A reported post in the moderators' queue: its open reports, oldest first."""

    post: Post
    reports: list[Report]
