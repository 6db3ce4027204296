"""Reactions, following threads and handles.

A reaction is one of :class:`~reptidex.domain.forums.model.ReactionKind`; a user gives each
kind to a post at most once (giving it again changes nothing). Following a thread is explicit
here, and automatic for its author and whoever replies. A handle names a user in mentions
(:mod:`~reptidex.domain.forums.mentions`).
"""

from __future__ import annotations

import uuid

from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.domain.forums.audit import audit
from reptidex.domain.forums.mentions import HANDLE_PATTERN, valid_handle
from reptidex.domain.forums.model import ForumActor, ForumMember, ReactionKind
from reptidex.domain.forums.ports import ForumUnitOfWork
from reptidex.domain.forums.posting import Posting
from reptidex.domain.forums.writing import readable_thread, reader_of


async def _readable_post(uow: ForumUnitOfWork, actor: ForumActor, post_id: uuid.UUID) -> None:
    post = await uow.posts.get(post_id)
    if post is None or (post.hidden and not actor.moderator):
        raise NotFound(f"No post {post_id}.")
    await readable_thread(uow, reader_of(actor), post.thread_id)


async def react(
    uow: ForumUnitOfWork,
    posting: Posting,
    actor: ForumActor,
    post_id: uuid.UUID,
    kind: ReactionKind,
    *,
    present: bool,
) -> dict[ReactionKind, int]:
    """Give (``present``) or take back a reaction to a post the actor may read; the post's
    counts after it."""
    await _readable_post(uow, actor, post_id)
    await posting.admit_action(actor)
    if present:
        changed = await uow.reactions.add(post_id, actor.user_id, kind)
    else:
        changed = await uow.reactions.remove(post_id, actor.user_id, kind)
    if changed:
        fields = {"post_id": str(post_id), "user_id": str(actor.user_id), "kind": kind.value}
        audit(
            uow.outbox,
            "forum_reaction",
            f"{post_id}:{actor.user_id}:{kind.value}",
            "created" if present else "deleted",
            actor_id=actor.user_id,
            before=None if present else fields,
            after=fields if present else None,
        )
        await uow.commit()
    return (await uow.reactions.counts([post_id])).get(post_id, {})


async def follow_thread(
    uow: ForumUnitOfWork,
    posting: Posting,
    actor: ForumActor,
    thread_id: uuid.UUID,
    *,
    following: bool,
) -> bool:
    """Follow (or stop following) a thread the actor may read; whether they follow it now."""
    await readable_thread(uow, reader_of(actor), thread_id)
    await posting.admit_action(actor)
    if following:
        changed = await uow.follows.follow(thread_id, actor.user_id)
    else:
        changed = await uow.follows.unfollow(thread_id, actor.user_id)
    if changed:
        fields = {"thread_id": str(thread_id), "user_id": str(actor.user_id), "automatic": False}
        audit(
            uow.outbox,
            "forum_follow",
            thread_id,
            "created" if following else "deleted",
            actor_id=actor.user_id,
            before=None if following else fields,
            after=fields if following else None,
        )
        await uow.commit()
    return following


async def choose_handle(uow: ForumUnitOfWork, actor: ForumActor, handle: str) -> ForumMember:
    """Give the actor ``handle`` (kept in lower case); a handle someone else holds is a
    :class:`Conflict`."""
    if not valid_handle(handle):
        raise InvalidInput("That is not a handle.", field_errors={"handle": HANDLE_PATTERN})
    handle = handle.lower()
    holders = await uow.members.by_handles([handle])
    if holders.get(handle, actor.user_id) != actor.user_id:
        raise Conflict(f"The handle {handle!r} is taken.")
    member = await uow.members.get(actor.user_id)
    before = None if member is None else {"handle": member.handle}
    if member is None:
        member = ForumMember(user_id=actor.user_id, handle=handle)
    member.handle = handle
    await uow.members.save(member)
    audit(
        uow.outbox,
        "forum_member",
        actor.user_id,
        "updated" if before else "created",
        actor_id=actor.user_id,
        before=before,
        after={"handle": handle},
    )
    await uow.commit()
    return member
