"""Who may do what in repti-animal, and what its controllers are given.

The caller's organisation and role, from the shared auth layer, become the domain's
:class:`Actor`. The controllers receive their unit of work by dependency injection (the
composition root, :mod:`~reptidex.services.animal.wiring`, provides it): typed here by the
domain's ports, never by the SQL adapter behind them.
"""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol, TypeAlias

from litestar.di import NamedDependency

from reptidex.domain.animals.het_odds import HetOddsLimits
from reptidex.domain.animals.ports import (
    BreedingUnitOfWork,
    OrganisationDirectory,
    StoredHetOddsUnitOfWork,
    TransferOfferUnitOfWork,
)
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.identity.model import Role
from reptidex.services.animal.predictions import Predictions
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, Principal, requires_role
from reptidex.services.kernel.rate_limits import AddressLimit

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


class CollectionUnitOfWork(
    BreedingUnitOfWork, TransferOfferUnitOfWork, StoredHetOddsUnitOfWork, Protocol
):
    """One transaction of the collection: animals, codes, breeding, husbandry, transfers,
    transfer offers, families and kept het odds, and the outbox; a use case that writes
    commits it."""


class UnitsOfWork(Protocol):
    """Opens units of work on demand (for a handler that reads only in some cases)."""

    def open(
        self, organisation_id: uuid.UUID | None
    ) -> AbstractAsyncContextManager[CollectionUnitOfWork]:
        """A unit of work on a session of its own, scoped to ``organisation_id`` for
        PostgreSQL's row-level security (``None``: only lineage-only and public animals);
        rolled back unless committed."""
        ...


@dataclass(frozen=True, slots=True)
class Genetics:
    """What the genetics endpoints use, as one dependency (each further dependency of a
    handler costs a task group per request: about 60 µs, a fifth of a prediction's time)."""

    predictions: Predictions
    """Where predictions compute: limits, threads of their own, cached answers."""
    limit: AddressLimit
    """The public endpoints' limit per client address."""
    units: UnitsOfWork
    """Units of work for predictions from the caller's animals."""
    het_odds: HetOddsLimits = field(default_factory=HetOddsLimits)
    """How large a family one answer of ``/animals/{id}/het-odds`` computes (on the same
    threads as predictions)."""


CallerActor: TypeAlias = NamedDependency[Actor]
"""A handler parameter ``actor``: the caller as the domain's actor."""
UnitOfWork: TypeAlias = Injected[CollectionUnitOfWork]
"""A handler parameter ``uow``: the request's unit of work, scoped to the caller's
organisation; closed (and rolled back unless a use case committed it) after the handler."""
OnDemandUnitsOfWork: TypeAlias = Injected[UnitsOfWork]
"""A handler parameter ``units``: opens units of work when the handler needs one."""
Organisations: TypeAlias = Injected[OrganisationDirectory]
"""A handler parameter ``organisations``: which organisations exist (repti-core's)."""
GeneticsDependency: TypeAlias = Injected[Genetics]
"""A handler parameter ``genetics``: predictions, the per-address limit, units of work."""
