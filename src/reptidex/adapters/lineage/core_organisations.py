"""Organisations' public names from repti-core's ``GET /orgs/{id}/public``, with the media
service's own token, over the kernel's peer client (timeouts, request id).

Names are remembered for five minutes (an unknown organisation for one); when core cannot be
asked the answer is ``None`` and nothing is remembered, so that a certificate prints "-" now
and the name as soon as core answers again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx
import msgspec
import structlog

from reptidex.adapters.peer_calls import PeerGetter, ServiceHeaders

_log = structlog.get_logger(__name__)


class OrganisationBody(msgspec.Struct, frozen=True):
    """Core's ``OrganisationPublicView``."""

    id: uuid.UUID
    name: str


class HttpOrganisationNames:
    """:class:`~reptidex.domain.media.ports.OrganisationNames` on repti-core."""

    def __init__(
        self,
        peers: Callable[[], PeerGetter],
        service_headers: ServiceHeaders,
        *,
        ttl: float = 300.0,
        unknown_ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._peers = peers
        self._service_headers = service_headers
        self._ttl = ttl
        self._unknown_ttl = unknown_ttl
        self._clock = clock
        self._known: dict[uuid.UUID, tuple[float, str | None]] = {}

    async def name_of(self, organisation_id: uuid.UUID) -> str | None:
        """The organisation's name, or ``None`` (unknown, or core not reachable)."""
        now = self._clock()
        remembered = self._known.get(organisation_id)
        if remembered is not None and now < remembered[0]:
            return remembered[1]
        try:
            response = await self._peers().get(
                "core",
                f"/orgs/{organisation_id}/public",
                headers=await self._service_headers(),
            )
        except httpx.HTTPError as exc:
            _log.warning("organisation_name_unavailable", error=type(exc).__name__)
            return None
        if response.status_code == 404:
            self._known[organisation_id] = (now + self._unknown_ttl, None)
            return None
        if response.status_code != 200:
            _log.warning("organisation_name_unavailable", status=response.status_code)
            return None
        try:
            name = msgspec.json.decode(response.content, type=OrganisationBody).name
        except (msgspec.ValidationError, msgspec.DecodeError):
            _log.warning("organisation_name_unreadable")
            return None
        self._known[organisation_id] = (now + self._ttl, name)
        return name
