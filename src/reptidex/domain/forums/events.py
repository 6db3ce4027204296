"""Payloads of the forums' ``community.*`` events, version 1 of each shape (``docs/events.md``)."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from reptidex.domain.events import new_event
from reptidex.domain.events.ports import Outbox

PRODUCER = "community"
"""The producer of the forums' events and audit records."""


def stage(
    outbox: Outbox, event_type: str, payload: msgspec.Struct, actor_id: uuid.UUID, at: dt.datetime
) -> None:
    """Stage the forums' event ``event_type`` of ``actor_id``, made ``at``, in ``outbox``."""
    outbox.add(
        new_event(event_type, producer=PRODUCER, payload=payload, actor_id=actor_id, occurred_at=at)
    )


class ThreadCreated(msgspec.Struct, frozen=True, kw_only=True):
    """``community.thread_created``: a thread was opened (its first post follows as
    ``community.post_created``)."""

    thread_id: str
    category_id: str
    category_slug: str
    author_id: str
    title: str


class PostCreated(msgspec.Struct, frozen=True, kw_only=True):
    """``community.post_created``: a thread's first post or a reply. ``follower_ids`` are the
    thread's followers other than the author (whom to notify); ``mentioned_ids`` the users the
    post mentions by handle."""

    thread_id: str
    post_id: str
    author_id: str
    category_id: str
    title: str
    first_post: bool
    follower_ids: list[str]
    mentioned_ids: list[str]


class PostEdited(msgspec.Struct, frozen=True, kw_only=True):
    """``community.post_edited``: the author changed a post's text."""

    thread_id: str
    post_id: str
    author_id: str
    mentioned_ids: list[str]


class PostReported(msgspec.Struct, frozen=True, kw_only=True):
    """``community.post_reported``: a user reported a post to the moderators."""

    thread_id: str
    post_id: str
    report_id: str
    reporter_id: str


class PostModerated(msgspec.Struct, frozen=True, kw_only=True):
    """``community.post_hidden`` and ``community.post_restored``: a moderator hid a post from
    its readers, or showed it again, with a reason."""

    thread_id: str
    post_id: str
    author_id: str
    moderator_id: str
    reason: str
    reports_resolved: int


class ThreadModerated(msgspec.Struct, frozen=True, kw_only=True):
    """``community.thread_moderated``: a moderator pinned, unpinned, locked or unlocked a
    thread."""

    thread_id: str
    moderator_id: str
    pinned: bool
    locked: bool
