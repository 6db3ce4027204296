"""Who may advertise in repti-community, and what the advertising controllers are given.

Members and above of an organisation manage its campaigns; viewers read them and their
reports; another organisation's campaign is not found. Serving, impressions and clicks are
public, bounded and limited per client address.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from litestar import Request

from reptidex.domain.ads.management import Advertiser
from reptidex.domain.ads.ports import AdServing, AdUnitOfWork, CandidateSource, ListingOwners
from reptidex.domain.ads.tokens import TicketSigner
from reptidex.domain.identity.model import Role
from reptidex.services.community.ad_metrics import AdMetrics
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, Principal, requires_role
from reptidex.services.kernel.rate_limits import AddressLimit

READ = [requires_role(Role.VIEWER)]
"""Guards of reading campaigns, credits and reports (viewer or higher)."""
WRITE = [requires_role(Role.MEMBER)]
"""Guards of creating and changing campaigns (member or higher)."""
SECURITY = BEARER


def bearer_of(request: Request[Any, Any, Any]) -> str | None:
    """The raw bearer token of the request, passed on to repti-commerce."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def advertiser_of(principal: Principal, credential: str | None = None) -> Advertiser:
    """The caller as an advertiser of its active organisation."""
    return Advertiser(
        organisation_id=principal.require_organisation(),
        user_id=principal.user_id,
        may_write=principal.has_role(Role.MEMBER) and not principal.is_service,
        credential=credential,
    )


class AdUnits(CandidateSource, Protocol):
    """Opens the advertising units of work, and reads the campaigns a page may show."""

    def open(self, organisation_id: uuid.UUID) -> AbstractAsyncContextManager[AdUnitOfWork]:
        """A unit of work scoped to ``organisation_id``; rolled back unless committed."""
        ...

    def serving(self) -> AbstractAsyncContextManager[AdServing]:
        """A transaction of the ad server; rolled back unless committed."""
        ...


@dataclass(frozen=True, slots=True)
class AdDesk:
    """What the advertising endpoints need: units of work, the listings' owners, the token
    signer, the clock, the public endpoints' per-address limits and the figures on
    ``/metrics``."""

    units: AdUnits
    listings: ListingOwners
    signer: TicketSigner
    clock: Callable[[], dt.datetime]
    serve_limit: AddressLimit
    record_limit: AddressLimit
    metrics: AdMetrics


Ads: TypeAlias = Injected[AdDesk]
"""A handler parameter ``ads``: the advertising desk."""
