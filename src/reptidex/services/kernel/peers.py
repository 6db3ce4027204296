"""Calls to other services: timeouts, and the current request id carried on every call."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from reptidex.services.kernel.request_context import REQUEST_ID_HEADER, current_request_id


async def _carry_request_id(request: httpx.Request) -> None:
    request_id = current_request_id.get()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


class PeerClient:
    """An HTTP client for the services this one calls, addressed by service name.

    Built with the service (adapters hold it from the start); its connection pool opens at
    the first call and closes with :meth:`aclose`, after which a call opens a new one.
    """

    def __init__(
        self,
        base_urls: Mapping[str, str],
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_urls = dict(base_urls)
        self._timeout = timeout
        self._transport = transport
        self._pool: httpx.AsyncClient | None = None

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._pool is None:
            self._pool = httpx.AsyncClient(
                timeout=self._timeout,
                transport=self._transport,
                event_hooks={"request": [_carry_request_id]},
            )
        return self._pool

    def url(self, service: str, path: str) -> str:
        """The absolute URL of ``path`` on ``service``."""
        return f"{self.base_urls[service]}{path}"

    async def request(
        self, method: str, service: str, path: str, **kwargs: object
    ) -> httpx.Response:
        """``method`` ``path`` on ``service``."""
        return await self._client.request(method, self.url(service, path), **kwargs)  # type: ignore[arg-type]

    async def get(self, service: str, path: str, **kwargs: object) -> httpx.Response:
        """``GET`` ``path`` on ``service``."""
        return await self._client.get(self.url(service, path), **kwargs)  # type: ignore[arg-type]

    async def post(self, service: str, path: str, **kwargs: object) -> httpx.Response:
        """``POST`` to ``path`` on ``service``."""
        return await self._client.post(self.url(service, path), **kwargs)  # type: ignore[arg-type]

    async def put(self, service: str, path: str, **kwargs: object) -> httpx.Response:
        """``PUT`` ``path`` on ``service``."""
        return await self._client.put(self.url(service, path), **kwargs)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        """Close the connection pool."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.aclose()
