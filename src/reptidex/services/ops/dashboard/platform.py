"""What the dashboard reads from every service: its recent unhandled errors and its outbox
backlog (from its Prometheus metrics); the event bus's backlog from Redis Streams when that is
the bus. (Every service's deep health, graded: ``services/ops/monitor.py``.)

Every service is asked side by side and each answer is bounded by a timeout, so one service
that hangs shows as unreachable and never holds the page."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import msgspec
import redis.asyncio as aioredis
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.recent_errors import RecentErrors, RecentErrorsView, errors_view

SERVICES = ("core", "animal", "commerce", "media", "community", "ops")
"""Every service the dashboard shows, in the catalogue's order."""

MAX_STREAMS = 200
"""The most event-bus streams the backlog page reads."""

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    """A service's outbox: events committed but not yet on the bus."""

    service: str
    pending: float | None
    oldest_seconds: float | None
    failures: float | None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class StreamBacklog:
    """One consumer group on one event-bus stream."""

    stream: str
    group: str
    pending: int
    lag: int | None


@dataclass(frozen=True, slots=True)
class BusBacklog:
    """The event bus: its consumer groups' backlogs and its dead letters."""

    kind: str
    groups: list[StreamBacklog]
    dead_letters: int | None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceError:
    """One recent unhandled error of a service (as its ``GET /health/errors`` shows it)."""

    service: str
    exception: str
    message: str
    method: str
    route: str
    request_id: str | None
    first_at: dt.datetime
    last_at: dt.datetime
    count: int


@dataclass(frozen=True, slots=True)
class ServiceErrors:
    """A service's recent errors, or why they could not be read (``detail``)."""

    service: str
    errors: list[ServiceError] = field(default_factory=list)
    detail: str | None = None


def _errors_of(view: RecentErrorsView, service: str) -> ServiceErrors:
    return ServiceErrors(
        service,
        [
            ServiceError(
                service,
                e.exception,
                e.message,
                e.method,
                e.route,
                e.request_id,
                e.first_at,
                e.last_at,
                e.count,
            )
            for e in view.errors
        ],
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class PlatformWatch:
    """Reads recent errors and backlogs from every service, each within ``timeout`` seconds."""

    def __init__(
        self,
        peers: Callable[[], PeerClient],
        own_metrics: CollectorRegistry,
        timeout: float,
        *,
        own_errors: RecentErrors | None = None,
        bus_kind: str,
        stream_prefix: str,
        redis: aioredis.Redis | None = None,
    ) -> None:
        self._peers = peers
        self._own_metrics = own_metrics
        self._own_errors = own_errors if own_errors is not None else RecentErrors()
        self._timeout = timeout
        self._bus_kind = bus_kind
        self._redis = redis
        self._prefix = stream_prefix

    async def _bounded(self, work: Awaitable[_T]) -> _T:
        return await asyncio.wait_for(work, self._timeout)

    async def _peer_errors(self, service: str, token: str) -> ServiceErrors:
        try:
            response = await self._bounded(
                self._peers().get(
                    service, "/health/errors", headers={"Authorization": f"Bearer {token}"}
                )
            )
            response.raise_for_status()
            view = msgspec.json.decode(response.content, type=RecentErrorsView)
        except (TimeoutError, httpx.HTTPError, msgspec.DecodeError, KeyError) as exc:
            return ServiceErrors(service, detail=_why(exc, self._timeout))
        return _errors_of(view, service)

    async def errors(self, token: str, services: Sequence[str] = SERVICES) -> list[ServiceErrors]:
        """Every service's recent unhandled errors, asked side by side with the signed-in
        administrator's access ``token`` (ops' own from its process)."""
        return list(
            await asyncio.gather(
                *(
                    self._own_errors_now()
                    if service == "ops"
                    else self._peer_errors(service, token)
                    for service in services
                )
            )
        )

    async def _own_errors_now(self) -> ServiceErrors:
        return _errors_of(errors_view("ops", self._own_errors), "ops")

    async def _peer_outbox(self, service: str) -> OutboxBacklog:
        try:
            response = await self._bounded(self._peers().get(service, "/metrics"))
            response.raise_for_status()
            return _outbox_of(service, response.text)
        except (TimeoutError, httpx.HTTPError, ValueError) as exc:
            return OutboxBacklog(service, None, None, None, _why(exc, self._timeout))

    async def _own_outbox(self) -> OutboxBacklog:
        return _outbox_of("ops", generate_latest(self._own_metrics).decode())

    async def outboxes(self, services: Sequence[str] = SERVICES) -> list[OutboxBacklog]:
        """Every service's outbox backlog, from its metrics."""
        return list(
            await asyncio.gather(
                *(
                    self._own_outbox() if service == "ops" else self._peer_outbox(service)
                    for service in services
                )
            )
        )

    async def bus(self) -> BusBacklog:
        """The Redis Streams bus's consumer groups and dead letters (an in-process bus keeps
        no backlog beyond each process's outbox)."""
        if self._bus_kind != "redis" or self._redis is None:
            return BusBacklog(
                self._bus_kind, [], None, "in-process bus: events wait only in outboxes"
            )
        try:
            return await self._bounded(self._read_streams(self._redis))
        except (TimeoutError, aioredis.RedisError) as exc:
            return BusBacklog(self._bus_kind, [], None, _why(exc, self._timeout))

    async def _read_streams(self, redis: aioredis.Redis) -> BusBacklog:
        dead_stream = f"{self._prefix}:dead"
        groups: list[StreamBacklog] = []
        streams: list[str] = []
        async for key in redis.scan_iter(match=f"{self._prefix}:*", count=100, _type="stream"):
            streams.append(_text(key))
            if len(streams) >= MAX_STREAMS:
                break
        for stream in sorted(streams):
            if stream == dead_stream:
                continue
            for info in await redis.xinfo_groups(stream):
                lag = info.get("lag")
                groups.append(
                    StreamBacklog(
                        stream,
                        _text(info["name"]),
                        int(info.get("pending", 0)),
                        int(lag) if lag is not None else None,
                    )
                )
        dead = int(await redis.xlen(dead_stream)) if dead_stream in streams else 0
        return BusBacklog("redis", groups, dead)


def _why(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    return f"{type(exc).__name__}: {exc}"[:200]


def _outbox_of(service: str, exposition: str) -> OutboxBacklog:
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name in {
                "reptidex_outbox_pending",
                "reptidex_outbox_lag_seconds",
                "reptidex_outbox_failures_total",
                "reptidex_outbox_failures",
            }:
                values[sample.name.removesuffix("_total")] = sample.value
    if "reptidex_outbox_pending" not in values:
        return OutboxBacklog(service, None, None, None, "no outbox figures (relay not running)")
    return OutboxBacklog(
        service,
        values["reptidex_outbox_pending"],
        values.get("reptidex_outbox_lag_seconds"),
        values.get("reptidex_outbox_failures"),
    )
