"""``GET /monitoring/health`` and ``GET /monitoring/history`` on repti-ops (its database on
SQLite and PostgreSQL, the other services stand-ins over HTTP): the platform's status, cached;
the uptime its sampler records; who may read them."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from monitoring_testkit import PEERS, StandIns, stand_ins
from ops_testkit import bearer, mint_token

from core_tokens import StaticKeys
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.app import create_app

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
OPERATIONS_TOKEN = "operations-token-0123456789"


@pytest.fixture(scope="module")
def stand() -> Iterator[StandIns]:
    with stand_ins() as served:
        yield served


@pytest.fixture(autouse=True)
def reset(stand: StandIns) -> None:
    stand.modes.update(dict.fromkeys(PEERS, "ok"))
    stand.seen.clear()


def client(settings: Settings, stand: StandIns) -> TestClient[Litestar]:
    upgrade("ops", settings.database_url("ops"))
    app = create_app(
        settings, authenticator=Authenticator(StaticKeys()), peers=stand.peers(), clock=lambda: NOW
    )
    return TestClient(app, raise_server_exceptions=False)


def by_service(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {service["service"]: service for service in body["services"]}


def test_the_platform_status_names_the_failing_dependency(
    ops_database: str, make_settings: Callable[..., Settings], stand: StandIns
) -> None:
    stand.modes["animal"] = "database"
    with client(make_settings(ops_database_url=ops_database), stand) as ops:
        answer = ops.get("/monitoring/health")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["checked_at"]) == ("red", "2026-12-07T10:00:00Z")
    services = by_service(body)
    assert list(services) == ["core", "animal", "commerce", "media", "community", "ops"]
    animal = services["animal"]
    assert (animal["status"], animal["error"]) == ("red", None)
    failing = [d for d in animal["dependencies"] if d["status"] == "failing"]
    assert [(d["name"], d["detail"]) for d in failing] == [("database", "refused")]
    assert services["core"]["status"] == "green"
    assert services["core"]["latency_ms"] > 0
    assert services["ops"]["status"] in ("green", "amber")  # its peers' /health: not served
    assert "database" in {d["name"] for d in services["ops"]["dependencies"]}


def test_a_second_request_within_the_cache_time_probes_nothing(
    make_settings: Callable[..., Settings], stand: StandIns
) -> None:
    with client(make_settings(), stand) as ops:
        first = ops.get("/monitoring/health").json()
        assert ops.get("/monitoring/health").json() == first
    assert [stand.calls(s) for s in PEERS] == [1] * 5
    stand.seen.clear()
    with client(make_settings(monitoring_cache="0"), stand) as ops:
        ops.get("/monitoring/health")
        ops.get("/monitoring/health")
    assert [stand.calls(s) for s in PEERS] == [2] * 5


def test_the_timeout_setting_bounds_a_hanging_service(
    make_settings: Callable[..., Settings], stand: StandIns
) -> None:
    stand.modes["media"] = "hang"
    with client(make_settings(monitoring_timeout="0.4"), stand) as ops:
        body = ops.get("/monitoring/health").json()
    media = by_service(body)["media"]
    assert (body["status"], media["status"]) == ("red", "red")
    assert media["error"] == "timeout: no answer within 0.4 s"


def test_the_sampler_records_uptime_per_day(
    ops_database: str, make_settings: Callable[..., Settings], stand: StandIns
) -> None:
    stand.modes["commerce"] = "database"
    settings = make_settings(
        ops_database_url=ops_database, monitoring_interval="0.05", monitoring_cache="0"
    )
    with client(settings, stand) as ops:
        deadline = time.monotonic() + 30
        while True:
            body = ops.get("/monitoring/history", params={"days": 7}).json()
            core = by_service(body)["core"]
            if core["samples"] >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert (body["since"], body["until"]) == ("2026-12-01", "2026-12-07")
    services = by_service(body)
    assert list(services) == ["core", "animal", "commerce", "media", "community", "ops"]
    assert core["samples"] >= 2
    assert [(d["day"], d["uptime_percent"]) for d in core["days"]] == [("2026-12-07", 100.0)]
    commerce = services["commerce"]
    assert (commerce["up_samples"], commerce["uptime_percent"]) == (0, 0.0)
    assert commerce["samples"] >= 2


@pytest.mark.parametrize("days", ["0", "367", "many"])
def test_the_history_period_is_bounded(
    make_settings: Callable[..., Settings], stand: StandIns, days: str
) -> None:
    with client(make_settings(), stand) as ops:
        answer = ops.get("/monitoring/history", params={"days": days})
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_thirty_days_by_default(make_settings: Callable[..., Settings], stand: StandIns) -> None:
    with client(make_settings(), stand) as ops:
        body = ops.get("/monitoring/history").json()
    assert (body["since"], body["until"]) == ("2026-11-08", "2026-12-07")


@pytest.mark.parametrize("path", ["/monitoring/health", "/monitoring/history"])
def test_administrators_and_operators_only_once_operations_access_is_set(
    make_settings: Callable[..., Settings], stand: StandIns, path: str
) -> None:
    organisation = uuid.uuid4()
    with client(make_settings(operations_token=OPERATIONS_TOKEN), stand) as ops:
        anonymous = ops.get(path)
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        assert ops.get(path, headers=bearer("not-the-token")).status_code == 401
        for refused in (
            mint_token(organisation, "owner"),
            mint_token(service="core"),
        ):
            assert ops.get(path, headers=bearer(refused)).status_code == 403
        for admitted in (mint_token(platform_admin=True), OPERATIONS_TOKEN):
            assert ops.get(path, headers=bearer(admitted)).status_code == 200
    # without operations networks or token, as /health/deep: anyone (the embedded default)
    with client(make_settings(), stand) as ops:
        assert ops.get(path).status_code == 200
