"""Stand-ins of the five other services' ``GET /health/deep`` for the monitoring tests: one
real HTTP server (uvicorn, in a thread) answering ``/<service>/health/deep`` as each
service's mode says, and recording the headers of every request."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.params import FromPath

from platform_process import free_port
from reptidex.services.kernel.peers import PeerClient
from threaded_server import served

PEERS = ("core", "animal", "commerce", "media", "community")
LEAKED = "postgresql+asyncpg://app:hunter2@db:5432/repti_core_db"
"""A secret a stand-in puts in a check's detail (``leaky`` mode)."""
HANG = 3.0
"""Seconds a ``hang`` stand-in holds its answer."""


def deep(service: str, failing: str | None = None, detail: str | None = None) -> dict[str, Any]:
    """A ``/health/deep`` body: database, redis and events, ``failing`` one failing."""
    checks = [
        {
            "name": name,
            "status": "failing" if name == failing else "ok",
            "duration_ms": 1.5,
            "detail": detail if name == failing else "fine",
        }
        for name in ("database", "redis", "events")
    ]
    return {
        "status": "failing" if failing else "ok",
        "service": service,
        "version": "0",
        "checks": checks,
    }


@dataclass
class StandIns:
    """The stand-ins' modes (``ok``, ``database``, ``redis``, ``slow``, ``hang``, ``500``,
    ``garbage``, ``leaky``), the headers each received, and their base URL."""

    url: str = ""
    modes: dict[str, str] = field(default_factory=lambda: dict.fromkeys(PEERS, "ok"))
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    """Services that refuse connections (their URL is a port nothing listens on)."""

    def calls(self, service: str) -> int:
        """How many probes ``service`` received."""
        return sum(1 for name, _ in self.seen if name == service)

    def peers(self, timeout: float = 30.0) -> PeerClient:
        """A peer client that reaches the stand-ins (a refusing one on a dead port)."""
        dead = f"http://127.0.0.1:{free_port()}"
        return PeerClient(
            {s: dead if s in self.refused else f"{self.url}/{s}" for s in PEERS}, timeout
        )

    def app(self) -> Litestar:
        @get("/{service:str}/health/deep")
        async def health_deep(
            service: FromPath[str], request: Request[Any, Any, Any]
        ) -> Response[Any]:
            self.seen.append((service, dict(request.headers)))
            mode = self.modes[service]
            if mode == "hang":
                await asyncio.sleep(HANG)
            if mode == "slow":
                await asyncio.sleep(0.3)
            if mode == "500":
                return Response({"status": 500, "title": "boom"}, status_code=500)
            if mode == "garbage":
                return Response("hello", media_type="text/plain")
            if mode in ("database", "redis"):
                return Response(deep(service, mode, "refused"), status_code=503)
            if mode == "leaky":
                return Response(deep(service, "redis", f"cannot reach {LEAKED}"), status_code=503)
            return Response(deep(service))

        return Litestar([health_deep])


@contextlib.contextmanager
def stand_ins() -> Iterator[StandIns]:
    """The stand-ins, served until the block ends."""
    stand = StandIns()
    with served(stand.app()) as url:
        stand.url = url
        yield stand
