"""The rate-limit port: fixed-window counters that identity's use cases and the services'
public endpoints count attempts with."""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    """Fixed-window counters keyed by strings (``login:address:…``, ``genetics:…``)."""

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        """Count one event; return seconds to wait when the count now exceeds ``limit``."""

    async def exceeded(self, key: str, limit: int, window: int) -> int | None:
        """Seconds to wait when ``key`` has already reached ``limit``, without counting."""

    async def reset(self, key: str) -> None:
        """Forget ``key``'s count."""
