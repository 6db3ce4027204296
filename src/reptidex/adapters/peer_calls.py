"""What the HTTP adapters that call other ReptiDex services need of the kernel's peer client
(timeouts, the request id passed on): a GET or a POST, and the service's own credentials."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias

import httpx


class PeerGetter(Protocol):
    """The part of the kernel's peer client the adapters use."""

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        """GET ``path`` of ``service``."""
        ...


class PeerPoster(Protocol):
    """The part of the kernel's peer client that posts."""

    async def post(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        """POST to ``path`` of ``service``."""
        ...


ServiceHeaders: TypeAlias = Callable[[], Awaitable[dict[str, str]]]
"""The headers that carry the calling service's own token."""
