"""The forum use cases' unit of work in SQL, and the scope row-level security reads.

On PostgreSQL the transaction carries, as transaction-local settings, the caller's user id
(``reptidex.user_id``), whether they moderate (``reptidex.forum_moderator``) and, for
repti-core's events, that the platform itself writes (``reptidex.forum_system``); the
policies of migration ``community_0005`` read them.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.forum_engagement import (
    SqlFollows,
    SqlMembers,
    SqlReactions,
    SqlReports,
)
from reptidex.adapters.sql.community.forum_posts import SqlCategories, SqlPosts, SqlThreads
from reptidex.adapters.sql.community.search_index import SqlSearchStore
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.errors import Conflict


class SqlForumUnitOfWork:
    """The forums' repositories, the outbox and the search index on one session; the use
    case commits it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.categories = SqlCategories(session)
        self.threads = SqlThreads(session)
        self.posts = SqlPosts(session)
        self.reactions = SqlReactions(session)
        self.follows = SqlFollows(session)
        self.reports = SqlReports(session)
        self.members = SqlMembers(session)
        self.outbox = SqlOutbox(session, "community")
        self.search = SqlSearchStore(session)

    async def commit(self) -> None:
        """Commit the changes and the staged events together; a unique rule broken by a
        racing request is a :class:`Conflict`."""
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise Conflict("Another request changed the same thing first; try again.") from None

    async def scope(
        self, user_id: uuid.UUID | None, *, moderator: bool = False, system: bool = False
    ) -> None:
        """Scope this transaction for PostgreSQL's row-level security (bound parameters,
        transaction-local); a no-op on SQLite."""
        if self.session.bind.dialect.name != "postgresql":
            return
        await self.session.execute(
            text(
                "SELECT set_config('reptidex.user_id', :user, true), "
                "set_config('reptidex.forum_moderator', :moderator, true), "
                "set_config('reptidex.forum_system', :system, true)"
            ),
            {
                "user": "" if user_id is None else str(user_id),
                "moderator": "on" if moderator else "off",
                "system": "on" if system else "off",
            },
        )
