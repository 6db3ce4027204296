"""A bounded memory of access tokens already verified, so that a client's repeated requests
with one token cost one signature check, not one each.

An entry is kept for at most ``ttl`` seconds (so that a signing key withdrawn from core's JWKS
stops being honoured within that time) and never past the token's own expiry; the least
recently used entries go first when ``size`` is reached. Only tokens that verified are kept:
a refused token is checked again every time.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_SIZE = 4096
DEFAULT_TTL = 60.0


class VerifiedTokens(Generic[T]):
    """Verified tokens and what they said, each until ``min(now + ttl, expires_at)``.

    >>> now = [1000.0]
    >>> memory = VerifiedTokens[str](size=2, ttl=60, clock=lambda: now[0])
    >>> memory.keep("token-a", "alice", expires_at=1030.0)
    >>> memory.get("token-a")
    'alice'
    >>> now[0] = 1031.0  # past the token's expiry
    >>> memory.get("token-a") is None
    True
    """

    def __init__(
        self,
        *,
        size: int = DEFAULT_SIZE,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if size < 1 or ttl <= 0:
            raise ValueError("size must be at least 1 and ttl positive")
        self._size = size
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[T, float]] = OrderedDict()

    def get(self, token: str) -> T | None:
        """What ``token`` verified to, or ``None`` when it is not (or no longer) kept."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        value, until = entry
        if self._clock() >= until:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return value

    def keep(self, token: str, value: T, *, expires_at: float) -> None:
        """Remember that ``token`` verified to ``value``; it expires at ``expires_at``."""
        until = min(self._clock() + self._ttl, expires_at)
        if until <= self._clock():
            return
        self._entries[token] = (value, until)
        self._entries.move_to_end(token)
        while len(self._entries) > self._size:
            del self._entries[next(iter(self._entries))]  # the least recently used

    def clear(self) -> None:
        """Forget every token (after a key rotation, for instance)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
