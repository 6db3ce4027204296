"""What every service answers the same way: health, errors as problem+json, ids, metrics, schema."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Annotated

import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.params import FromPath, JSONBody
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.errors import Conflict, NotFound, RateLimited
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.catalog import SERVICES, service_spec
from reptidex.services.kernel.logging import configure_logging, get_logger
from reptidex.services.kernel.schema_viewer import ASSET_FILES, ASSETS
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES


class Clutch(msgspec.Struct):
    eggs: Annotated[int, msgspec.Meta(ge=0, le=100)]
    laid_on: str


@post("/clutches", sync_to_thread=False)
def record_clutch(data: JSONBody[Clutch]) -> Clutch:
    return data


@get("/boom", sync_to_thread=False)
def boom() -> None:
    raise RuntimeError("secret internals")


@get("/domain/{kind:str}", sync_to_thread=False)
def domain_error(kind: FromPath[str]) -> None:
    if kind == "missing":
        raise NotFound("No animal RX-1 in this collection.")
    if kind == "duplicate":
        raise Conflict("That id code is taken.", field_errors={"code": "already used by Aurora"})
    raise RateLimited("Too many attempts.", retry_after=30)


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    settings = make_settings(cors_origins="https://breeder.example")
    upgrade("animal", settings.database_url("animal"))
    app = create_service_app(
        build_kernel(service_spec("animal"), settings), [record_clutch, boom, domain_error]
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def assert_problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert str(body["type"]).startswith("https://")
    assert body["title"]
    return body


def test_health_answers(client: TestClient[Litestar]) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["service"] == "animal"


def test_unknown_route_is_a_404_problem(client: TestClient[Litestar]) -> None:
    body = assert_problem(client.get("/no/such/thing"), 404)
    assert body["instance"] == "/no/such/thing"


def test_wrong_method_is_a_405_problem(client: TestClient[Litestar]) -> None:
    assert_problem(client.delete("/health"), 405)


def test_validation_errors_name_the_field(client: TestClient[Litestar]) -> None:
    too_many = assert_problem(client.post("/clutches", json={"eggs": 500, "laid_on": "x"}), 422)
    assert too_many["errors"] == [
        {"field": "eggs", "message": "Expected `int` <= 100", "source": "body"}
    ]
    wrong_type = assert_problem(client.post("/clutches", json={"eggs": 3, "laid_on": 3}), 422)
    assert wrong_type["errors"][0]["field"] == "laid_on"  # type: ignore[index]
    missing = assert_problem(client.post("/clutches", json={"eggs": 3}), 422)
    assert "laid_on" in str(missing["errors"])


def test_malformed_json_is_a_400_problem(client: TestClient[Litestar]) -> None:
    body = assert_problem(client.post("/clutches", content=b"{not json"), 400)
    assert "malformed" in str(body["detail"])


def test_a_crash_is_a_500_without_internals(
    client: TestClient[Litestar], capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    try:
        response = client.get("/boom")
        logged = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line]
    finally:
        logging.getLogger().handlers.clear()
    body = assert_problem(response, 500)
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]
    (error,) = [entry for entry in logged if entry["event"] == "unhandled error"]
    assert error["request_id"] == body["request_id"]
    assert "secret internals" in json.dumps(error["exception"]), "the trace goes to the log"


def test_domain_errors_map_to_statuses(client: TestClient[Litestar]) -> None:
    assert_problem(client.get("/domain/missing"), 404)
    conflict = assert_problem(client.get("/domain/duplicate"), 409)
    assert conflict["errors"] == [{"field": "code", "message": "already used by Aurora"}]
    limited = client.get("/domain/limited")
    assert_problem(limited, 429)
    assert limited.headers["retry-after"] == "30"


def test_request_id_is_taken_or_made(client: TestClient[Litestar]) -> None:
    assert client.get("/health", headers={"X-Request-ID": "trace-42"}).headers["x-request-id"] == (
        "trace-42"
    )
    made = client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


def test_metrics_are_prometheus_text_by_route_template(client: TestClient[Litestar]) -> None:
    client.get("/domain/missing")
    client.get("/domain/duplicate")
    client.get("/nowhere")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    requests = families["reptidex_http_requests"]
    labels = [sample.labels for sample in requests.samples if sample.name.endswith("_total")]
    assert {"service": "animal", "method": "GET", "route": "/domain/{kind}", "status": "404"} in (
        labels
    )
    assert {"service": "animal", "method": "GET", "route": "<unmatched>", "status": "404"} in labels
    assert "reptidex_http_request_duration_seconds" in families
    assert "reptidex_db_pool_checkedout" in families


def test_openapi_is_titled_per_service(client: TestClient[Litestar]) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["title"] == "repti-animal"
    assert "/health/deep" in schema["paths"]
    page = client.get("/schema")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]


def test_the_schema_viewer_needs_no_internet(client: TestClient[Litestar]) -> None:
    page = client.get("/schema").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, page
    assert all(not source.startswith(("http:", "https:", "//")) for source in sources), sources
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f"{ASSETS}/{name}" in sources
        asset = client.get(f"{ASSETS}/{name}")
        assert asset.status_code == 200, name
        assert asset.content == (ASSET_FILES / name).read_bytes()
    assert client.get("/schema/swagger").text == page
    assert client.get(f"{ASSETS}/../../../etc/passwd").status_code == 404
    assert not any(
        path.startswith(ASSETS) for path in client.get("/schema/openapi.json").json()["paths"]
    )


def test_cors_follows_the_setting(client: TestClient[Litestar]) -> None:
    allowed = client.get("/health", headers={"Origin": "https://breeder.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://breeder.example"
    other = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_deep_health_reports_each_dependency(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(core_url="http://127.0.0.1:9", health_timeout="1")
    upgrade("animal", settings.database_url("animal"))
    with TestClient(APP_FACTORIES["animal"](settings)) as test_client:
        response = test_client.get("/health/deep")
    assert response.status_code == 503
    checks = {check["name"]: check for check in response.json()["checks"]}
    assert checks["database"]["status"] == "ok"
    assert checks["service:core"]["status"] == "failing"


def test_deep_health_fails_on_an_unmigrated_database(
    make_settings: Callable[..., Settings],
) -> None:
    with TestClient(APP_FACTORIES["core"](make_settings())) as test_client:
        response = test_client.get("/health/deep")
    assert response.status_code == 503
    checks = {check["name"]: check for check in response.json()["checks"]}
    assert set(checks) == {"database", "events", "mail"}
    assert "reptidex db upgrade" in checks["database"]["detail"]


async def test_deep_health_checks_redis(
    make_settings: Callable[..., Settings], redis_url: str
) -> None:
    from litestar.testing import AsyncTestClient

    settings = make_settings(redis_url=redis_url)
    upgrade("core", settings.database_url("core"))
    async with AsyncTestClient(APP_FACTORIES["core"](settings)) as test_client:
        response = await test_client.get("/health/deep")
    assert response.status_code == 200, response.text
    assert {check["name"] for check in response.json()["checks"]} == {
        "database",
        "redis",
        "events",
        "mail",
    }


def test_every_service_builds(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    for spec in SERVICES:
        app = APP_FACTORIES[spec.name](settings)
        assert app.openapi_config is not None
        assert app.openapi_config.title == spec.title


def test_access_log_is_json_with_the_request_id(
    client: TestClient[Litestar], capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    try:
        client.get("/health", headers={"X-Request-ID": "log-me"})
        lines = [line for line in capfd.readouterr().err.splitlines() if "log-me" in line]
        entry = json.loads(lines[0])
        assert entry["event"] == "request"
        assert entry["request_id"] == "log-me"
        assert entry["status"] == 200
        assert entry["route"] == "/health"
        assert entry["service"] == "animal"
        assert entry["duration_ms"] >= 0
    finally:
        logging.getLogger().handlers.clear()


def test_below_the_level_nothing_is_logged(
    client: TestClient[Litestar], capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("WARNING", "json")
    try:
        client.get("/health", headers={"X-Request-ID": "quiet-please"})
        get_logger("reptidex.test").warning("loud", code=7)
        err = capfd.readouterr().err
        assert "quiet-please" not in err
        assert json.loads(next(line for line in err.splitlines() if "loud" in line))["code"] == 7
    finally:
        logging.getLogger().handlers.clear()
