"""Categories, threads and posts in SQL."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.forum_models import (
    ForumCategoryRow,
    ForumPostRevisionRow,
    ForumPostRow,
    ForumThreadRow,
)
from reptidex.domain.forums.model import (
    Category,
    CategorySummary,
    Hiding,
    Post,
    PostRevision,
    Thread,
    ThreadSummary,
)


def _category(row: ForumCategoryRow) -> Category:
    return Category(
        id=row.id,
        slug=row.slug,
        name=row.name,
        description=row.description,
        public=row.public,
        position=row.position,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _thread(row: ForumThreadRow) -> Thread:
    return Thread(
        id=row.id,
        category_id=row.category_id,
        author_id=row.author_id,
        title=row.title,
        created_at=row.created_at,
        pinned=row.pinned,
        locked=row.locked,
    )


def _post(row: ForumPostRow) -> Post:
    hiding = None
    if row.hidden_at is not None and row.hidden_by is not None:
        hiding = Hiding(row.hidden_at, row.hidden_by, row.hidden_reason or "")
    return Post(
        id=row.id,
        thread_id=row.thread_id,
        author_id=row.author_id,
        source=row.source,
        html=row.html,
        mentions=[uuid.UUID(str(m)) for m in row.mentions],
        created_at=row.created_at,
        edited_at=row.edited_at,
        hiding=hiding,
    )


class SqlCategories:
    """The :class:`~reptidex.domain.forums.ports.Categories` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, category: Category) -> None:
        """Keep a new category."""
        self.session.add(
            ForumCategoryRow(
                id=category.id,
                slug=category.slug,
                name=category.name,
                description=category.description,
                public=category.public,
                position=category.position,
                created_by=category.created_by,
                created_at=category.created_at,
            )
        )
        await self.session.flush()

    async def by_slug(self, slug: str) -> Category | None:
        """The category with ``slug``."""
        row = await self.session.scalar(
            select(ForumCategoryRow).where(ForumCategoryRow.slug == slug)
        )
        return None if row is None else _category(row)

    async def get(self, category_id: uuid.UUID) -> Category | None:
        """The category with ``category_id``."""
        row = await self.session.get(ForumCategoryRow, category_id)
        return None if row is None else _category(row)

    async def listed(self, *, public_only: bool) -> list[CategorySummary]:
        """The categories in their order, with their thread counts."""
        threads = (
            select(ForumThreadRow.category_id, func.count().label("threads"))
            .group_by(ForumThreadRow.category_id)
            .subquery()
        )
        query = (
            select(ForumCategoryRow, func.coalesce(threads.c.threads, 0))
            .outerjoin(threads, threads.c.category_id == ForumCategoryRow.id)
            .order_by(ForumCategoryRow.position, ForumCategoryRow.slug)
        )
        if public_only:
            query = query.where(ForumCategoryRow.public.is_(True))
        rows = await self.session.execute(query)
        return [CategorySummary(_category(row), int(count)) for row, count in rows]


class SqlThreads:
    """The :class:`~reptidex.domain.forums.ports.Threads` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, thread: Thread) -> None:
        """Keep a new thread."""
        self.session.add(
            ForumThreadRow(
                id=thread.id,
                category_id=thread.category_id,
                author_id=thread.author_id,
                title=thread.title,
                pinned=thread.pinned,
                locked=thread.locked,
                created_at=thread.created_at,
            )
        )
        await self.session.flush()

    async def get(self, thread_id: uuid.UUID) -> Thread | None:
        """The thread with ``thread_id``."""
        row = await self.session.get(ForumThreadRow, thread_id)
        return None if row is None else _thread(row)

    async def save(self, thread: Thread) -> None:
        """Store the pinned and locked flags."""
        row = await self.session.get(ForumThreadRow, thread.id)
        assert row is not None
        row.pinned, row.locked = thread.pinned, thread.locked
        await self.session.flush()

    def _summaries(
        self, category_id: uuid.UUID, *, with_hidden: bool
    ) -> Select[tuple[ForumThreadRow, int, object]]:
        post = ForumPostRow
        visible = post.hidden_at.is_(None)
        count = func.count(post.id) if with_hidden else func.count(case((visible, post.id)))
        latest = (
            func.max(post.created_at) if with_hidden else func.max(case((visible, post.created_at)))
        )
        query = (
            select(ForumThreadRow, count.label("posts"), latest.label("latest"))
            .join(post, post.thread_id == ForumThreadRow.id)
            .where(ForumThreadRow.category_id == category_id)
            .group_by(ForumThreadRow.id)
        )
        if not with_hidden:
            # the opening post is the earliest; a thread whose opening post is hidden is too
            query = query.having(
                and_(
                    func.min(case((visible, post.created_at))) == func.min(post.created_at),
                )
            )
        return query

    async def page(
        self, category_id: uuid.UUID, *, limit: int, offset: int, with_hidden: bool
    ) -> tuple[list[ThreadSummary], int]:
        """A page of the category's threads, pinned first, then the latest active."""
        summaries = self._summaries(category_id, with_hidden=with_hidden)
        total = await self.session.scalar(select(func.count()).select_from(summaries.subquery()))
        rows = await self.session.execute(
            summaries.order_by(
                ForumThreadRow.pinned.desc(),
                summaries.selected_columns.latest.desc(),
                ForumThreadRow.id,
            )
            .limit(limit)
            .offset(offset)
        )
        return [
            ThreadSummary(_thread(row), int(posts), latest) for row, posts, latest in rows
        ], int(total or 0)


class SqlPosts:
    """The :class:`~reptidex.domain.forums.ports.Posts` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, post: Post) -> None:
        """Keep a new post."""
        self.session.add(
            ForumPostRow(
                id=post.id,
                thread_id=post.thread_id,
                author_id=post.author_id,
                source=post.source,
                html=post.html,
                mentions=[str(m) for m in post.mentions],
                created_at=post.created_at,
            )
        )
        await self.session.flush()

    async def get(self, post_id: uuid.UUID) -> Post | None:
        """The post with ``post_id``."""
        row = await self.session.get(ForumPostRow, post_id)
        return None if row is None else _post(row)

    async def save(self, post: Post) -> None:
        """Store the text, mentions, edit time and hiding."""
        row = await self.session.get(ForumPostRow, post.id)
        assert row is not None
        row.source, row.html, row.edited_at = post.source, post.html, post.edited_at
        row.mentions = [str(m) for m in post.mentions]
        hiding = post.hiding
        row.hidden_at = None if hiding is None else hiding.hidden_at
        row.hidden_by = None if hiding is None else hiding.hidden_by
        row.hidden_reason = None if hiding is None else hiding.reason
        await self.session.flush()

    async def page(
        self, thread_id: uuid.UUID, *, limit: int, offset: int, with_hidden: bool
    ) -> tuple[list[Post], int]:
        """A page of the thread's posts, oldest first, and their count."""
        where = [ForumPostRow.thread_id == thread_id]
        if not with_hidden:
            where.append(ForumPostRow.hidden_at.is_(None))
        total = await self.session.scalar(select(func.count(ForumPostRow.id)).where(*where))
        rows = await self.session.scalars(
            select(ForumPostRow)
            .where(*where)
            .order_by(ForumPostRow.created_at, ForumPostRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [_post(row) for row in rows], int(total or 0)

    async def first_of(self, thread_id: uuid.UUID) -> Post | None:
        """The thread's opening post."""
        row = await self.session.scalar(
            select(ForumPostRow)
            .where(ForumPostRow.thread_id == thread_id)
            .order_by(ForumPostRow.created_at, ForumPostRow.id)
            .limit(1)
        )
        return None if row is None else _post(row)

    async def add_revision(self, revision: PostRevision) -> None:
        """Keep the text a post had before an edit."""
        self.session.add(
            ForumPostRevisionRow(
                post_id=revision.post_id,
                editor_id=revision.editor_id,
                source=revision.source,
                replaced_at=revision.replaced_at,
            )
        )
        await self.session.flush()

    async def revisions(self, post_id: uuid.UUID) -> list[PostRevision]:
        """A post's earlier texts, oldest first."""
        rows = await self.session.scalars(
            select(ForumPostRevisionRow)
            .where(ForumPostRevisionRow.post_id == post_id)
            .order_by(ForumPostRevisionRow.replaced_at, ForumPostRevisionRow.id)
        )
        return [PostRevision(r.post_id, r.editor_id, r.source, r.replaced_at) for r in rows]
