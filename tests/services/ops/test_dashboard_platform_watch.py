"""What the dashboard reads from the services: recent errors and outbox figures, each answer
bounded by the timeout (a hanging service never holds the page)."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client.registry import CollectorRegistry

from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.recent_errors import RecentErrors
from reptidex.services.ops.dashboard.platform import PlatformWatch

METRICS = """# HELP reptidex_outbox_pending Outbox events committed but not yet published.
# TYPE reptidex_outbox_pending gauge
reptidex_outbox_pending{service="core"} 3.0
# HELP reptidex_outbox_lag_seconds Age of the oldest unpublished outbox event.
# TYPE reptidex_outbox_lag_seconds gauge
reptidex_outbox_lag_seconds{service="core"} 1.5
# HELP reptidex_outbox_failures_total Failed outbox publishes and relay passes.
# TYPE reptidex_outbox_failures_total counter
reptidex_outbox_failures_total{service="core"} 2.0
"""

ERRORS = {
    "service": "core",
    "capacity": 100,
    "errors": [
        {
            "exception": "LookupError",
            "message": "no row",
            "route": "/orgs/{organisation_id}",
            "method": "GET",
            "request_id": "req-1",
            "first_at": "2026-03-01T10:00:00Z",
            "last_at": "2026-03-01T11:00:00Z",
            "count": 3,
        }
    ],
}


async def answer(request: httpx.Request) -> httpx.Response:
    if request.url.host == "animal":
        await asyncio.sleep(30)  # hangs
    if request.url.path == "/metrics":
        return httpx.Response(200, text=METRICS)
    if request.url.path == "/health/errors":
        if request.headers.get("authorization") != "Bearer admin-token":
            return httpx.Response(401, json={"status": 401})
        return httpx.Response(200, json=ERRORS)
    return httpx.Response(404)


def watch(own_errors: RecentErrors | None = None) -> PlatformWatch:
    peers = PeerClient(
        {"core": "http://core", "animal": "http://animal"},
        timeout=60,
        transport=httpx.MockTransport(answer),
    )
    return PlatformWatch(
        lambda: peers,
        CollectorRegistry(),
        0.2,
        own_errors=own_errors,
        bus_kind="memory",
        stream_prefix="unused",
    )


async def test_outbox_figures_from_metrics() -> None:
    core, animal, ops = await watch().outboxes(("core", "animal", "ops"))
    assert (core.pending, core.oldest_seconds, core.failures) == (3.0, 1.5, 2.0)
    assert (animal.pending, animal.detail) == (None, "no answer within 0.2 s")
    assert ops.pending is None  # no relay registered its figures here
    assert ops.detail == "no outbox figures (relay not running)"


async def test_recent_errors_are_read_with_the_administrators_token_and_bounded() -> None:
    own = RecentErrors()
    own.record(RuntimeError("ops broke"), route="/audit/logs", method="GET", request_id=None)
    core, animal, ops = await watch(own).errors("admin-token", ("core", "animal", "ops"))
    ((error,),) = [core.errors]
    assert (error.service, error.exception, error.route, error.count) == (
        "core",
        "LookupError",
        "/orgs/{organisation_id}",
        3,
    )
    assert error.last_at.isoformat() == "2026-03-01T11:00:00+00:00"
    assert (animal.errors, animal.detail) == ([], "no answer within 0.2 s")
    assert [e.message for e in ops.errors] == ["ops broke"]
    (refused, _, _) = await watch().errors("someone-else", ("core", "animal", "ops"))
    assert refused.errors == []
    assert refused.detail is not None
    assert "401" in refused.detail
