"""Who may read ``GET /metrics`` and ``GET /health/deep``: an internal network or a token.

Both endpoints tell an attacker much (routes, error rates, pool sizes, which dependency is
down). With neither ``REPTIDEX_OPERATIONS_NETWORKS`` nor ``REPTIDEX_OPERATIONS_TOKEN`` set,
anyone may read them (the embedded default, on the loopback). With either set, a caller is let
in when its address (``X-Forwarded-For`` believed from trusted proxies only) is in one of the
networks, or when it sends ``Authorization: Bearer <operations token>``; any other caller gets
a 403 problem.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from ipaddress import ip_address, ip_network
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from reptidex.domain.errors import PermissionDenied
from reptidex.services.kernel.client_address import ClientAddresses, Network


class OperationsAccess:
    """The guard of the operations endpoints (see the module's docstring)."""

    def __init__(
        self,
        networks: Iterable[str | Network],
        token: str | None,
        addresses: ClientAddresses,
    ) -> None:
        self.networks: tuple[Network, ...] = tuple(ip_network(n, strict=False) for n in networks)
        self._token = token.encode() if token else None
        self._addresses = addresses

    @property
    def restricted(self) -> bool:
        """Whether a network or a token is required (else anyone is let in)."""
        return bool(self.networks) or self._token is not None

    def allows(self, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
        """Whether ``connection`` may read the operations endpoints."""
        if not self.restricted:
            return True
        if self._token is not None:
            scheme, _, credential = connection.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                credential.strip().encode(), self._token
            ):
                return True
        try:
            address = ip_address(self._addresses.of(connection))
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def guard(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        """A Litestar guard: 403 for a caller :meth:`allows` refuses."""
        if not self.allows(connection):
            raise PermissionDenied(
                "This endpoint is for operators: call it from an operations network or with"
                " the operations token ('Authorization: Bearer <token>')."
            )
