"""How a probe of a service's ``/health/deep`` grades, and the platform's grade.

A service is **red** when it cannot be asked (no answer in time, no connection, an answer
that is not its deep health) or when a critical dependency fails (its database: without it the
service serves nothing); **amber** when another dependency fails (Redis, a peer, the event
relay) or when it answered more slowly than the slow mark; **green** otherwise. The platform
takes the worst of its services.

>>> import datetime as dt
>>> at = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
>>> grade(ServiceProbe("core", at, 12.0, (DependencyState("redis", False, "refused", 3.0),)), 1000)
'amber'
>>> grade(ServiceProbe("core", at, 12.0, (), error="no answer within 2 s"), 1000)
'red'
>>> worst(["green", "amber", "green"])
'amber'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Light = Literal["green", "amber", "red"]
"""A grade, from best to worst."""

CRITICAL_DEPENDENCIES = frozenset({"database"})
"""The dependencies whose failure makes a service red (any other makes it amber)."""

_ORDER: tuple[Light, ...] = ("green", "amber", "red")


@dataclass(frozen=True, slots=True)
class DependencyState:
    """One dependency of a service, as its deep health reported it."""

    name: str
    ok: bool
    detail: str | None
    duration_ms: float | None


@dataclass(frozen=True, slots=True)
class ServiceProbe:
    """One probe of a service: when, how long it took, its dependencies, or why it could not
    be read (``error``)."""

    service: str
    checked_at: dt.datetime
    latency_ms: float
    dependencies: tuple[DependencyState, ...] = ()
    error: str | None = None


def grade(probe: ServiceProbe, slow_ms: float) -> Light:
    """The grade of ``probe`` (see the module's docstring); ``slow_ms`` is the slow mark."""
    if probe.error is not None:
        return "red"
    failing = {d.name for d in probe.dependencies if not d.ok}
    if failing & CRITICAL_DEPENDENCIES:
        return "red"
    if failing or probe.latency_ms > slow_ms:
        return "amber"
    return "green"


def worst(lights: Iterable[Light]) -> Light:
    """The worst of ``lights`` (green when there are none)."""
    return max(lights, key=_ORDER.index, default="green")


def is_up(light: Light) -> bool:
    """Whether a service of grade ``light`` counts as up in its uptime: it answers and its
    database works (green or amber)."""
    return light != "red"
