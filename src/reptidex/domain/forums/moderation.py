"""Moderation: users report posts with a reason; moderators (the platform administrators)
work through the queue of reported posts, hide a post from its readers or restore it, each
with a reason, and pin or lock threads.

A hidden post disappears for every reader but moderators (a thread whose opening post is
hidden disappears with it), and from search in the same transaction; restored, it returns.
Hiding or restoring a post resolves its open reports.
"""

from __future__ import annotations

import datetime as dt
import uuid

from reptidex.domain.audit import snapshot
from reptidex.domain.errors import InvalidInput, NotFound
from reptidex.domain.forums.audit import audit, post_fields
from reptidex.domain.forums.events import (
    PostModerated,
    PostReported,
    ThreadModerated,
    stage,
)
from reptidex.domain.forums.findable import post_changed
from reptidex.domain.forums.model import (
    ForumActor,
    Hiding,
    Post,
    QueueEntry,
    Report,
    ReportStatus,
    Thread,
)
from reptidex.domain.forums.ports import ForumUnitOfWork
from reptidex.domain.forums.posting import Posting
from reptidex.domain.forums.writing import readable_thread, reader_of

MAX_REASON_CHARS = 1000
"""The longest reason of a report, a hiding or a restoring."""


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(
            f"A reason is 1 to {MAX_REASON_CHARS} characters.",
            field_errors={"reason": f"1 to {MAX_REASON_CHARS} characters"},
        )
    return reason


async def report_post(
    uow: ForumUnitOfWork,
    posting: Posting,
    actor: ForumActor,
    post_id: uuid.UUID,
    reason: str,
    now: dt.datetime,
) -> Report:
    """Report a post the actor may read to the moderators; reporting one post twice is a
    :class:`~reptidex.domain.errors.Conflict`."""
    reason = _reason(reason)
    post = await uow.posts.get(post_id)
    if post is None or (post.hidden and not actor.moderator):
        raise NotFound(f"No post {post_id}.")
    await readable_thread(uow, reader_of(actor), post.thread_id)
    await posting.admit_action(actor)
    report = Report(post_id=post.id, reporter_id=actor.user_id, reason=reason, created_at=now)
    await uow.reports.add(report)
    stage(
        uow.outbox,
        "community.post_reported",
        PostReported(
            thread_id=str(post.thread_id),
            post_id=str(post.id),
            report_id=str(report.id),
            reporter_id=str(actor.user_id),
        ),
        actor.user_id,
        now,
    )
    audit(
        uow.outbox,
        "forum_report",
        report.id,
        "created",
        actor_id=actor.user_id,
        after=snapshot(report, drop={"id"}),
    )
    await uow.commit()
    return report


async def moderation_queue(
    uow: ForumUnitOfWork, actor: ForumActor, *, limit: int, offset: int
) -> tuple[list[QueueEntry], int]:
    """The reported posts waiting for a moderator, the longest waiting first, each with its
    open reports; and how many posts wait."""
    actor.require_moderator()
    post_ids, total = await uow.reports.queue(limit=limit, offset=offset)
    entries = []
    for post_id in post_ids:
        post = await uow.posts.get(post_id)
        if post is not None:
            entries.append(QueueEntry(post, await uow.reports.open_for(post_id)))
    return entries, total


async def _moderate(
    uow: ForumUnitOfWork,
    actor: ForumActor,
    post_id: uuid.UUID,
    reason: str,
    now: dt.datetime,
    *,
    hide: bool,
) -> Post:
    actor.require_moderator()
    reason = _reason(reason)
    post = await uow.posts.get(post_id)
    if post is None:
        raise NotFound(f"No post {post_id}.")
    before = post_fields(post)
    post.hiding = Hiding(now, actor.user_id, reason) if hide else None
    await uow.posts.save(post)
    resolved = 0
    for report in await uow.reports.open_for(post.id):
        report.status, report.resolved_by, report.resolved_at = (
            ReportStatus.RESOLVED,
            actor.user_id,
            now,
        )
        await uow.reports.save(report)
        audit(
            uow.outbox,
            "forum_report",
            report.id,
            "resolved",
            actor_id=actor.user_id,
            before={"status": ReportStatus.OPEN.value},
            after={"status": report.status.value, "resolved_by": str(actor.user_id)},
        )
        resolved += 1
    action = "hidden" if hide else "restored"
    stage(
        uow.outbox,
        f"community.post_{action}",
        PostModerated(
            thread_id=str(post.thread_id),
            post_id=str(post.id),
            author_id=str(post.author_id),
            moderator_id=str(actor.user_id),
            reason=reason,
            reports_resolved=resolved,
        ),
        actor.user_id,
        now,
    )
    after = post_fields(post)
    if not hide:
        after["restored_reason"] = reason
    audit(
        uow.outbox,
        "forum_post",
        post.id,
        action,
        actor_id=actor.user_id,
        before=before,
        after=after,
    )
    thread = await uow.threads.get(post.thread_id)
    category = None if thread is None else await uow.categories.get(thread.category_id)
    if thread is not None and category is not None:
        await post_changed(uow, category, thread, post, now, moderated=True)
    await uow.commit()
    return post


async def hide_post(
    uow: ForumUnitOfWork, actor: ForumActor, post_id: uuid.UUID, reason: str, now: dt.datetime
) -> Post:
    """Hide a post from its readers, with a reason (moderators)."""
    return await _moderate(uow, actor, post_id, reason, now, hide=True)


async def restore_post(
    uow: ForumUnitOfWork, actor: ForumActor, post_id: uuid.UUID, reason: str, now: dt.datetime
) -> Post:
    """Show a hidden post again, with a reason (moderators); restoring a visible post
    dismisses its open reports."""
    return await _moderate(uow, actor, post_id, reason, now, hide=False)


async def moderate_thread(
    uow: ForumUnitOfWork,
    actor: ForumActor,
    thread_id: uuid.UUID,
    *,
    pinned: bool | None,
    locked: bool | None,
    now: dt.datetime,
) -> Thread:
    """Pin or unpin, lock or unlock a thread (moderators); what is None stays as it is."""
    actor.require_moderator()
    thread, _ = await readable_thread(uow, reader_of(actor), thread_id)
    before = snapshot(thread, drop={"id"})
    if pinned is not None:
        thread.pinned = pinned
    if locked is not None:
        thread.locked = locked
    await uow.threads.save(thread)
    stage(
        uow.outbox,
        "community.thread_moderated",
        ThreadModerated(
            thread_id=str(thread.id),
            moderator_id=str(actor.user_id),
            pinned=thread.pinned,
            locked=thread.locked,
        ),
        actor.user_id,
        now,
    )
    audit(
        uow.outbox,
        "forum_thread",
        thread.id,
        "moderated",
        actor_id=actor.user_id,
        before=before,
        after=snapshot(thread, drop={"id"}),
    )
    await uow.commit()
    return thread
