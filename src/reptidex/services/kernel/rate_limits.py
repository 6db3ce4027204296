"""Rate limits of public endpoints, per client address.

Every service counts through the kernel's one limiter (``Kernel.rate_limiter``: Redis when
``REPTIDEX_REDIS_URL`` is set, shared by the replicas; this process's memory without Redis or
while it does not answer) and keys by the real client address (``client_address``:
``X-Forwarded-For`` believed from ``REPTIDEX_TRUSTED_PROXIES`` only). Identity's use cases
count logins and registrations through the same limiter; a public endpoint is given an
:class:`AddressLimit` by dependency injection and checks each request against it::

    await genetics.limit.check(request)
"""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from reptidex.domain.errors import RateLimited
from reptidex.domain.rate_limits import RateLimiter
from reptidex.services.kernel.client_address import ClientAddresses

ClientAddress: TypeAlias = NamedDependency[str]
"""A handler parameter ``client_address``: the request's client address (the kernel's
dependency; ``X-Forwarded-For`` believed from ``REPTIDEX_TRUSTED_PROXIES`` only)."""


class AddressLimit:
    """At most ``limit`` requests per ``window`` seconds from one client address (``limit`` 0:
    no limit), the address read by ``addresses``; ``name`` keeps its counters apart from other
    limits'."""

    def __init__(
        self,
        name: str,
        limit: int,
        limiter: RateLimiter,
        addresses: ClientAddresses,
        window: int = 60,
    ) -> None:
        self.name = name
        self.limit = limit
        self.window = window
        self._limiter = limiter
        self._addresses = addresses

    async def check(self, request: ASGIConnection[Any, Any, Any, Any]) -> None:
        """Count ``request``; :class:`RateLimited` (HTTP 429) past the limit."""
        await self.check_address(self._addresses.of(request))

    async def check_address(self, address: str) -> None:
        """Count a request from ``address``; :class:`RateLimited` (HTTP 429) past the limit."""
        if self.limit <= 0:
            return
        retry_after = await self._limiter.hit(f"{self.name}:{address}", self.limit, self.window)
        if retry_after is not None:
            raise RateLimited(
                f"At most {self.limit} requests per {self.window} s from one address; "
                f"try again in {retry_after} s.",
                retry_after=retry_after,
            )
