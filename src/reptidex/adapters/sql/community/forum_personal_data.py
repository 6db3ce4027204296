"""The forums' personal data about a user (GDPR): their handle and account notes, the threads
they opened, their posts and those posts' earlier texts, their reactions, follows and reports.

An erasure keeps what others' conversations need and removes the rest: threads, posts and
reports stay (the conversation and the moderation history), with repti-ops' pseudonym where
the user's id was (as author, reporter, moderator or mention); the member row (and with it the
handle), the earlier texts of their posts, their reactions and their follows are removed.

Each transaction is the platform's own (``reptidex.forum_system``), which row-level security
lets read and change every user's rows (migration ``community_0005``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import String, cast, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.community.forum_models import (
    ForumFollowRow,
    ForumMemberRow,
    ForumPostRevisionRow,
    ForumPostRow,
    ForumReactionRow,
    ForumReportRow,
    ForumThreadRow,
)
from reptidex.adapters.sql.community.forum_unit_of_work import SqlForumUnitOfWork

_PSEUDONYMISED: tuple[tuple[str, Any], ...] = (
    ("threads", ForumThreadRow.author_id),
    ("posts", ForumPostRow.author_id),
    ("posts_hidden_by", ForumPostRow.hidden_by),
    ("reports", ForumReportRow.reporter_id),
    ("reports_resolved_by", ForumReportRow.resolved_by),
)
"""Each column that names a user in what an erasure keeps, by the kind of item it counts."""

_REMOVED: tuple[tuple[str, Any], ...] = (
    ("post_revisions", ForumPostRevisionRow.editor_id),
    ("reactions", ForumReactionRow.user_id),
    ("follows", ForumFollowRow.user_id),
    ("member", ForumMemberRow.user_id),
)
"""Each kind of item an erasure removes, by the column that names its user."""


def _when(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


class SqlForumPersonalData:
    """The :class:`~reptidex.domain.privacy.ports.PersonalDataHolder` of the forums."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """Everything the forums hold about the user."""
        async with self._sessions() as session, session.begin():
            await SqlForumUnitOfWork(session).scope(None, system=True)
            member = await session.scalar(
                select(ForumMemberRow).where(ForumMemberRow.user_id == user_id)
            )
            threads = await session.scalars(
                select(ForumThreadRow)
                .where(ForumThreadRow.author_id == user_id)
                .order_by(ForumThreadRow.created_at, ForumThreadRow.id)
            )
            posts = await session.scalars(
                select(ForumPostRow)
                .where(ForumPostRow.author_id == user_id)
                .order_by(ForumPostRow.created_at, ForumPostRow.id)
            )
            revisions = await session.scalars(
                select(ForumPostRevisionRow)
                .where(ForumPostRevisionRow.editor_id == user_id)
                .order_by(ForumPostRevisionRow.replaced_at, ForumPostRevisionRow.id)
            )
            reactions = await session.scalars(
                select(ForumReactionRow)
                .where(ForumReactionRow.user_id == user_id)
                .order_by(ForumReactionRow.created_at, ForumReactionRow.id)
            )
            follows = await session.scalars(
                select(ForumFollowRow)
                .where(ForumFollowRow.user_id == user_id)
                .order_by(ForumFollowRow.created_at, ForumFollowRow.id)
            )
            reports = await session.scalars(
                select(ForumReportRow)
                .where(ForumReportRow.reporter_id == user_id)
                .order_by(ForumReportRow.created_at, ForumReportRow.id)
            )
            return {
                "member": None
                if member is None
                else {
                    "handle": member.handle,
                    "registered_at": _when(member.registered_at),
                    "first_post_at": _when(member.first_seen_at),
                },
                "threads": [
                    {"id": str(t.id), "title": t.title, "created_at": _when(t.created_at)}
                    for t in threads
                ],
                "posts": [
                    {
                        "id": str(p.id),
                        "thread_id": str(p.thread_id),
                        "source": p.source,
                        "created_at": _when(p.created_at),
                        "edited_at": _when(p.edited_at),
                        "hidden_reason": p.hidden_reason,
                    }
                    for p in posts
                ],
                "post_revisions": [
                    {
                        "post_id": str(r.post_id),
                        "source": r.source,
                        "replaced_at": _when(r.replaced_at),
                    }
                    for r in revisions
                ],
                "reactions": [{"post_id": str(r.post_id), "kind": r.kind} for r in reactions],
                "follows": [{"thread_id": str(f.thread_id)} for f in follows],
                "reports": [
                    {
                        "post_id": str(r.post_id),
                        "reason": r.reason,
                        "status": r.state,
                        "created_at": _when(r.created_at),
                    }
                    for r in reports
                ],
            }

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Pseudonymise what others' conversations keep, remove the rest; idempotent."""
        erased: dict[str, int] = {}
        async with self._sessions() as session, session.begin():
            await SqlForumUnitOfWork(session).scope(None, system=True)
            for kind, column in _PSEUDONYMISED:
                result = await session.execute(
                    update(column.class_).where(column == user_id).values({column.key: pseudonym})
                )
                erased[f"{kind}_pseudonymised"] = result.rowcount or 0  # type: ignore[attr-defined]
            mentioning = await session.scalars(
                select(ForumPostRow).where(
                    cast(ForumPostRow.mentions, String).contains(str(user_id))
                )
            )
            count = 0
            for post in mentioning:
                post.mentions = [str(pseudonym) if m == str(user_id) else m for m in post.mentions]
                count += 1
            erased["mentions_pseudonymised"] = count
            for kind, column in _REMOVED:
                result = await session.execute(delete(column.class_).where(column == user_id))
                erased[f"{kind}_removed"] = result.rowcount or 0  # type: ignore[attr-defined]
        return erased
