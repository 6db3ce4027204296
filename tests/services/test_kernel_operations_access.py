"""``/metrics`` and ``/health/deep`` on every service: open by default, restricted to the
operations networks or the operations token when either is set; ``/health`` stays open."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from litestar.testing import TestClient

from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES
from threaded_server import served

TOKEN = "operations-token-for-the-scraper"
OPERATIONS = ("/metrics", "/health/deep")


def _statuses(settings: Settings, service: str, **request: object) -> dict[str, int]:
    with TestClient(APP_FACTORIES[service](settings), raise_server_exceptions=False) as client:
        return {path: client.get(path, **request).status_code for path in ("/health", *OPERATIONS)}  # type: ignore[arg-type]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_token_admits_and_anyone_else_is_refused(
    make_settings: Callable[..., Settings], service: str
) -> None:
    settings = make_settings(operations_token=TOKEN, health_timeout="0.2")
    refused = _statuses(settings, service)
    assert refused == {"/health": 200, "/metrics": 403, "/health/deep": 403}
    wrong = _statuses(settings, service, headers={"Authorization": "Bearer not-the-token"})
    assert wrong["/metrics"] == wrong["/health/deep"] == 403
    admitted = _statuses(settings, service, headers={"Authorization": f"Bearer {TOKEN}"})
    assert admitted["/metrics"] == 200
    assert admitted["/health/deep"] in (200, 503)  # admitted: its probes answer, or not


def test_the_refusal_is_a_problem(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(operations_networks="10.0.0.0/8")
    with TestClient(APP_FACTORIES["core"](settings)) as client:
        response = client.get("/metrics")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "operations" in response.json()["detail"]


@pytest.mark.parametrize(
    ("networks", "expected"),
    [("10.0.0.0/8", 403), ("10.0.0.0/8, 127.0.0.0/8", 200), ("::1, 127.0.0.1", 200)],
)
def test_networks_admit_their_addresses(
    make_settings: Callable[..., Settings], networks: str, expected: int
) -> None:
    settings = make_settings(operations_networks=networks)
    with served(APP_FACTORIES["animal"](settings)) as base:  # a real socket: the peer is 127.0.0.1
        assert httpx.get(f"{base}/metrics").status_code == expected


def test_a_trusted_proxy_forwards_the_client_address(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(operations_networks="10.1.0.0/16", trusted_proxies="127.0.0.1")
    with served(APP_FACTORIES["media"](settings)) as base:
        inside = httpx.get(f"{base}/metrics", headers={"X-Forwarded-For": "10.1.2.3"})
        outside = httpx.get(f"{base}/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert (inside.status_code, outside.status_code) == (200, 403)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_open_by_default(make_settings: Callable[..., Settings], service: str) -> None:
    statuses = _statuses(make_settings(health_timeout="0.2"), service)
    assert statuses["/metrics"] == 200
    assert statuses["/health/deep"] in (200, 503)
