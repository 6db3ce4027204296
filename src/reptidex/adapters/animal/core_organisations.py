"""Whether an organisation exists, from repti-core's ``GET /orgs/{id}/public`` with repti-animal's
own service token, over the kernel's peer client (timeouts, request id).

200 is an organisation, 404 none; anything else, or no answer (core, or its service token,
unreachable), is :class:`~reptidex.domain.animals.ports.OrganisationsUnavailable`: the offer
waits rather than going to an organisation nobody could confirm. Nothing is remembered, so an
organisation made a moment ago is found at once (offers are few).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import structlog

from reptidex.adapters.peer_calls import PeerGetter, ServiceHeaders
from reptidex.domain.animals.ports import OrganisationsUnavailable

_log = structlog.get_logger(__name__)

UNAVAILABLE = "repti-core could not confirm the organisation just now; try again shortly."


class HttpOrganisationDirectory:
    """:class:`~reptidex.domain.animals.ports.OrganisationDirectory` on repti-core."""

    def __init__(self, peers: Callable[[], PeerGetter], service_headers: ServiceHeaders) -> None:
        self._peers = peers
        self._service_headers = service_headers

    async def exists(self, organisation_id: uuid.UUID) -> bool:
        """Whether repti-core knows the organisation."""
        try:
            response = await self._peers().get(
                "core",
                f"/orgs/{organisation_id}/public",
                headers=await self._service_headers(),
            )
        except (httpx.HTTPError, KeyError, ValueError) as exc:  # the call, or the token's
            _log.warning("organisation_check_unavailable", error=type(exc).__name__)
            raise OrganisationsUnavailable(UNAVAILABLE) from None
        if response.status_code == 200:
            return True
        if response.status_code == 404:
            return False
        _log.warning("organisation_check_unavailable", status=response.status_code)
        raise OrganisationsUnavailable(UNAVAILABLE)
