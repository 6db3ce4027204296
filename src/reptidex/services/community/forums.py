"""``/community/forums``: categories, threads and posts; reading is public (public categories
without a token), writing takes a user's token."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.forums import engagement, moderation, reading, writing
from reptidex.domain.forums.model import CategorySummary, ReactionKind
from reptidex.services.community.forum_access import (
    MODERATE,
    SECURITY,
    WRITE,
    ForumCaller,
    ForumPosting,
    ForumReaderOf,
    ForumUnit,
)
from reptidex.services.community.forum_schemas import (
    CategoryBody,
    CategoryList,
    CategoryView,
    FollowView,
    HandleBody,
    MemberView,
    PostBody,
    PostView,
    ReactionsView,
    RevisionView,
    StartedThread,
    ThreadBody,
    ThreadModerationBody,
    ThreadPage,
    ThreadReadingView,
    ThreadView,
    category_view,
    member_view,
    post_reading_view,
    post_view,
    revision_view,
    thread_summary_view,
    thread_view,
)

MAX_PAGE = 100
Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_PAGE, description=f"Items per page (1-{MAX_PAGE}).")
]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="Items to skip.")]
NOT_FOUND = {404: ResponseSpec(None, description="No such thing the caller may read")}
MODERATORS_ONLY = {403: ResponseSpec(None, description="Not a platform administrator")}
LIMITED = {429: ResponseSpec(None, description="Posting limit or new-account slow mode")}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ForumController(Controller):
    """Categories, threads and posts; making categories, pinning and locking threads."""

    path = "/community/forums"
    tags = ("forums",)

    @get(
        "",
        summary="List the forums",
        description="The categories the caller may read, in their order, with their thread "
        "counts: public ones without a token, all of them with a user's token.",
    )
    async def categories(self, forum_reader: ForumReaderOf, forum_uow: ForumUnit) -> CategoryList:
        """The categories."""
        found = await reading.categories(forum_uow, forum_reader)
        return CategoryList([category_view(c) for c in found])

    @get(
        "/{slug:str}",
        summary="List a forum's threads",
        description="A page of the category's threads, pinned first, then by their latest "
        "post; counts leave hidden posts out (but for moderators). 404 for a category the "
        "caller may not read.",
        responses=NOT_FOUND,
    )
    async def threads(
        self,
        forum_reader: ForumReaderOf,
        forum_uow: ForumUnit,
        slug: FromPath[str],
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> ThreadPage:
        """A page of threads."""
        category, page, total = await reading.threads(
            forum_uow, forum_reader, slug, limit=limit, offset=offset
        )
        return ThreadPage(
            category_view(CategorySummary(category, total)),
            [thread_summary_view(s) for s in page],
            total,
            limit,
            offset,
        )

    @post(
        "/{slug:str}/threads",
        guards=WRITE,
        security=SECURITY,
        summary="Open a thread",
        description="A thread with its first post (Markdown, rendered to sanitised HTML). The "
        "author follows it. Emits `community.thread_created` and `community.post_created`. "
        "429 past the posting limit or the new-account slow mode.",
        responses={**NOT_FOUND, **LIMITED},
    )
    async def start(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        forum_posting: ForumPosting,
        slug: FromPath[str],
        data: JSONBody[ThreadBody],
    ) -> StartedThread:
        """Open a thread."""
        thread, first = await writing.start_thread(
            forum_uow, forum_posting, forum_actor, slug, data.title, data.body, _now()
        )
        return StartedThread(thread_view(thread), post_view(first))

    @get(
        "/threads/{thread_id:uuid}",
        summary="Read a thread",
        description="The thread and a page of its posts, oldest first, with reaction counts; "
        "hidden posts are left out (moderators see them, with why). 404 for a thread the "
        "caller may not read, or whose opening post is hidden.",
        responses=NOT_FOUND,
    )
    async def thread(
        self,
        forum_reader: ForumReaderOf,
        forum_uow: ForumUnit,
        thread_id: FromPath[uuid.UUID],
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ThreadReadingView:
        """A thread and its posts."""
        found = await reading.thread(forum_uow, forum_reader, thread_id, limit=limit, offset=offset)
        return ThreadReadingView(
            thread_view(found.thread),
            found.category.slug,
            found.following,
            [post_reading_view(p) for p in found.posts],
            found.total,
            limit,
            offset,
        )

    @post(
        "/threads/{thread_id:uuid}/posts",
        guards=WRITE,
        security=SECURITY,
        summary="Reply to a thread",
        description="A post (Markdown, rendered to sanitised HTML); the replier follows the "
        "thread. Emits `community.post_created` with the thread's other followers. 409 for a "
        "locked thread (moderators may still reply); 429 past the posting limits.",
        responses={
            **NOT_FOUND,
            **LIMITED,
            409: ResponseSpec(None, description="The thread is locked"),
        },
    )
    async def reply(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        forum_posting: ForumPosting,
        thread_id: FromPath[uuid.UUID],
        data: JSONBody[PostBody],
    ) -> PostView:
        """Reply."""
        created = await writing.reply(
            forum_uow, forum_posting, forum_actor, thread_id, data.body, _now()
        )
        return post_view(created)

    @put(
        "/threads/{thread_id:uuid}/follow",
        guards=WRITE,
        security=SECURITY,
        summary="Follow a thread",
        description="Hear about its new posts (`community.post_created` names its followers).",
        responses=NOT_FOUND,
    )
    async def follow(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        forum_posting: ForumPosting,
        thread_id: FromPath[uuid.UUID],
    ) -> FollowView:
        """Follow."""
        following = await engagement.follow_thread(
            forum_uow, forum_posting, forum_actor, thread_id, following=True
        )
        return FollowView(thread_id, following)

    @delete(
        "/threads/{thread_id:uuid}/follow",
        guards=WRITE,
        security=SECURITY,
        status_code=200,
        summary="Stop following a thread",
        responses=NOT_FOUND,
    )
    async def unfollow(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        forum_posting: ForumPosting,
        thread_id: FromPath[uuid.UUID],
    ) -> FollowView:
        """Stop following."""
        following = await engagement.follow_thread(
            forum_uow, forum_posting, forum_actor, thread_id, following=False
        )
        return FollowView(thread_id, following)

    @patch(
        "/posts/{post_id:uuid}",
        guards=WRITE,
        security=SECURITY,
        summary="Edit your post",
        description="Replace the text of the caller's own post; the text it replaces is kept "
        "(`GET .../revisions`) and `edited_at` set. Emits `community.post_edited`. 403 for "
        "another user's post; 409 in a locked thread.",
        responses={
            **NOT_FOUND,
            **LIMITED,
            403: ResponseSpec(None, description="Another user's post"),
            409: ResponseSpec(None, description="The thread is locked"),
        },
    )
    async def edit(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        forum_posting: ForumPosting,
        post_id: FromPath[uuid.UUID],
        data: JSONBody[PostBody],
    ) -> PostView:
        """Edit a post."""
        edited = await writing.edit_post(
            forum_uow, forum_posting, forum_actor, post_id, data.body, _now()
        )
        return post_view(edited)

    @get(
        "/posts/{post_id:uuid}/revisions",
        guards=WRITE,
        security=SECURITY,
        summary="A post's edit history",
        description="The texts the post had before each edit, oldest first: for its author "
        "and moderators (403 for others).",
        responses={**NOT_FOUND, 403: ResponseSpec(None, description="Another user's post")},
    )
    async def revisions(
        self, forum_actor: ForumCaller, forum_uow: ForumUnit, post_id: FromPath[uuid.UUID]
    ) -> list[RevisionView]:
        """A post's history."""
        found = await writing.post_history(forum_uow, forum_actor, post_id)
        return [revision_view(r) for r in found]

    @put(
        "/posts/{post_id:uuid}/reactions/{kind:str}",
        guards=WRITE,
        security=SECURITY,
        summary="React to a post",
        description="Give the post a reaction of one kind (`like`, `helpful`, `thanks`, "
        "`funny`, `wow`); once per user and kind (again changes nothing). The post's counts.",
        responses=NOT_FOUND,
    )
    async def react(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        forum_posting: ForumPosting,
        post_id: FromPath[uuid.UUID],
        kind: FromPath[ReactionKind],
    ) -> ReactionsView:
        """React."""
        counts = await engagement.react(
            forum_uow, forum_posting, forum_actor, post_id, kind, present=True
        )
        return ReactionsView(post_id, {k.value: n for k, n in counts.items()})

    @delete(
        "/posts/{post_id:uuid}/reactions/{kind:str}",
        guards=WRITE,
        security=SECURITY,
        status_code=200,
        summary="Take a reaction back",
        responses=NOT_FOUND,
    )
    async def unreact(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        forum_posting: ForumPosting,
        post_id: FromPath[uuid.UUID],
        kind: FromPath[ReactionKind],
    ) -> ReactionsView:
        """Take a reaction back."""
        counts = await engagement.react(
            forum_uow, forum_posting, forum_actor, post_id, kind, present=False
        )
        return ReactionsView(post_id, {k.value: n for k, n in counts.items()})

    @put(
        "/members/me",
        guards=WRITE,
        security=SECURITY,
        summary="Choose your handle",
        description="The handle others mention the caller by (`@handle`): 3 to 30 letters, "
        "digits and underscores, starting with a letter, kept in lower case. 409 when "
        "someone else holds it.",
        responses={409: ResponseSpec(None, description="The handle is taken")},
    )
    async def handle(
        self, forum_actor: ForumCaller, forum_uow: ForumUnit, data: JSONBody[HandleBody]
    ) -> MemberView:
        """Choose a handle."""
        return member_view(await engagement.choose_handle(forum_uow, forum_actor, data.handle))

    @post(
        "",
        guards=MODERATE,
        security=SECURITY,
        summary="Make a forum",
        description="A category (platform administrators): its slug (lower-case words joined "
        "by hyphens; `threads`, `posts`, `moderation` and `members` are reserved), name, "
        "description, whether anonymous readers see it, and its position. 409 for a taken "
        "slug.",
        responses={**MODERATORS_ONLY, 409: ResponseSpec(None, description="Slug taken")},
    )
    async def create_category(
        self, forum_actor: ForumCaller, forum_uow: ForumUnit, data: JSONBody[CategoryBody]
    ) -> CategoryView:
        """Make a category."""
        category = await writing.create_category(
            forum_uow,
            forum_actor,
            slug=data.slug,
            name=data.name,
            description=data.description,
            public=data.public,
            position=data.position,
            now=_now(),
        )
        return category_view(CategorySummary(category, 0))

    @patch(
        "/threads/{thread_id:uuid}",
        guards=MODERATE,
        security=SECURITY,
        summary="Pin or lock a thread",
        description="Pin (listed first) or lock (no more replies or edits but from "
        "moderators) a thread, or undo either. Emits `community.thread_moderated`.",
        responses={**NOT_FOUND, **MODERATORS_ONLY},
    )
    async def moderate_thread(
        self,
        forum_actor: ForumCaller,
        forum_uow: ForumUnit,
        thread_id: FromPath[uuid.UUID],
        data: JSONBody[ThreadModerationBody],
    ) -> ThreadView:
        """Pin or lock."""
        thread = await moderation.moderate_thread(
            forum_uow, forum_actor, thread_id, pinned=data.pinned, locked=data.locked, now=_now()
        )
        return thread_view(thread)
