"""A delivery's POST: its destination checked again (``pin_destination``), then sent to the
address that was checked, with the host's name as ``Host`` and TLS server name; no redirect
followed, no proxy from the environment, no connection reused (two hosts behind one address
never share a connection), every phase and the whole attempt within the timeout, and at
most ``max_response_bytes`` of the answer read."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping

import httpx

from reptidex.domain.integrations.destinations import (
    AddressResolver,
    DestinationRefused,
    pin_destination,
)
from reptidex.domain.integrations.model import AttemptOutcome


class HttpWebhookSender:
    """The :class:`~reptidex.domain.integrations.ports.WebhookSender` over httpx."""

    def __init__(
        self,
        resolver: AddressResolver,
        *,
        allow_local: bool = False,
        timeout: float = 10.0,
        max_response_bytes: int = 64 * 1024,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.resolver = resolver
        self.allow_local = allow_local
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport,
            verify=verify,
        )

    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> AttemptOutcome:
        """POST ``body`` to ``url``; the status and time to the answer, or why none came."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                pinned = await pin_destination(url, self.resolver, allow_local=self.allow_local)
                destination = pinned.destination
                default_port = {"http": 80, "https": 443}[destination.scheme]
                host = destination.host
                shown_host = (
                    host if destination.port == default_port else f"{host}:{destination.port}"
                )
                request = self._client.build_request(
                    "POST",
                    destination.pinned(pinned.address),
                    headers={**headers, "Host": shown_host},
                    content=body,
                    extensions={"sni_hostname": host},
                )
                started = time.perf_counter()
                response = await self._client.send(request, stream=True)
                elapsed = _milliseconds(started)
                try:
                    await self._drain(response)
                finally:
                    await response.aclose()
        except DestinationRefused as exc:
            return AttemptOutcome(error=f"refused: {exc.reason}")
        except (TimeoutError, httpx.TimeoutException):
            return AttemptOutcome(
                response_ms=_milliseconds(started), error=f"no answer within {self.timeout:g} s"
            )
        except httpx.HTTPError as exc:
            return AttemptOutcome(error=f"{type(exc).__name__}: {exc}")
        status = response.status_code
        error = None
        if response.is_redirect:
            error = f"redirected to {response.headers.get('location', '?')!r}: not followed"
        return AttemptOutcome(status_code=status, response_ms=elapsed, error=error)

    async def _drain(self, response: httpx.Response) -> None:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read >= self.max_response_bytes:
                return

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()


def _milliseconds(since: float) -> int:
    return round((time.perf_counter() - since) * 1000)
