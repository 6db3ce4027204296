"""``GET /health`` (the process answers) and ``GET /health/deep`` (every dependency, with timeouts)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Literal

import msgspec
from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import Guard

from reptidex import __version__

DependencyCheck = Callable[[], Awaitable[str | None]]
"""A probe of one dependency: returns an optional detail, raises when the dependency is down."""


class HealthStatus(msgspec.Struct, frozen=True):
    """The liveness answer."""

    status: Literal["ok"]
    service: str
    version: str


class CheckResult(msgspec.Struct, frozen=True):
    """The outcome of probing one dependency."""

    name: str
    status: Literal["ok", "failing"]
    duration_ms: float
    detail: str | None = None


class DeepHealth(msgspec.Struct, frozen=True):
    """The readiness answer: ``ok`` only when every dependency answered in time."""

    status: Literal["ok", "failing"]
    service: str
    version: str
    checks: list[CheckResult]


async def run_check(name: str, check: DependencyCheck, within: float) -> CheckResult:
    """Run one probe, allowing it ``within`` seconds, and report how it went."""
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(check(), within)
        status: Literal["ok", "failing"] = "ok"
    except TimeoutError:
        status, detail = "failing", f"no answer within {within:g} s"
    except Exception as exc:  # a probe reports any failure; it never fails the endpoint
        status, detail = "failing", f"{type(exc).__name__}: {exc}"
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    return CheckResult(name=name, status=status, duration_ms=elapsed, detail=detail)


def health_routes(
    service: str,
    checks: Callable[[], Mapping[str, DependencyCheck]],
    timeout: float,
    guards: Sequence[Guard] = (),
) -> list[HTTPRouteHandler]:
    """The two health endpoints of ``service``; ``checks()`` lists the probes at request time.
    ``guards`` restrict ``/health/deep`` (the kernel's operations access); ``/health`` stays
    open for load balancers."""

    @get(
        "/health",
        tags=["operations"],
        summary="Liveness: the process answers",
        sync_to_thread=False,
    )
    def health() -> HealthStatus:
        return HealthStatus(status="ok", service=service, version=__version__)

    @get(
        "/health/deep",
        tags=["operations"],
        summary="Readiness: database, Redis and peer services",
        description="200 when every dependency answers within the timeout, 503 otherwise.",
        guards=list(guards),
        responses={
            503: ResponseSpec(DeepHealth, description="A dependency is failing or too slow.")
        },
    )
    async def deep_health() -> Response[DeepHealth]:
        probes = checks()
        results = await asyncio.gather(
            *(run_check(name, probe, timeout) for name, probe in probes.items())
        )
        healthy = all(result.status == "ok" for result in results)
        body = DeepHealth(
            status="ok" if healthy else "failing",
            service=service,
            version=__version__,
            checks=list(results),
        )
        return Response(body, status_code=200 if healthy else 503)

    return [health, deep_health]
