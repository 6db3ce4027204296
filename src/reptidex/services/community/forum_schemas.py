"""The forums' request bodies and views (msgspec Structs), and the functions that make the
views from the domain's objects."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from reptidex.domain.forums.mentions import HANDLE_PATTERN
from reptidex.domain.forums.model import (
    Category,
    CategorySummary,
    ForumMember,
    Post,
    PostReading,
    PostRevision,
    QueueEntry,
    ReactionKind,
    Report,
    Thread,
    ThreadSummary,
)
from reptidex.domain.forums.moderation import MAX_REASON_CHARS
from reptidex.domain.forums.posting import MAX_POST_CHARS, MAX_TITLE_CHARS
from reptidex.domain.forums.writing import SLUG_PATTERN

Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=SLUG_PATTERN)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=r"\S")]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TITLE_CHARS, pattern=r"\S")]
Body = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_POST_CHARS,
        description=f"Markdown (CommonMark; raw HTML is shown as text), at most {MAX_POST_CHARS} "
        "characters; `@handle` mentions a user",
    ),
]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_REASON_CHARS, pattern=r"\S")]
Handle = Annotated[str, msgspec.Meta(pattern=HANDLE_PATTERN)]
Position = Annotated[int, msgspec.Meta(ge=0, le=10_000)]


class CategoryBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new category."""

    slug: Slug
    name: Name
    description: Description = ""
    public: bool = True
    position: Position = 0


class CategoryView(msgspec.Struct, frozen=True):
    """A category and its number of threads."""

    id: uuid.UUID
    slug: str
    name: str
    description: str
    public: bool
    position: int
    thread_count: int
    created_at: dt.datetime


class CategoryList(msgspec.Struct, frozen=True):
    """The categories the caller may read."""

    items: list[CategoryView]


class ThreadBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new thread with its first post."""

    title: Title
    body: Body


class PostBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A reply, or a post's new text."""

    body: Body


class ThreadView(msgspec.Struct, frozen=True):
    """A thread."""

    id: uuid.UUID
    category_id: uuid.UUID
    author_id: uuid.UUID
    title: str
    pinned: bool
    locked: bool
    created_at: dt.datetime


class ThreadSummaryView(msgspec.Struct, frozen=True):
    """A thread in a category's list."""

    thread: ThreadView
    post_count: int
    last_post_at: dt.datetime


class ThreadPage(msgspec.Struct, frozen=True):
    """A page of a category's threads: pinned first, then the latest active."""

    category: CategoryView
    items: list[ThreadSummaryView]
    total: int
    limit: int
    offset: int


class HidingView(msgspec.Struct, frozen=True):
    """Why a post is hidden (shown to moderators only)."""

    hidden_at: dt.datetime
    hidden_by: uuid.UUID
    reason: str


class PostView(msgspec.Struct, frozen=True):
    """A post: its sanitised HTML (to show), its Markdown source (to edit), reaction counts."""

    id: uuid.UUID
    thread_id: uuid.UUID
    author_id: uuid.UUID
    html: str
    source: str
    mentions: list[uuid.UUID]
    created_at: dt.datetime
    edited_at: dt.datetime | None
    reactions: dict[str, int]
    hidden: HidingView | None = None


class ThreadReadingView(msgspec.Struct, frozen=True):
    """A thread with a page of its posts, oldest first."""

    thread: ThreadView
    category_slug: str
    following: bool
    posts: list[PostView]
    total: int
    limit: int
    offset: int


class StartedThread(msgspec.Struct, frozen=True):
    """A new thread and its first post."""

    thread: ThreadView
    post: PostView


class RevisionView(msgspec.Struct, frozen=True):
    """A post's text before one of its edits."""

    editor_id: uuid.UUID
    source: str
    replaced_at: dt.datetime


class ReactionsView(msgspec.Struct, frozen=True):
    """A post's reaction counts."""

    post_id: uuid.UUID
    reactions: dict[str, int]


class FollowView(msgspec.Struct, frozen=True):
    """Whether the caller follows a thread."""

    thread_id: uuid.UUID
    following: bool


class ThreadModerationBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Pin or lock a thread (what is left out stays as it is)."""

    pinned: bool | None = None
    locked: bool | None = None


class ReasonBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A report's, a hiding's or a restoring's reason."""

    reason: Reason


class ReportView(msgspec.Struct, frozen=True):
    """A report of a post."""

    id: uuid.UUID
    post_id: uuid.UUID
    reporter_id: uuid.UUID
    reason: str
    status: str
    created_at: dt.datetime


class QueueEntryView(msgspec.Struct, frozen=True):
    """A reported post and its open reports."""

    post: PostView
    reports: list[ReportView]


class QueuePage(msgspec.Struct, frozen=True):
    """A page of the moderators' queue, the longest waiting first."""

    items: list[QueueEntryView]
    total: int
    limit: int
    offset: int


class HandleBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The handle others mention the caller by."""

    handle: Handle


class MemberView(msgspec.Struct, frozen=True):
    """The caller as the forums know them."""

    user_id: uuid.UUID
    handle: str | None


def category_view(summary: CategorySummary) -> CategoryView:
    """The view of a category."""
    c: Category = summary.category
    return CategoryView(
        c.id, c.slug, c.name, c.description, c.public, c.position, summary.thread_count,
        c.created_at,
    )  # fmt: skip


def thread_view(thread: Thread) -> ThreadView:
    """The view of a thread."""
    return ThreadView(
        thread.id,
        thread.category_id,
        thread.author_id,
        thread.title,
        thread.pinned,
        thread.locked,
        thread.created_at,
    )


def thread_summary_view(summary: ThreadSummary) -> ThreadSummaryView:
    """The view of a thread in a list."""
    return ThreadSummaryView(thread_view(summary.thread), summary.post_count, summary.last_post_at)


def post_view(post: Post, reactions: dict[ReactionKind, int] | None = None) -> PostView:
    """The view of a post (its hiding shows only to moderators, who alone see hidden posts)."""
    hiding = post.hiding
    return PostView(
        id=post.id,
        thread_id=post.thread_id,
        author_id=post.author_id,
        html=post.html,
        source=post.source,
        mentions=list(post.mentions),
        created_at=post.created_at,
        edited_at=post.edited_at,
        reactions={kind.value: count for kind, count in (reactions or {}).items()},
        hidden=None
        if hiding is None
        else HidingView(hiding.hidden_at, hiding.hidden_by, hiding.reason),
    )


def post_reading_view(reading: PostReading) -> PostView:
    """The view of a post as read, with its reactions."""
    return post_view(reading.post, reading.reactions)


def revision_view(revision: PostRevision) -> RevisionView:
    """The view of a revision."""
    return RevisionView(revision.editor_id, revision.source, revision.replaced_at)


def report_view(report: Report) -> ReportView:
    """The view of a report."""
    return ReportView(
        report.id,
        report.post_id,
        report.reporter_id,
        report.reason,
        report.status.value,
        report.created_at,
    )


def queue_entry_view(entry: QueueEntry) -> QueueEntryView:
    """The view of a reported post."""
    return QueueEntryView(post_view(entry.post), [report_view(r) for r in entry.reports])


def member_view(member: ForumMember) -> MemberView:
    """The view of a member."""
    return MemberView(member.user_id, member.handle)
