"""Who may do what in repti-community, and what its controllers are given.

The caller, verified by the kernel's auth layer, becomes the domain's :class:`Neighbour` (the
``actor`` dependency: a handler that declares it needs a token). Public endpoints (``GET
/search``) declare no caller. The areas' objects reach the controllers as ``Injected[...]``
dependencies the composition root (:mod:`~reptidex.services.community.wiring`) provides,
typed by domain ports or by the desks below, never by adapters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypeAlias

from litestar.di import NamedDependency

from reptidex.domain.community.search.kept_pages import KeptPages
from reptidex.domain.community.search.ports import SearchIndex
from reptidex.domain.community.search.sponsored import Sponsors
from reptidex.domain.identity.model import Role
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, Principal, requires_platform_admin, requires_role

READ = [requires_role(Role.VIEWER)]
"""Guards of a read of the caller's own things (viewer or higher)."""
WRITE = [requires_role(Role.MEMBER)]
"""Guards of writing as one's organisation (member or higher)."""
ADMIN = [requires_role(Role.ADMIN)]
"""Guards of managing the organisation's settings (admin or owner)."""
PLATFORM_ADMIN = [requires_platform_admin()]
"""Guards of the platform's moderators and operators."""
SECURITY = BEARER


@dataclass(frozen=True, slots=True)
class Neighbour:
    """The caller as repti-community's use cases see it: a user, in its active organisation
    (if any) with its role there, or a service."""

    user_id: uuid.UUID | None
    organisation_id: uuid.UUID | None
    role: Role | None
    platform_admin: bool
    is_service: bool

    def has_role(self, role: Role) -> bool:
        """Whether the caller acts in an organisation with ``role`` or a higher one."""
        return self.role is not None and self.role.at_least(role)


def neighbour_of(principal: Principal) -> Neighbour:
    """The domain's view of a verified caller."""
    return Neighbour(
        user_id=None if principal.is_service else principal.user_id,
        organisation_id=principal.organisation_id,
        role=principal.role,
        platform_admin=principal.platform_admin,
        is_service=principal.is_service,
    )


async def provide_actor(principal: NamedDependency[Principal]) -> Neighbour:
    """Dependency ``actor``: the caller (a handler declaring it needs a token)."""
    return neighbour_of(principal)


Actor: TypeAlias = NamedDependency[Neighbour]
"""A handler parameter ``actor``: the verified caller."""


@dataclass(frozen=True, slots=True)
class SearchDesk:
    """What the search endpoints need: the index, advertising for the sponsored slots, and the
    pages of results kept between changes of the index (which read the words with the
    catalogs' gene names)."""

    index: SearchIndex
    sponsors: Sponsors
    pages: KeptPages


Search: TypeAlias = Injected[SearchDesk]
"""The ``search`` dependency."""
