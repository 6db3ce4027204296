"""``/monitoring``: the platform's status (every service's deep health, graded green, amber or
red) and its uptime per service per day, for platform administrators and operators (the
callers ``/health/deep`` admits)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Router, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from reptidex.domain.monitoring.uptime import MAX_HISTORY_DAYS, uptime_history
from reptidex.services.kernel.auth import BEARER
from reptidex.services.kernel.operations_access import OperationsAccess
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem
from reptidex.services.ops.access import MonitoringDesk, operators_or_admins
from reptidex.services.ops.monitoring_schemas import (
    PlatformStatusView,
    UptimeHistoryView,
    platform_status_view,
    uptime_history_view,
)

DEFAULT_DAYS = 30


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


_ACCESS = {
    401: _problem("Not from an operations network, and no valid token."),
    403: _problem("Neither a platform administrator nor an operator."),
}
_ACCESS_DESCRIPTION = (
    " For platform administrators (a bearer access token) and operators (from"
    " `REPTIDEX_OPERATIONS_NETWORKS`, or with `Authorization: Bearer <REPTIDEX_OPERATIONS_TOKEN>`);"
    " with neither of those settings, as `/health/deep`, for anyone."
)
Days = Annotated[
    int,
    QueryParameter(
        ge=1,
        le=MAX_HISTORY_DAYS,
        description="How many days back, today (UTC) included.",
    ),
]


class MonitoringController(Controller):
    """The platform's status and uptime."""

    path = "/monitoring"
    tags = ("monitoring",)

    @get(
        "/health",
        security=BEARER,
        summary="The platform's status: every service's deep health, graded",
        description="Every service's `GET /health/deep`, asked side by side, each within"
        " `REPTIDEX_MONITORING_TIMEOUT` seconds (ops' own in process), kept"
        " `REPTIDEX_MONITORING_CACHE` seconds. A service is `red` when it does not answer or its"
        " database fails, `amber` when another dependency fails or it answered slower than"
        " `REPTIDEX_MONITORING_SLOW` seconds, else `green`; the platform takes the worst."
        " Always 200: the status is in the body." + _ACCESS_DESCRIPTION,
        responses=_ACCESS,
    )
    async def health(self, monitoring: MonitoringDesk) -> PlatformStatusView:
        """The platform's status."""
        return platform_status_view(await monitoring.board.current())

    @get(
        "/history",
        security=BEARER,
        summary="Uptime per service per day",
        description="Each service's share of up samples (`green` or `amber`) per day (UTC)"
        " and over the period, from the samples ops takes every"
        " `REPTIDEX_MONITORING_INTERVAL` seconds; days are kept"
        " `REPTIDEX_MONITORING_RETENTION_DAYS`." + _ACCESS_DESCRIPTION,
        responses=_ACCESS,
    )
    async def history(
        self, monitoring: MonitoringDesk, days: Days = DEFAULT_DAYS
    ) -> UptimeHistoryView:
        """Uptime per service per day over the last ``days`` days."""
        today = monitoring.clock().astimezone(dt.UTC).date()
        found = await uptime_history(monitoring.log, today, days, monitoring.services)
        return uptime_history_view(found, today - dt.timedelta(days=days - 1), today)


def monitoring_router(operators: OperationsAccess) -> Router:
    """The monitoring routes, guarded for platform administrators and ``operators``."""
    return Router(
        "/", route_handlers=[MonitoringController], guards=[operators_or_admins(operators)]
    )
