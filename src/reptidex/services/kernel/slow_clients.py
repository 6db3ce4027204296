"""Deadlines that end slow connections (slowloris): one for a request's headers, one for its body.

A client that opens connections and sends its request a byte at a time would otherwise hold
each connection, and the server's memory for it, for as long as it likes. Three limits end it:

- **headers** (``REPTIDEX_HEADER_TIMEOUT``): :class:`HeaderDeadlineProtocol`, uvicorn's h11
  protocol with a timer from the first byte of a request (or from the connection's opening)
  until its headers are complete; when it fires, the connection is closed. The headers are
  also bounded in size (:data:`MAX_HEADER_BYTES`, h11's limit of an incomplete event: a
  larger head gets a 400).
- **idle keep-alive** (``REPTIDEX_KEEP_ALIVE_TIMEOUT``): uvicorn's own ``timeout_keep_alive``.
- **body** (``REPTIDEX_BODY_TIMEOUT``): :class:`BodyDeadline`, an ASGI wrapper that gives the
  application's reads of the body until the deadline (counted from the headers' arrival);
  a read past it raises :class:`RequestBodyTimeout`, which answers a 408 problem with
  ``Connection: close``. Reads after the body is complete (waiting for a disconnect, as a
  stream does) have no deadline.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEADER_BYTES = 16 * 1024
"""The largest request line and headers a service reads (h11's incomplete-event limit)."""


class RequestBodyTimeout(HTTPException):
    """The client did not send the request's body in time (HTTP 408, connection closed)."""

    status_code = 408

    def __init__(self, seconds: float) -> None:
        super().__init__(
            detail=f"The request body did not arrive within {seconds:g} s.",
            headers={"Connection": "close"},
        )


class BodyDeadline:
    """ASGI wrapper: the body of each HTTP request must arrive within ``seconds``."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        deadline = time.monotonic() + self.seconds
        body_done = False

        async def receive_in_time() -> ReceiveMessage:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0))
            except TimeoutError:
                raise RequestBodyTimeout(self.seconds) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, receive_in_time, send)


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol that closes a connection whose request headers take longer than
    :attr:`header_timeout` seconds (use :func:`header_deadline_protocol` to set it)."""

    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Open the connection; its first request's headers are due within the deadline."""
        super().connection_made(transport)
        self._start_header_timer()

    def data_received(self, data: bytes) -> None:
        """Feed h11; stop the timer once a request is under way, start it for the next one."""
        super().data_received(data)
        if self._request_under_way():
            self._stop_header_timer()
        elif self._header_timer is None and not self.transport.is_closing():
            self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the timer with the connection."""
        self._stop_header_timer()
        super().connection_lost(exc)

    def _request_under_way(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _start_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self._request_under_way() and not self.transport.is_closing():
            self.transport.close()


def header_deadline_protocol(header_timeout: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class for uvicorn's ``http`` option, with ``header_timeout`` seconds."""
    return type(
        "HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout": header_timeout}
    )
