"""repti-community's forum tables (migration ``community_0005``).

Counts and latest times of threads are not stored: they are read from the posts (indexed by
thread and time), so that a reply writes only rows its author owns, which row-level security
can then require.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommunityModel


class ForumCategoryRow(CommunityModel):
    """A category (a forum)."""

    __tablename__ = "forum_category"

    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID] = mapped_column()


class ForumThreadRow(CommunityModel):
    """A thread of a category."""

    __tablename__ = "forum_thread"
    __table_args__ = (Index("ix_forum_thread_category", "category_id", "pinned"),)

    category_id: Mapped[uuid.UUID] = mapped_column()
    author_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(Boolean)
    locked: Mapped[bool] = mapped_column(Boolean)


class ForumPostRow(CommunityModel):
    """A post: its Markdown source, its sanitised HTML, the users it mentions, its hiding."""

    __tablename__ = "forum_post"
    __table_args__ = (
        Index("ix_forum_post_thread", "thread_id", "created_at"),
        Index("ix_forum_post_author", "author_id"),
    )

    thread_id: Mapped[uuid.UUID] = mapped_column()
    author_id: Mapped[uuid.UUID] = mapped_column()
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[Any]] = mapped_column(JsonB)
    edited_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    hidden_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    hidden_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    hidden_reason: Mapped[str | None] = mapped_column(Text, default=None)


class ForumPostRevisionRow(CommunityModel):
    """The text a post had before one of its edits."""

    __tablename__ = "forum_post_revision"
    __table_args__ = (Index("ix_forum_post_revision_post", "post_id", "replaced_at"),)

    post_id: Mapped[uuid.UUID] = mapped_column()
    editor_id: Mapped[uuid.UUID] = mapped_column()
    source: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


class ForumReactionRow(CommunityModel):
    """One user's reaction of one kind to one post."""

    __tablename__ = "forum_reaction"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id", "kind", name="uq_forum_reaction"),
        Index("ix_forum_reaction_user", "user_id"),
    )

    post_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))


class ForumFollowRow(CommunityModel):
    """A user following a thread."""

    __tablename__ = "forum_follow"
    __table_args__ = (
        UniqueConstraint("thread_id", "user_id", name="uq_forum_follow"),
        Index("ix_forum_follow_user", "user_id"),
    )

    thread_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column()


class ForumReportRow(CommunityModel):
    """A user's report of a post."""

    __tablename__ = "forum_report"
    __table_args__ = (
        UniqueConstraint("post_id", "reporter_id", name="uq_forum_report"),
        Index("ix_forum_report_state", "state", "created_at"),
        Index("ix_forum_report_reporter", "reporter_id"),
    )

    post_id: Mapped[uuid.UUID] = mapped_column()
    reporter_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10))
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )


class ForumMemberRow(CommunityModel):
    """What the forums know of a user: handle, registration, first post."""

    __tablename__ = "forum_member"

    user_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    handle: Mapped[str | None] = mapped_column(String(30), unique=True, default=None)
    registered_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    first_seen_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
