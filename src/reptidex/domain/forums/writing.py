"""Writing in the forums: categories (platform administrators), threads, replies and edits.

A thread is opened with its first post; its author follows it, and so does everyone who
replies. A locked thread takes no replies or edits but from moderators. Only a post's author
edits it; each edit keeps the text it replaces. Every change stages its ``community.*`` event
and its audit record and commits once.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from reptidex.domain.audit import snapshot
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.forums.audit import audit, post_fields
from reptidex.domain.forums.events import PostCreated, PostEdited, ThreadCreated, stage
from reptidex.domain.forums.findable import post_changed
from reptidex.domain.forums.mentions import mentioned_handles
from reptidex.domain.forums.model import (
    Category,
    ForumActor,
    ForumMember,
    ForumReader,
    Post,
    PostRevision,
    Thread,
)
from reptidex.domain.forums.ports import ForumUnitOfWork
from reptidex.domain.forums.posting import MAX_TITLE_CHARS, Posting, check_source

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
"""A category's slug: lower-case words joined by hyphens."""
RESERVED_SLUGS = frozenset({"threads", "posts", "moderation", "members"})
"""Slugs no category takes: they name other paths under ``/community/forums``."""


async def create_category(
    uow: ForumUnitOfWork,
    actor: ForumActor,
    *,
    slug: str,
    name: str,
    description: str,
    public: bool,
    position: int,
    now: dt.datetime,
) -> Category:
    """Make a category (moderators, who are the platform administrators); a taken slug is a
    :class:`Conflict`."""
    actor.require_moderator()
    if re.fullmatch(SLUG_PATTERN, slug) is None or len(slug) > 60:
        raise InvalidInput(
            "A slug is lower-case words joined by hyphens.", field_errors={"slug": SLUG_PATTERN}
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput(f"The slug {slug!r} is reserved.", field_errors={"slug": "reserved"})
    if await uow.categories.by_slug(slug) is not None:
        raise Conflict(f"The slug {slug!r} is taken.")
    category = Category(
        slug=slug,
        name=name.strip(),
        description=description.strip(),
        public=public,
        position=position,
        created_by=actor.user_id,
        created_at=now,
    )
    await uow.categories.add(category)
    audit(
        uow.outbox,
        "forum_category",
        category.id,
        "created",
        actor_id=actor.user_id,
        after=snapshot(category, drop={"id"}),
    )
    await uow.commit()
    return category


async def readable_category(uow: ForumUnitOfWork, reader: ForumReader, slug: str) -> Category:
    """The category, when ``reader`` may read it; :class:`NotFound` otherwise."""
    category = await uow.categories.by_slug(slug)
    if category is None or not category.readable_by(reader):
        raise NotFound(f"No forum {slug!r}.")
    return category


async def readable_thread(
    uow: ForumUnitOfWork, reader: ForumReader, thread_id: uuid.UUID
) -> tuple[Thread, Category]:
    """The thread and its category, when ``reader`` may read them; :class:`NotFound`
    otherwise (a thread whose opening post is hidden too, but for moderators)."""
    thread = await uow.threads.get(thread_id)
    category = None if thread is None else await uow.categories.get(thread.category_id)
    if thread is None or category is None or not category.readable_by(reader):
        raise NotFound(f"No thread {thread_id}.")
    if not reader.moderator:
        first = await uow.posts.first_of(thread.id)
        if first is None or first.hidden:
            raise NotFound(f"No thread {thread_id}.")
    return thread, category


def reader_of(actor: ForumActor) -> ForumReader:
    """The actor as a reader."""
    return ForumReader(actor.user_id, actor.moderator)


async def _seen(uow: ForumUnitOfWork, actor: ForumActor, now: dt.datetime) -> ForumMember | None:
    """The actor as the forums know them; their first post starts their account's age when
    their registration is unknown."""
    member = await uow.members.get(actor.user_id)
    if member is None:
        await uow.members.save(ForumMember(user_id=actor.user_id, first_seen_at=now))
        return None
    if member.first_seen_at is None:
        member.first_seen_at = now
        await uow.members.save(member)
    return member


async def _mentions(uow: ForumUnitOfWork, source: str, author: uuid.UUID) -> list[uuid.UUID]:
    found = await uow.members.by_handles(mentioned_handles(source))
    return [user for user in dict.fromkeys(found.values()) if user != author]


async def _add_post(
    uow: ForumUnitOfWork,
    posting: Posting,
    actor: ForumActor,
    category: Category,
    thread: Thread,
    source: str,
    now: dt.datetime,
    *,
    first_post: bool,
) -> Post:
    check_source(source)
    member = await _seen(uow, actor, now)
    await posting.admit_post(actor, member, now)
    html = await posting.render(source)
    post = Post(
        thread_id=thread.id,
        author_id=actor.user_id,
        source=source,
        html=html,
        mentions=await _mentions(uow, source, actor.user_id),
        created_at=now,
    )
    await uow.posts.add(post)
    if await uow.follows.follow(thread.id, actor.user_id):
        audit(
            uow.outbox,
            "forum_follow",
            thread.id,
            "created",
            actor_id=actor.user_id,
            after={"thread_id": str(thread.id), "user_id": str(actor.user_id), "automatic": True},
        )
    followers = [str(f) for f in await uow.follows.followers(thread.id) if f != actor.user_id]
    stage(
        uow.outbox,
        "community.post_created",
        PostCreated(
            thread_id=str(thread.id),
            post_id=str(post.id),
            author_id=str(actor.user_id),
            category_id=str(thread.category_id),
            title=thread.title,
            first_post=first_post,
            follower_ids=sorted(followers),
            mentioned_ids=[str(m) for m in post.mentions],
        ),
        actor.user_id,
        now,
    )
    audit(
        uow.outbox,
        "forum_post",
        post.id,
        "created",
        actor_id=actor.user_id,
        after=post_fields(post),
    )
    await post_changed(uow, category, thread, post, now)
    return post


async def start_thread(
    uow: ForumUnitOfWork,
    posting: Posting,
    actor: ForumActor,
    slug: str,
    title: str,
    source: str,
    now: dt.datetime,
) -> tuple[Thread, Post]:
    """Open a thread in a category the actor may read, with its first post."""
    category = await readable_category(uow, reader_of(actor), slug)
    title = title.strip()
    if not title or len(title) > MAX_TITLE_CHARS:
        raise InvalidInput(
            f"A title is 1 to {MAX_TITLE_CHARS} characters.",
            field_errors={"title": f"1 to {MAX_TITLE_CHARS} characters"},
        )
    thread = Thread(category_id=category.id, author_id=actor.user_id, title=title, created_at=now)
    await uow.threads.add(thread)
    stage(
        uow.outbox,
        "community.thread_created",
        ThreadCreated(
            thread_id=str(thread.id),
            category_id=str(category.id),
            category_slug=category.slug,
            author_id=str(actor.user_id),
            title=title,
        ),
        actor.user_id,
        now,
    )
    audit(
        uow.outbox,
        "forum_thread",
        thread.id,
        "created",
        actor_id=actor.user_id,
        after=snapshot(thread, drop={"id"}),
    )
    post = await _add_post(uow, posting, actor, category, thread, source, now, first_post=True)
    await uow.commit()
    return thread, post


async def reply(
    uow: ForumUnitOfWork,
    posting: Posting,
    actor: ForumActor,
    thread_id: uuid.UUID,
    source: str,
    now: dt.datetime,
) -> Post:
    """Reply to a thread the actor may read; a locked thread is a :class:`Conflict` (but for
    moderators)."""
    thread, category = await readable_thread(uow, reader_of(actor), thread_id)
    if thread.locked and not actor.moderator:
        raise Conflict("The thread is locked.")
    post = await _add_post(uow, posting, actor, category, thread, source, now, first_post=False)
    await uow.commit()
    return post


async def editable_post(uow: ForumUnitOfWork, actor: ForumActor, post_id: uuid.UUID) -> Post:
    """The actor's own post, visible to them; :class:`NotFound` for a post they cannot read,
    :class:`PermissionDenied` for another user's."""
    post = await uow.posts.get(post_id)
    if post is None or (post.hidden and not actor.moderator):
        raise NotFound(f"No post {post_id}.")
    await readable_thread(uow, reader_of(actor), post.thread_id)
    if post.author_id != actor.user_id:
        raise PermissionDenied("Only its author edits a post.")
    return post


async def edit_post(
    uow: ForumUnitOfWork,
    posting: Posting,
    actor: ForumActor,
    post_id: uuid.UUID,
    source: str,
    now: dt.datetime,
) -> Post:
    """Replace the text of the actor's own post, keeping the text it replaces."""
    post = await editable_post(uow, actor, post_id)
    thread, category = await readable_thread(uow, reader_of(actor), post.thread_id)
    if thread.locked and not actor.moderator:
        raise Conflict("The thread is locked.")
    check_source(source)
    await posting.admit_action(actor)
    html = await posting.render(source)
    before = post_fields(post)
    await uow.posts.add_revision(PostRevision(post.id, actor.user_id, post.source, now))
    post.source, post.html, post.edited_at = source, html, now
    post.mentions = await _mentions(uow, source, actor.user_id)
    await uow.posts.save(post)
    stage(
        uow.outbox,
        "community.post_edited",
        PostEdited(
            thread_id=str(post.thread_id),
            post_id=str(post.id),
            author_id=str(post.author_id),
            mentioned_ids=[str(m) for m in post.mentions],
        ),
        actor.user_id,
        now,
    )
    audit(
        uow.outbox,
        "forum_post",
        post.id,
        "edited",
        actor_id=actor.user_id,
        before=before,
        after=post_fields(post),
    )
    await post_changed(uow, category, thread, post, now)
    await uow.commit()
    return post


async def post_history(
    uow: ForumUnitOfWork, actor: ForumActor, post_id: uuid.UUID
) -> list[PostRevision]:
    """A post's earlier texts, for its author or a moderator."""
    post = await uow.posts.get(post_id)
    if post is None or (post.hidden and not actor.moderator):
        raise NotFound(f"No post {post_id}.")
    await readable_thread(uow, reader_of(actor), post.thread_id)
    if post.author_id != actor.user_id and not actor.moderator:
        raise PermissionDenied("Only its author and moderators read a post's edits.")
    return await uow.posts.revisions(post.id)
