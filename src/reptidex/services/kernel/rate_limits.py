"""Rate limits of public endpoints, per client address.

Every service counts through the kernel's one limiter (``Kernel.rate_limiter``: Redis when
``REPTIDEX_REDIS_URL`` is set, shared by the replicas; this process's memory without Redis or
while it does not answer) and keys by the real client address (``client_address``:
``X-Forwarded-For`` believed from ``REPTIDEX_TRUSTED_PROXIES`` only). Identity's use cases
count logins and registrations through the same limiter; a public endpoint takes an
:class:`AddressLimit` by dependency injection::

    async def predict(self, genetics_limit: GeneticsLimit, client_address: ClientAddress) -> ...:
        await genetics_limit.check(client_address)
"""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency

from reptidex.domain.errors import RateLimited
from reptidex.domain.rate_limits import RateLimiter

ClientAddress: TypeAlias = NamedDependency[str]
"""A handler parameter ``client_address``: the request's client address (the kernel's
dependency; ``X-Forwarded-For`` believed from ``REPTIDEX_TRUSTED_PROXIES`` only)."""


class AddressLimit:
    """At most ``limit`` requests per ``window`` seconds from one client address (``limit`` 0:
    no limit); ``name`` keeps its counters apart from other limits'."""

    def __init__(self, name: str, limit: int, limiter: RateLimiter, window: int = 60) -> None:
        self.name = name
        self.limit = limit
        self.window = window
        self._limiter = limiter

    async def check(self, address: str) -> None:
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
