"""Who may do what in the forums, and what their controllers are given.

- Reading: anyone; without a token, public categories only. A token that is sent must be
  valid.
- Writing (threads, replies, edits, reactions, follows, reports, handles): a user's token,
  verified (repti-core signs tokens for accounts whose e-mail address is verified); service
  tokens are refused.
- Moderating (categories, pinning, locking, the report queue, hiding, restoring): the
  platform administrators (``platform_admin`` in the token; repti-core has no narrower
  moderator role).
"""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency

from reptidex.domain.forums.model import ANONYMOUS, ForumActor, ForumReader
from reptidex.domain.forums.ports import ForumUnitOfWork
from reptidex.domain.forums.posting import Posting
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, Principal, requires_platform_admin, requires_user

WRITE = [requires_user]
"""Guards of writing in the forums: a user's token."""
MODERATE = [requires_platform_admin()]
"""Guards of moderating: a platform administrator's token."""
SECURITY = BEARER


def forum_actor_of(principal: Principal) -> ForumActor:
    """The domain's actor for a verified user."""
    return ForumActor(principal.require_user(), moderator=principal.platform_admin)


def forum_reader_of(principal: Principal | None) -> ForumReader:
    """The domain's reader: anonymous without a token (or with a service's)."""
    if principal is None or principal.user_id is None:
        return ANONYMOUS
    return ForumReader(principal.user_id, principal.platform_admin)


async def provide_forum_actor(principal: NamedDependency[Principal]) -> ForumActor:
    """Dependency ``forum_actor``."""
    return forum_actor_of(principal)


async def provide_forum_reader(
    optional_principal: NamedDependency[Principal | None],
) -> ForumReader:
    """Dependency ``forum_reader``."""
    return forum_reader_of(optional_principal)


ForumCaller: TypeAlias = NamedDependency[ForumActor]
"""A handler parameter ``forum_actor``: the writing user."""
ForumReaderOf: TypeAlias = NamedDependency[ForumReader]
"""A handler parameter ``forum_reader``: who reads (anonymous without a token)."""
ForumUnit: TypeAlias = Injected[ForumUnitOfWork]
"""A handler parameter ``forum_uow``: the request's unit of work, scoped to the caller for
PostgreSQL's row-level security; rolled back unless a use case committed it."""
ForumPosting: TypeAlias = Injected[Posting]
"""A handler parameter ``forum_posting``: the renderer and the posting limits."""
