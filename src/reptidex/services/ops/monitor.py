"""The platform's status for ``GET /monitoring/health``: every service's ``/health/deep``
asked side by side, each within a timeout, graded (``domain/monitoring/status.py``), kept for
a few seconds and shared by the requests that arrive meanwhile; and the sampler that counts
each service's uptime per day while ops runs (``docs/ops.md``, monitoring)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx
import msgspec

from reptidex.domain.monitoring.status import (
    DependencyState,
    Light,
    ServiceProbe,
    grade,
    worst,
)
from reptidex.domain.monitoring.uptime import UptimeLog, record_sample
from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.health import DeepHealth, DependencyCheck, run_check
from reptidex.services.kernel.logging import get_logger
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.redaction import redact_text

MAX_ERROR = 200
"""The longest error or detail text kept from a service (longer ones are cut)."""

_log = get_logger("reptidex.monitoring")


@dataclass(frozen=True, slots=True)
class GradedService:
    """A service's probe and its grade."""

    probe: ServiceProbe
    light: Light


@dataclass(frozen=True, slots=True)
class PlatformStatus:
    """The platform's grade (the worst of its services'), when it was taken, and each
    service's."""

    light: Light
    checked_at: dt.datetime
    services: tuple[GradedService, ...]


def _clean(text: str | None) -> str | None:
    """``text`` with secrets masked and cut to :data:`MAX_ERROR` characters."""
    return None if text is None else redact_text(text)[:MAX_ERROR]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PlatformProbe:
    """Asks every service's deep health, each within ``timeout`` seconds: the others over
    HTTP (with the operations token when one is set, which their ``/health/deep`` asks for),
    ops' own ``own_checks`` in this process, each check within ``check_timeout`` as its
    ``/health/deep`` would run it."""

    def __init__(
        self,
        peers: Callable[[], PeerClient],
        own_checks: Callable[[], Mapping[str, DependencyCheck]],
        *,
        timeout: float,
        check_timeout: float,
        slow_ms: float,
        operations_token: str | None = None,
        clock: Callable[[], dt.datetime] = _utc_now,
        services: Sequence[str] = SERVICE_NAMES,
    ) -> None:
        self._peers = peers
        self._own_checks = own_checks
        self.timeout = timeout
        self._check_timeout = check_timeout
        self._slow_ms = slow_ms
        self._headers = {"Authorization": f"Bearer {operations_token}"} if operations_token else {}
        self._clock = clock
        self.services = tuple(services)

    async def __call__(self) -> PlatformStatus:
        """The platform's status now."""
        checked_at = self._clock()
        probes = await asyncio.gather(*(self._probe(s, checked_at) for s in self.services))
        graded = tuple(GradedService(p, grade(p, self._slow_ms)) for p in probes)
        return PlatformStatus(worst(g.light for g in graded), checked_at, graded)

    async def _probe(self, service: str, checked_at: dt.datetime) -> ServiceProbe:
        started = time.perf_counter()
        try:
            work = self._own() if service == "ops" else self._peer(service)
            dependencies = await asyncio.wait_for(work, self.timeout)
            error = None
        except TimeoutError:
            dependencies, error = (), f"timeout: no answer within {self.timeout:g} s"
        except _Unreadable as exc:
            dependencies, error = (), str(exc)
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        return ServiceProbe(service, checked_at, elapsed, dependencies, _clean(error))

    async def _peer(self, service: str) -> tuple[DependencyState, ...]:
        try:
            response = await self._peers().get(service, "/health/deep", headers=self._headers)
        except httpx.ConnectError as exc:
            raise _Unreadable(f"cannot connect: {_reason(exc)}") from exc
        except httpx.HTTPError as exc:
            raise _Unreadable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code not in (200, 503):
            raise _Unreadable(f"bad status: {response.status_code} from /health/deep")
        try:
            body = msgspec.json.decode(response.content, type=DeepHealth)
        except msgspec.DecodeError as exc:
            raise _Unreadable(
                f"bad answer: {response.status_code} without a deep health ({exc})"
            ) from exc
        return tuple(
            DependencyState(c.name, c.status == "ok", _clean(c.detail), c.duration_ms)
            for c in body.checks
        )

    async def _own(self) -> tuple[DependencyState, ...]:
        checks = self._own_checks()
        results = await asyncio.gather(
            *(run_check(name, check, self._check_timeout) for name, check in checks.items())
        )
        return tuple(
            DependencyState(r.name, r.status == "ok", _clean(r.detail), r.duration_ms)
            for r in results
        )


def _reason(exc: BaseException) -> str:
    """The system's reason for a failed connection (``Connection refused``, a name not
    found) when the exception carries one, else its message."""
    seen: BaseException | None = exc
    for _ in range(5):  # the OS error lies a few causes down (httpx, httpcore, anyio)
        if seen is None:
            break
        if isinstance(seen, socket.gaierror) and seen.strerror:
            return seen.strerror  # its errno is the resolver's, not the system's
        if isinstance(seen, OSError) and seen.errno:
            return os.strerror(seen.errno)
        seen = seen.__cause__ or seen.__context__
    return str(exc)


class _Unreadable(Exception):
    """A service's deep health could not be read (the message says why)."""


class StatusBoard:
    """The platform's status, taken by ``probe`` at most once every ``ttl`` seconds: requests
    within that time get the same answer, and requests arriving while a probe runs wait for
    that one probe (no second probe starts)."""

    def __init__(
        self,
        probe: Callable[[], Awaitable[PlatformStatus]],
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self._ttl = ttl
        self._clock = clock
        self._latest: tuple[float, PlatformStatus] | None = None
        self._running: asyncio.Task[PlatformStatus] | None = None

    async def current(self) -> PlatformStatus:
        """The platform's status, at most ``ttl`` seconds old."""
        latest = self._latest
        if latest is not None and self._clock() - latest[0] < self._ttl:
            return latest[1]
        if self._running is None:
            self._running = asyncio.create_task(self._refresh(), name="reptidex-ops-status")
        # shielded: a caller that goes away does not cancel the probe the others wait for
        return await asyncio.shield(self._running)

    async def _refresh(self) -> PlatformStatus:
        try:
            status = await self._probe()
            self._latest = (self._clock(), status)
            return status
        finally:
            self._running = None


@dataclass(frozen=True, slots=True)
class Monitoring:
    """What the monitoring endpoints and the sampler need: the status board, the uptime log,
    the services, the time, how often to sample and how many days to keep."""

    board: StatusBoard
    log: UptimeLog
    services: tuple[str, ...]
    clock: Callable[[], dt.datetime]
    interval: float
    retention_days: int

    async def sample(self) -> PlatformStatus:
        """Take the platform's status (from the board) and count it in the uptime log."""
        status = await self.board.current()
        lights = {graded.probe.service: graded.light for graded in status.services}
        await record_sample(self.log, self.clock(), lights, self.retention_days)
        return status

    async def sample_every_interval(self) -> None:
        """Sample once every :attr:`interval` seconds, for ever (a failed sample is logged
        and the next one taken on time)."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.sample()
            except Exception as exc:  # the sampler outlives a database that does not answer
                _log.warning("uptime sample failed", error=redact_text(repr(exc)))
