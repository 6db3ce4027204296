"""Where ``reptidex search reindex`` reads the forums from: repti-community's own database
(the forum tables are readable by every role). Public categories' threads whose opening post
is not hidden, and their replies that are not hidden, as the forums index them
(:mod:`reptidex.domain.forums.findable`)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator, Callable, Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.community.forum_models import (
    ForumCategoryRow,
    ForumPostRow,
    ForumThreadRow,
)
from reptidex.adapters.sql.community.forum_posts import _post, _thread
from reptidex.domain.community.search.documents import POST, THREAD, SearchDocument
from reptidex.domain.forums.findable import post_document, thread_document
from reptidex.domain.forums.model import Post, Thread

THREADS_A_PAGE = 100
"""Threads read at a time (with all their posts)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _public_threads(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[list[tuple[Thread, list[Post]]]]:
    """Pages of public categories' threads, oldest first, each with its posts in order."""
    after: tuple[dt.datetime, uuid.UUID] | None = None
    while True:
        async with sessions() as session:
            query = (
                select(ForumThreadRow)
                .join(ForumCategoryRow, ForumCategoryRow.id == ForumThreadRow.category_id)
                .where(ForumCategoryRow.public.is_(True))
                .order_by(ForumThreadRow.created_at, ForumThreadRow.id)
                .limit(THREADS_A_PAGE)
            )
            if after is not None:
                query = query.where(
                    or_(
                        ForumThreadRow.created_at > after[0],
                        and_(ForumThreadRow.created_at == after[0], ForumThreadRow.id > after[1]),
                    )
                )
            threads = [_thread(row) for row in await session.scalars(query)]
            if not threads:
                return
            rows = await session.scalars(
                select(ForumPostRow)
                .where(ForumPostRow.thread_id.in_([t.id for t in threads]))
                .order_by(ForumPostRow.thread_id, ForumPostRow.created_at, ForumPostRow.id)
            )
            posts = {
                thread_id: [_post(row) for row in group]
                for thread_id, group in itertools.groupby(rows, key=lambda r: r.thread_id)
            }
        yield [(t, posts.get(t.id, [])) for t in threads]
        last = threads[-1]
        after = (last.created_at, last.id)


class SqlForumThreads:
    """Public threads whose opening post is not hidden (kind ``thread``)."""

    kind = THREAD
    complete = True

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], dt.datetime] = _now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def pages(self) -> AsyncIterator[Sequence[SearchDocument]]:
        """The threads' documents, a page of threads at a time."""
        async for page in _public_threads(self._sessions):
            at = self._clock()
            yield [
                thread_document(thread, posts[0], at)
                for thread, posts in page
                if posts and not posts[0].hidden
            ]


class SqlForumReplies:
    """The replies that are not hidden, in public threads whose opening post is not hidden
    (kind ``post``)."""

    kind = POST
    complete = True

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], dt.datetime] = _now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def pages(self) -> AsyncIterator[Sequence[SearchDocument]]:
        """The replies' documents, a page of threads at a time."""
        async for page in _public_threads(self._sessions):
            at = self._clock()
            yield [
                post_document(thread, reply, at)
                for thread, posts in page
                if posts and not posts[0].hidden
                for reply in posts[1:]
                if not reply.hidden
            ]
