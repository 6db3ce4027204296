"""Reading the forums: the categories a reader may read, a category's threads and a thread's
posts, paged. Anonymous readers read public categories; signed-in users every category;
hidden posts are left out for all but moderators."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from reptidex.domain.forums.model import (
    Category,
    CategorySummary,
    ForumReader,
    PostReading,
    Thread,
    ThreadSummary,
)
from reptidex.domain.forums.ports import ForumUnitOfWork
from reptidex.domain.forums.writing import readable_category, readable_thread


@dataclass(frozen=True, slots=True)
class ThreadReading:
    """A thread as a reader sees it: a page of its posts, and whether the reader follows it."""

    thread: Thread
    category: Category
    posts: list[PostReading]
    total: int
    following: bool


async def categories(uow: ForumUnitOfWork, reader: ForumReader) -> list[CategorySummary]:
    """The categories ``reader`` may read, in their order."""
    return await uow.categories.listed(public_only=not reader.signed_in)


async def threads(
    uow: ForumUnitOfWork, reader: ForumReader, slug: str, *, limit: int, offset: int
) -> tuple[Category, list[ThreadSummary], int]:
    """A page of a category's threads, pinned first, then the latest active."""
    category = await readable_category(uow, reader, slug)
    page, total = await uow.threads.page(
        category.id, limit=limit, offset=offset, with_hidden=reader.moderator
    )
    return category, page, total


async def thread(
    uow: ForumUnitOfWork, reader: ForumReader, thread_id: uuid.UUID, *, limit: int, offset: int
) -> ThreadReading:
    """A thread with a page of its posts, oldest first, and their reaction counts."""
    found, category = await readable_thread(uow, reader, thread_id)
    posts, total = await uow.posts.page(
        found.id, limit=limit, offset=offset, with_hidden=reader.moderator
    )
    counts = await uow.reactions.counts([post.id for post in posts])
    following = reader.user_id is not None and await uow.follows.follows(found.id, reader.user_id)
    return ThreadReading(
        found,
        category,
        [PostReading(post, counts.get(post.id, {})) for post in posts],
        total,
        following,
    )
