"""The bodies of ``/monitoring``: the platform's status and its uptime history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from reptidex.domain.monitoring.uptime import ServiceUptime
from reptidex.services.ops.monitor import GradedService, PlatformStatus

Light = Literal["green", "amber", "red"]


class DependencyView(msgspec.Struct, frozen=True, kw_only=True):
    """One dependency of a service, as its ``/health/deep`` reported it."""

    name: Annotated[str, msgspec.Meta(description="`database`, `redis`, `events`, ...")]
    status: Literal["ok", "failing"]
    duration_ms: float | None
    detail: Annotated[
        str | None, msgspec.Meta(description="What the check saw (secrets masked).")
    ] = None


class ServiceStatusView(msgspec.Struct, frozen=True, kw_only=True):
    """One service's status."""

    service: str
    status: Annotated[
        Light,
        msgspec.Meta(
            description="`red`: not answering, or its database failing; `amber`: another "
            "dependency failing, or slower than the slow mark; `green`: otherwise."
        ),
    ]
    latency_ms: Annotated[float, msgspec.Meta(description="How long the probe took.")]
    checked_at: dt.datetime
    dependencies: list[DependencyView]
    error: Annotated[
        str | None,
        msgspec.Meta(
            description="Why the service could not be read: `timeout: ...`, "
            "`cannot connect: ...` (refused, no such host), `bad status: ...`, `bad answer: ...`."
        ),
    ] = None


class PlatformStatusView(msgspec.Struct, frozen=True, kw_only=True):
    """The platform's status: the worst of its services'."""

    status: Light
    checked_at: dt.datetime
    services: list[ServiceStatusView]


def _service_view(graded: GradedService) -> ServiceStatusView:
    probe = graded.probe
    return ServiceStatusView(
        service=probe.service,
        status=graded.light,
        latency_ms=probe.latency_ms,
        checked_at=probe.checked_at,
        dependencies=[
            DependencyView(
                name=d.name,
                status="ok" if d.ok else "failing",
                duration_ms=d.duration_ms,
                detail=d.detail,
            )
            for d in probe.dependencies
        ],
        error=probe.error,
    )


def platform_status_view(status: PlatformStatus) -> PlatformStatusView:
    """The body of ``GET /monitoring/health``."""
    return PlatformStatusView(
        status=status.light,
        checked_at=status.checked_at,
        services=[_service_view(graded) for graded in status.services],
    )


class DayUptimeView(msgspec.Struct, frozen=True, kw_only=True):
    """One service's uptime on one day (UTC)."""

    day: dt.date
    samples: int
    up_samples: int
    uptime_percent: float


class ServiceHistoryView(msgspec.Struct, frozen=True, kw_only=True):
    """One service's uptime per day, oldest first (days without a sample left out), and over
    the whole period."""

    service: str
    samples: int
    up_samples: int
    uptime_percent: Annotated[
        float, msgspec.Meta(description="Up samples over samples, in percent; 0 without samples.")
    ]
    days: list[DayUptimeView]


class UptimeHistoryView(msgspec.Struct, frozen=True, kw_only=True):
    """Every service's uptime from ``since`` to ``until`` (UTC days, both included)."""

    since: dt.date
    until: dt.date
    services: list[ServiceHistoryView]


def uptime_history_view(
    history: list[ServiceUptime], since: dt.date, until: dt.date
) -> UptimeHistoryView:
    """The body of ``GET /monitoring/history``."""
    return UptimeHistoryView(
        since=since,
        until=until,
        services=[
            ServiceHistoryView(
                service=service.service,
                samples=service.samples,
                up_samples=service.up,
                uptime_percent=service.percent,
                days=[
                    DayUptimeView(
                        day=day.day,
                        samples=day.samples,
                        up_samples=day.up,
                        uptime_percent=day.percent,
                    )
                    for day in service.days
                ],
            )
            for service in history
        ],
    )
