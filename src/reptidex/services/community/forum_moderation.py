"""``/community/forums`` moderation: reports of posts, the moderators' queue, hiding and
restoring posts (making categories, pinning and locking threads are in
:mod:`~reptidex.services.community.forums`). Moderators are the platform
administrators; reporting takes any user's token."""

from __future__ import annotations

import datetime as dt
import uuid

from litestar import Controller, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from reptidex.domain.forums import moderation
from reptidex.services.community.forum_access import (
    MODERATE,
    SECURITY,
    WRITE,
    ForumCaller,
    ForumPosting,
    ForumUnit,
)
from reptidex.services.community.forum_schemas import (
    PostView,
    QueuePage,
    ReasonBody,
    ReportView,
    post_view,
    queue_entry_view,
    report_view,
)
from reptidex.services.community.forums import MODERATORS_ONLY, NOT_FOUND, Limit, Offset


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ForumModerationController(Controller):
    """What moderators do, and reports."""

    path = "/community/forums"
    tags = ("forums",)
    security = SECURITY

    @post(
        "/posts/{post_id:uuid}/reports",
        guards=WRITE,
        summary="Report a post",
        description="Tell the moderators what is wrong with a post (once per post and user: "
        "409 for a second report). Emits `community.post_reported`.",
        responses={**NOT_FOUND, 409: ResponseSpec(None, description="Reported already")},
    )
    async def report(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        forum_posting: ForumPosting,
        post_id: FromPath[uuid.UUID],
        data: JSONBody[ReasonBody],
    ) -> ReportView:
        """Report a post."""
        found = await moderation.report_post(
            forum_uow, forum_posting, forum_actor, post_id, data.reason, _now()
        )
        return report_view(found)

    @get(
        "/moderation/reports",
        guards=MODERATE,
        summary="The moderators' queue",
        description="The reported posts with open reports, the longest waiting first, each "
        "with its reports.",
        responses=MODERATORS_ONLY,
    )
    async def queue(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> QueuePage:
        """The queue."""
        entries, total = await moderation.moderation_queue(
            forum_uow, forum_actor, limit=limit, offset=offset
        )
        return QueuePage([queue_entry_view(e) for e in entries], total, limit, offset)

    @post(
        "/posts/{post_id:uuid}/hide",
        guards=MODERATE,
        status_code=200,
        summary="Hide a post",
        description="Hide a post from its readers (moderators still see it), with a reason; "
        "its open reports are resolved. Emits `community.post_hidden`.",
        responses={**NOT_FOUND, **MODERATORS_ONLY},
    )
    async def hide(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        post_id: FromPath[uuid.UUID],
        data: JSONBody[ReasonBody],
    ) -> PostView:
        """Hide a post."""
        return post_view(
            await moderation.hide_post(forum_uow, forum_actor, post_id, data.reason, _now())
        )

    @post(
        "/posts/{post_id:uuid}/restore",
        guards=MODERATE,
        status_code=200,
        summary="Restore a post",
        description="Show a hidden post again, with a reason (on a visible post: dismiss its "
        "reports); its open reports are resolved. Emits `community.post_restored`.",
        responses={**NOT_FOUND, **MODERATORS_ONLY},
    )
    async def restore(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        post_id: FromPath[uuid.UUID],
        data: JSONBody[ReasonBody],
    ) -> PostView:
        """Restore a post."""
        return post_view(
            await moderation.restore_post(forum_uow, forum_actor, post_id, data.reason, _now())
        )
