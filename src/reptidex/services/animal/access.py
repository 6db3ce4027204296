"""Who may do what in repti-animal: the caller's organisation and role, from the shared auth
layer, turned into the domain's :class:`Actor`; and the unit of work of the request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.unit_of_work import SqlAnimalUnitOfWork
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.identity.model import Role
from reptidex.services.kernel.app import resources_of
from reptidex.services.kernel.auth import BEARER, Principal, requires_role

READ = [requires_role(Role.VIEWER)]
"""Guards of a read of the caller's collection (viewer or higher)."""
READ_OR_SERVICE = [requires_role(Role.VIEWER, allow_services=True)]
"""Guards of a read that other services may make too (as a caller of no organisation)."""
WRITE = [requires_role(Role.MEMBER)]
"""Guards of a change to the caller's collection (member or higher)."""
SECURITY = BEARER


def actor_of(principal: Principal) -> Actor:
    """The domain's actor for a verified caller (its active organisation, its rights)."""
    return Actor(
        organisation_id=principal.require_organisation(),
        user_id=principal.user_id,
        may_write=principal.has_role(Role.MEMBER),
    )


def viewer_of(principal: Principal) -> Actor | None:
    """The actor of a read: a user's as :func:`actor_of`; ``None`` for a service, which acts
    for no organisation and sees what any other organisation may see."""
    return None if principal.is_service else actor_of(principal)


async def provide_actor(principal: NamedDependency[Principal]) -> Actor:
    """Dependency ``actor``."""
    return actor_of(principal)


async def provide_uow(
    db_session: NamedDependency[AsyncSession],
    optional_principal: NamedDependency[Principal | None],
) -> SqlAnimalUnitOfWork:
    """Dependency ``uow``: the request's transaction (committed by the kernel on 2xx), scoped
    to the caller's organisation for PostgreSQL's row-level security."""
    uow = SqlAnimalUnitOfWork(db_session)
    if optional_principal is not None and optional_principal.organisation_id is not None:
        await uow.bind_organisation(optional_principal.organisation_id)
    return uow


@asynccontextmanager
async def read_only_uow(
    app: Litestar, principal: Principal | None
) -> AsyncIterator[SqlAnimalUnitOfWork]:
    """A unit of work on a session of its own, for a handler that reads only in some cases
    (so that its other cases need no session at all); scoped to the caller's organisation
    (without a caller, row-level security shows only lineage-only and public animals)."""
    async with AsyncSession(resources_of(app).engine, expire_on_commit=False) as session:
        uow = SqlAnimalUnitOfWork(session)
        if principal is not None and principal.organisation_id is not None:
            await uow.bind_organisation(principal.organisation_id)
        yield uow


CallerActor = NamedDependency[Actor]
"""A handler parameter ``actor``: the caller as the domain's actor."""
UnitOfWork = NamedDependency[SqlAnimalUnitOfWork]
"""A handler parameter ``uow``: the request's unit of work."""

DEPENDENCIES = {"actor": Provide(provide_actor), "uow": Provide(provide_uow)}
