"""Reactions, follows, reports and members of the forums in SQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.forum_models import (
    ForumFollowRow,
    ForumMemberRow,
    ForumReactionRow,
    ForumReportRow,
)
from reptidex.domain.errors import Conflict
from reptidex.domain.forums.model import ForumMember, ReactionKind, Report, ReportStatus


class SqlReactions:
    """The :class:`~reptidex.domain.forums.ports.Reactions` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, post_id: uuid.UUID, user_id: uuid.UUID, kind: ReactionKind) -> bool:
        """Keep a reaction; False when it is there already."""
        found = await self.session.scalar(
            select(ForumReactionRow.id).where(
                ForumReactionRow.post_id == post_id,
                ForumReactionRow.user_id == user_id,
                ForumReactionRow.kind == kind.value,
            )
        )
        if found is not None:
            return False
        self.session.add(ForumReactionRow(post_id=post_id, user_id=user_id, kind=kind.value))
        await self.session.flush()
        return True

    async def remove(self, post_id: uuid.UUID, user_id: uuid.UUID, kind: ReactionKind) -> bool:
        """Take a reaction back; False when there was none."""
        result = await self.session.execute(
            delete(ForumReactionRow).where(
                ForumReactionRow.post_id == post_id,
                ForumReactionRow.user_id == user_id,
                ForumReactionRow.kind == kind.value,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def counts(
        self, post_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, dict[ReactionKind, int]]:
        """The count of each kind, per post."""
        if not post_ids:
            return {}
        rows = await self.session.execute(
            select(ForumReactionRow.post_id, ForumReactionRow.kind, func.count())
            .where(ForumReactionRow.post_id.in_(list(post_ids)))
            .group_by(ForumReactionRow.post_id, ForumReactionRow.kind)
        )
        counts: dict[uuid.UUID, dict[ReactionKind, int]] = {}
        for post_id, kind, count in rows:
            counts.setdefault(post_id, {})[ReactionKind(kind)] = int(count)
        return counts


class SqlFollows:
    """The :class:`~reptidex.domain.forums.ports.Follows` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def follows(self, thread_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Whether the user follows the thread."""
        found = await self.session.scalar(
            select(ForumFollowRow.id).where(
                ForumFollowRow.thread_id == thread_id, ForumFollowRow.user_id == user_id
            )
        )
        return found is not None

    async def follow(self, thread_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Follow; False when already following."""
        if await self.follows(thread_id, user_id):
            return False
        self.session.add(ForumFollowRow(thread_id=thread_id, user_id=user_id))
        await self.session.flush()
        return True

    async def unfollow(self, thread_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Stop following; False when not following."""
        result = await self.session.execute(
            delete(ForumFollowRow).where(
                ForumFollowRow.thread_id == thread_id, ForumFollowRow.user_id == user_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def followers(self, thread_id: uuid.UUID) -> list[uuid.UUID]:
        """The thread's followers."""
        rows = await self.session.scalars(
            select(ForumFollowRow.user_id).where(ForumFollowRow.thread_id == thread_id)
        )
        return list(rows)


def _report(row: ForumReportRow) -> Report:
    return Report(
        id=row.id,
        post_id=row.post_id,
        reporter_id=row.reporter_id,
        reason=row.reason,
        created_at=row.created_at,
        status=ReportStatus(row.state),
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
    )


class SqlReports:
    """The :class:`~reptidex.domain.forums.ports.Reports` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, report: Report) -> None:
        """Keep a report; a second one of the same post by the same user is a Conflict."""
        found = await self.session.scalar(
            select(ForumReportRow.id).where(
                ForumReportRow.post_id == report.post_id,
                ForumReportRow.reporter_id == report.reporter_id,
            )
        )
        if found is not None:
            raise Conflict("You reported this post already.")
        self.session.add(
            ForumReportRow(
                id=report.id,
                post_id=report.post_id,
                reporter_id=report.reporter_id,
                reason=report.reason,
                state=report.status.value,
                created_at=report.created_at,
            )
        )
        await self.session.flush()

    async def open_for(self, post_id: uuid.UUID) -> list[Report]:
        """The post's open reports, oldest first."""
        rows = await self.session.scalars(
            select(ForumReportRow)
            .where(
                ForumReportRow.post_id == post_id,
                ForumReportRow.state == ReportStatus.OPEN.value,
            )
            .order_by(ForumReportRow.created_at, ForumReportRow.id)
        )
        return [_report(row) for row in rows]

    async def save(self, report: Report) -> None:
        """Store the report's state."""
        row = await self.session.get(ForumReportRow, report.id)
        assert row is not None
        row.state, row.resolved_by = report.status.value, report.resolved_by
        row.resolved_at = report.resolved_at
        await self.session.flush()

    async def queue(self, *, limit: int, offset: int) -> tuple[list[uuid.UUID], int]:
        """The posts with open reports, the longest waiting first."""
        waiting = (
            select(ForumReportRow.post_id, func.min(ForumReportRow.created_at).label("since"))
            .where(ForumReportRow.state == ReportStatus.OPEN.value)
            .group_by(ForumReportRow.post_id)
        )
        total = await self.session.scalar(select(func.count()).select_from(waiting.subquery()))
        rows = await self.session.execute(
            waiting.order_by("since", ForumReportRow.post_id).limit(limit).offset(offset)
        )
        return [post_id for post_id, _ in rows], int(total or 0)


def _member(row: ForumMemberRow) -> ForumMember:
    return ForumMember(
        user_id=row.user_id,
        handle=row.handle,
        registered_at=row.registered_at,
        first_seen_at=row.first_seen_at,
    )


class SqlMembers:
    """The :class:`~reptidex.domain.forums.ports.Members` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _row(self, user_id: uuid.UUID) -> ForumMemberRow | None:
        row: ForumMemberRow | None = await self.session.scalar(
            select(ForumMemberRow).where(ForumMemberRow.user_id == user_id)
        )
        return row

    async def get(self, user_id: uuid.UUID) -> ForumMember | None:
        """The member, if known."""
        row = await self._row(user_id)
        return None if row is None else _member(row)

    async def save(self, member: ForumMember) -> None:
        """Keep or update a member; a taken handle is a Conflict."""
        row = await self._row(member.user_id)
        if row is None:
            row = ForumMemberRow(user_id=member.user_id)
            self.session.add(row)
        row.handle, row.registered_at = member.handle, member.registered_at
        row.first_seen_at = member.first_seen_at
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            # a taken handle, or the same user's first post racing this one
            if member.handle is not None:
                raise Conflict(f"The handle {member.handle!r} is taken.") from None
            raise Conflict("Another request changed the same thing first; try again.") from None

    async def by_handles(self, handles: Collection[str]) -> dict[str, uuid.UUID]:
        """The users holding ``handles``."""
        if not handles:
            return {}
        rows = await self.session.execute(
            select(ForumMemberRow.handle, ForumMemberRow.user_id).where(
                ForumMemberRow.handle.in_(list(handles))
            )
        )
        return {handle: user_id for handle, user_id in rows if handle is not None}

    async def registered(self, user_id: uuid.UUID, at: dt.datetime) -> None:
        """Note the account's registration (the first note wins)."""
        row = await self._row(user_id)
        if row is None:
            self.session.add(ForumMemberRow(user_id=user_id, registered_at=at))
        elif row.registered_at is None:
            row.registered_at = at
        await self.session.flush()
