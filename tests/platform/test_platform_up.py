"""`reptidex up` as a real process: six services on their ports, then a clean stop on Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from platform_process import (
    REPTIDEX,
    WEB_OFFSET,
    clean_environment,
    free_port_block,
    start_up,
    wait_until_ready,
)
from reptidex.services.kernel.catalog import SERVICES


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    tmp_path = tmp_path_factory.mktemp("platform")
    base = free_port_block()
    process = start_up(
        base, clean_environment(tmp_path / "data"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    if not wait_until_ready(process, base, within=60):
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"reptidex up did not become ready:\n{out}\n{err[-3000:]}")
    yield base, process
    if process.poll() is None:
        process.kill()
        process.communicate()


def test_all_six_services_answer_health(platform: tuple[int, subprocess.Popen[str]]) -> None:
    base, _ = platform
    for index, spec in enumerate(SERVICES):
        response = httpx.get(f"http://127.0.0.1:{base + index}/health")
        assert response.status_code == 200
        assert response.json()["service"] == spec.name


def test_the_web_application_answers_beside_them(
    platform: tuple[int, subprocess.Popen[str]],
) -> None:
    base, _ = platform
    web = f"http://127.0.0.1:{base + WEB_OFFSET}"
    assert httpx.get(f"{web}/health").json()["service"] == "web"
    deep = httpx.get(f"{web}/health/deep", timeout=10)
    assert deep.status_code == 200, deep.text
    assert len(deep.json()["checks"]) == len(SERVICES)
    front = httpx.get(web)
    assert front.status_code == 200
    assert "<h1" in front.text


def test_services_are_ready_and_find_each_other(
    platform: tuple[int, subprocess.Popen[str]],
) -> None:
    base, _ = platform
    response = httpx.get(f"http://127.0.0.1:{base + 5}/health/deep", timeout=10)
    assert response.status_code == 200, response.text
    checks = {check["name"] for check in response.json()["checks"]}
    assert {"database", "service:core", "service:community"} <= checks


def test_schema_metrics_and_problems(platform: tuple[int, subprocess.Popen[str]]) -> None:
    base, _ = platform
    schema = httpx.get(f"http://127.0.0.1:{base + 1}/schema/openapi.json").json()
    assert schema["info"]["title"] == "repti-animal"
    missing = httpx.get(f"http://127.0.0.1:{base + 3}/no/such/page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["status"] == 404
    metrics = httpx.get(f"http://127.0.0.1:{base + 3}/metrics")
    names = {family.name for family in text_string_to_metric_families(metrics.text)}
    assert "reptidex_http_requests" in names


def test_ctrl_c_stops_cleanly_with_json_logs(platform: tuple[int, subprocess.Popen[str]]) -> None:
    base, process = platform
    httpx.get(f"http://127.0.0.1:{base}/health", headers={"X-Request-ID": "from-the-test"})
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "ReptiDex is running" in out
    for index in range(6):
        assert f"http://127.0.0.1:{base + index}" in out
    assert "ReptiDex stopped." in out
    entries = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    (traced,) = [e for e in entries if e.get("request_id") == "from-the-test"]
    assert traced["service"] == "core"
    assert traced["status"] == 200
    assert "Traceback" not in err


def test_a_taken_port_is_named(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [*REPTIDEX, "up", "--port-base", str(port)],
            env=clean_environment(tmp_path / "data"),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"port {port} for repti-core" in result.stderr


def test_bad_settings_stop_the_start_with_every_reason(tmp_path: Path) -> None:
    environ = clean_environment(tmp_path / "data") | {
        "REPTIDEX_LOG_LEVEL": "LOUD",
        "REPTIDEX_MEDIA_DATABASE_URL": "oracle://db",
    }
    result = subprocess.run(
        [*REPTIDEX, "serve", "media"], env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "REPTIDEX_LOG_LEVEL" in result.stderr
    assert "REPTIDEX_MEDIA_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_commands_migrate_and_report(tmp_path: Path) -> None:
    environ = clean_environment(tmp_path / "data")
    before = subprocess.run(
        [*REPTIDEX, "db", "current", "ops"], env=environ, capture_output=True, text=True, timeout=60
    )
    assert "repti-ops: empty" in before.stdout
    subprocess.run([*REPTIDEX, "db", "upgrade", "ops"], env=environ, check=True, timeout=60)
    after = subprocess.run(
        [*REPTIDEX, "db", "current", "ops"], env=environ, capture_output=True, text=True, timeout=60
    )
    assert "up to date" in after.stdout
