"""A webhook receiver for the tests: a small app served on a local port (``threaded_server``)
that keeps every delivery it gets and answers as told, and the check of a delivery's
signature as a receiver runs it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response, post

from reptidex.domain.integrations.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)
from threaded_server import served


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes

    def signed_with(self, secret: str, now: float | None = None) -> bool:
        """Whether its signature checks with ``secret`` as a receiver checks it at ``now``
        (Unix seconds; by default the real time)."""
        return verify_signature(
            secret,
            self.body,
            self.headers[TIMESTAMP_HEADER.lower()],
            self.headers[SIGNATURE_HEADER.lower()],
            now=time.time() if now is None else now,
        )


@dataclass
class Receiver:
    """Keeps what it gets; answers the statuses of ``answers`` in turn (then 200), after
    ``delay`` seconds; a status 3xx comes with a ``Location``."""

    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def app(self) -> Litestar:
        """The receiver's app: ``POST /hook`` (any other path is 404)."""

        @post("/hook", status_code=200)
        async def hook(request: Request[Any, Any, Any]) -> Response[bytes]:
            self.received.append(Received(dict(request.headers), await request.body()))
            if self.delay:
                await asyncio.sleep(self.delay)
            status = self.answers.pop(0) if self.answers else 200
            headers = {"location": "http://127.0.0.1:1/elsewhere"} if 300 <= status < 400 else {}
            return Response(b"ok" * 100_000, status_code=status, headers=headers)

        return Litestar([hook])

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """What it got once it has ``count`` deliveries (fails after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} deliveries came"
            time.sleep(0.02)
        return list(self.received)


@contextlib.contextmanager
def receiving(receiver: Receiver) -> Iterator[str]:
    """``receiver`` served until the block ends; the URL of its hook."""
    with served(receiver.app()) as base:
        yield f"{base}/hook"
