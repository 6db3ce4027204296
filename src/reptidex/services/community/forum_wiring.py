"""The forums' adapters, chosen in one place (repti-community's composition root,
:func:`~reptidex.services.community.app.create_app`, calls :func:`build_forums`).

- Units of work: the SQL adapter on a session of the kernel's, scoped to the caller (their
  user id and whether they moderate) for PostgreSQL's row-level security.
- Posting: Markdown rendered by markdown-it-py and sanitised by nh3 on a pool of two threads
  of its own (closed by a lifespan), and the limits counted by the kernel's rate limiter.
- The consumer of repti-core's ``user.registered`` that notes when each account was
  registered (the new-account slow mode counts from it).
- The forums' personal data (GDPR export and erasure), on sessions of the kernel's.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from litestar import Litestar
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.render.post_markdown import SanitisedMarkdown
from reptidex.adapters.sql.community.forum_personal_data import SqlForumPersonalData
from reptidex.adapters.sql.community.forum_registrations import (
    REGISTRATION_EVENT,
    note_registration,
)
from reptidex.adapters.sql.community.forum_unit_of_work import SqlForumUnitOfWork
from reptidex.domain.forums.posting import ForumRules, Posting
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.domain.rate_limits import RateLimiter
from reptidex.services.community.forum_access import provide_forum_actor, provide_forum_reader
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.auth import Principal
from reptidex.services.kernel.cpu_pool import CpuPool

RENDER_WORKERS = 2
"""Threads that render posts."""


class ForumUnits:
    """The forum use cases' units of work, each on a session of its own."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @contextlib.asynccontextmanager
    async def open(
        self, user_id: uuid.UUID | None, *, moderator: bool = False
    ) -> AsyncIterator[SqlForumUnitOfWork]:
        """A unit of work scoped to ``user_id`` (``None``: an anonymous reader); rolled back
        unless committed."""
        async with self._sessions() as session:
            uow = SqlForumUnitOfWork(session)
            await uow.scope(user_id, moderator=moderator)
            yield uow

    async def provide(
        self, optional_principal: NamedDependency[Principal | None]
    ) -> AsyncIterator[SqlForumUnitOfWork]:
        """Dependency ``forum_uow``: the request's unit of work, scoped to the caller."""
        principal = optional_principal
        user_id = None if principal is None else principal.user_id
        moderator = principal is not None and principal.platform_admin
        async with self.open(user_id, moderator=moderator) as uow:
            yield uow


@dataclass(frozen=True, slots=True)
class ForumComponents:
    """What the forum controllers are given, built once per app."""

    units: ForumUnits
    posting: Posting
    renderers: CpuPool
    personal_data: PersonalDataHolder
    """The forums' answer to repti-ops' GDPR requests."""

    def lifespans(self) -> list[Callable[[Litestar], AbstractAsyncContextManager[None]]]:
        """The rendering pool, closed when the app stops."""
        return [self.renderers.lifespan]

    def dependencies(self) -> Mapping[str, Provide]:
        """``forum_actor``, ``forum_reader``, ``forum_uow`` and ``forum_posting``."""
        return {
            "forum_actor": Provide(provide_forum_actor),
            "forum_reader": Provide(provide_forum_reader),
            "forum_uow": Provide(self.units.provide),
            "forum_posting": provide_value(self.posting),
        }


def build_forums(
    kernel: Kernel,
    *,
    rules: ForumRules | None = None,
    rate_limiter: RateLimiter | None = None,
) -> ForumComponents:
    """The forums on ``kernel``, and their subscription to ``user.registered``; ``rules``
    replace the default posting limits, ``rate_limiter`` the kernel's counters."""
    renderers = CpuPool(RENDER_WORKERS, name="reptidex-forum-render")
    kernel.events.subscribe(
        REGISTRATION_EVENT,
        kernel.events.idempotent(note_registration, purpose="forum-members"),
    )
    return ForumComponents(
        units=ForumUnits(kernel.sessions),
        posting=Posting(
            SanitisedMarkdown(),
            renderers.run,
            rate_limiter or kernel.rate_limiter,
            rules or ForumRules(),
        ),
        renderers=renderers,
        personal_data=SqlForumPersonalData(kernel.sessions),
    )
