"""The organisation's plan from repti-core's ``GET /config/features`` (the caller's token),
remembered per organisation for a minute.

``None`` (no plan restriction applies) when billing is switched off on the platform
(``GET /billing/plans`` says ``billing_enabled: false``; every organisation is on Free then and
could not pay for more). When core is unreachable or answers oddly, or no token comes to ask
with, the plan cannot be told: :class:`~reptidex.domain.errors.PlanUnknown`, so that what a plan
limits is refused (503) rather than allowed; nothing unknown is remembered."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx
import msgspec

from reptidex.adapters.peer_calls import PeerGetter
from reptidex.domain.errors import PlanUnknown

_UNKNOWN = (
    "Your organisation's plan cannot be told just now (repti-core's billing does not answer), "
    "and this needs it; try again in a minute."
)


class FeaturesBody(msgspec.Struct, frozen=True):
    """The part of core's features answer this adapter reads."""

    plan: str


class BillingBody(msgspec.Struct, frozen=True):
    """The part of core's plans answer this adapter reads."""

    billing_enabled: bool


class CorePlanSource:
    """The :class:`~reptidex.domain.media.ports.PlanSource` on repti-core."""

    def __init__(
        self,
        peers: Callable[[], PeerGetter],
        *,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._peers = peers
        self._ttl = ttl
        self._clock = clock
        self._known: dict[uuid.UUID, tuple[float, str]] = {}
        self._billing: tuple[float, bool] | None = None

    async def _billing_enabled(self) -> bool:
        if self._billing is not None and self._clock() - self._billing[0] < self._ttl:
            return self._billing[1]
        try:
            response = await self._peers().get("core", "/billing/plans")
            if response.status_code != 200:
                raise PlanUnknown(_UNKNOWN)
            enabled = msgspec.json.decode(response.content, type=BillingBody).billing_enabled
        except (httpx.HTTPError, msgspec.ValidationError, msgspec.DecodeError):
            raise PlanUnknown(_UNKNOWN) from None
        self._billing = (self._clock(), enabled)
        return enabled

    async def plan_of(self, organisation_id: uuid.UUID, credential: str | None) -> str | None:
        """The organisation's plan code; ``None`` when billing is off (no plan restricts
        anything); :class:`PlanUnknown` when it cannot be told."""
        remembered = self._known.get(organisation_id)
        if remembered is not None and self._clock() - remembered[0] < self._ttl:
            return remembered[1]
        if not await self._billing_enabled():
            return None
        if not credential:
            raise PlanUnknown(_UNKNOWN)
        try:
            response = await self._peers().get(
                "core", "/config/features", headers={"Authorization": f"Bearer {credential}"}
            )
            if response.status_code != 200:
                raise PlanUnknown(_UNKNOWN)
            plan = msgspec.json.decode(response.content, type=FeaturesBody).plan
        except (httpx.HTTPError, msgspec.ValidationError, msgspec.DecodeError):
            raise PlanUnknown(_UNKNOWN) from None
        self._known[organisation_id] = (self._clock(), plan)
        return plan
