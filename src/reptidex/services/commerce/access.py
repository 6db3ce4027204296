"""Who may do what in repti-commerce, and what its controllers are given.

The caller's organisation and role, from the shared auth layer, become the domain's
:class:`~reptidex.domain.commerce.members.Member`. The controllers receive their unit of work,
the animal catalogue and the marketplace's terms by dependency injection (the composition
root, :mod:`~reptidex.services.commerce.wiring`, provides them): typed here by the domain's
ports, never by the adapters behind them.
"""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from litestar import Request
from litestar.di import NamedDependency

from reptidex.domain.commerce.inquiries import InquiryUnitOfWork
from reptidex.domain.commerce.inventory_ports import InventoryUnitOfWork
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.ports import AnimalCatalogue, CommerceUnitOfWork
from reptidex.domain.identity.model import Role
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, Principal, requires_role

READ = [requires_role(Role.VIEWER)]
"""Guards of a read of the caller's listings and orders (viewer or higher)."""
WRITE = [requires_role(Role.MEMBER)]
"""Guards of selling, buying and moving orders (member or higher)."""
SECURITY = BEARER


def member_of(principal: Principal) -> Member:
    """The domain's member for a verified user (its active organisation, its rights)."""
    return Member(
        organisation_id=principal.require_organisation(),
        user_id=principal.user_id,
        may_write=principal.has_role(Role.MEMBER),
    )


async def provide_member(principal: NamedDependency[Principal]) -> Member:
    """Dependency ``member``."""
    return member_of(principal)


def bearer_of(request: Request[Any, Any, Any]) -> str | None:
    """The raw bearer token of the request, passed on to repti-animal."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class CommerceUnits(Protocol):
    """Opens units of work on demand (for a handler that calls another service first)."""

    def open(
        self, organisation_id: uuid.UUID | None
    ) -> AbstractAsyncContextManager[CommerceUnitOfWork]:
        """A unit of work on a session of its own, scoped to ``organisation_id`` for
        PostgreSQL's row-level security (``None``: public listings only); rolled back unless
        committed."""
        ...


@dataclass(frozen=True, slots=True)
class MarketplaceTerms:
    """The platform's terms of sale."""

    fee_basis_points: int = 0
    """The platform's fee on each sale, in hundredths of a percent of the price."""


CallerMember: TypeAlias = NamedDependency[Member]
"""A handler parameter ``member``: the caller as the domain's member."""
UnitOfWork: TypeAlias = Injected[CommerceUnitOfWork]
"""A handler parameter ``uow``: the request's unit of work, scoped to the caller's organisation
(none without a token); closed (and rolled back unless a use case committed it) after the
handler."""
OnDemandUnits: TypeAlias = Injected[CommerceUnits]
"""A handler parameter ``units``: opens units of work when the handler needs one."""
Catalogue: TypeAlias = Injected[AnimalCatalogue]
"""A handler parameter ``catalogue``: the sellers' animals (repti-animal)."""


class BrowsingUnitOfWork(CommerceUnitOfWork, InquiryUnitOfWork, Protocol):
    """The request's unit of work as listings, inquiries and views use it."""


Browsing: TypeAlias = Injected[BrowsingUnitOfWork]
"""A handler parameter ``uow`` (the request's unit of work) that also counts views and keeps
inquiries."""
Stockroom: TypeAlias = Injected[InventoryUnitOfWork]
"""A handler parameter ``uow`` (the request's unit of work) as the inventory uses it:
supplies, reservations and a breeder's listings by state."""
Terms: TypeAlias = Injected[MarketplaceTerms]
"""A handler parameter ``terms``: the platform's terms of sale."""
