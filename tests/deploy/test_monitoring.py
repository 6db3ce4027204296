"""The monitoring files in ``deploy/``: the rules and dashboards are what the SLO file generates,
Prometheus' and Alertmanager's own tools accept them, every metric they read is one the
services export (or a rule records), and every alert has its runbook.

``promtool`` and ``amtool`` are Debian's ``prometheus`` and ``prometheus-alertmanager``; outside
CI a test that needs one skips when it is not installed, under CI it fails (``.ci/run``
installs them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar.testing import TestClient

from ci_gate import unavailable
from reptidex.cli import main
from reptidex.cli.grafana_dashboards import BUSINESS_EVENTS, render_dashboards
from reptidex.cli.prometheus_rules import (
    SloError,
    alert_names,
    load_slos,
    parse_slos,
    render_rules,
)
from reptidex.services.kernel.settings import load_settings
from reptidex.services.registry import APP_FACTORIES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SLO_FILE = DEPLOY / "prometheus" / "slos.toml"
RULES_FILE = DEPLOY / "prometheus" / "rules" / "reptidex.rules.yml"
PROMETHEUS_FILE = DEPLOY / "prometheus" / "prometheus.yml"
RULE_TESTS = sorted((DEPLOY / "prometheus" / "tests").glob("*.yml"))
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
ALERTMANAGER_TEMPLATE = DEPLOY / "alertmanager" / "alertmanager.yml"
RENDER_SCRIPT = DEPLOY / "alertmanager" / "render-config.sh"
RUNBOOKS = ROOT / "docs" / "runbooks" / "alerts"
ALERTMANAGER_ENV = {
    "ALERTMANAGER_SMTP_SMARTHOST": "mail.example.org:587",
    "ALERTMANAGER_SMTP_FROM": "alerts@example.org",
    "ALERTMANAGER_SMTP_USERNAME": 'odd "user" \\ name',
    "ALERTMANAGER_EMAIL_TO": "ops@example.org",
    "ALERTMANAGER_WEBHOOK_URL": "https://hooks.example.org/reptidex",
}


def tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        unavailable(f"{name} is not installed (apt-get install {package})")
    return found


def run(*command: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def rules() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text())
    return document


def every_rule(rules: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for group in rules["groups"]:
        yield from group["rules"]


# -- generated files are up to date --------------------------------------------------------


def test_the_committed_rules_are_the_generated_ones() -> None:
    assert RULES_FILE.read_text() == render_rules(load_slos(SLO_FILE)), (
        "deploy/prometheus/rules is out of date: run `reptidex monitoring rules`"
    )


def test_the_committed_dashboards_are_the_generated_ones() -> None:
    for name, text in render_dashboards(load_slos(SLO_FILE)).items():
        assert (DASHBOARDS / name).read_text() == text, (
            f"{name} is out of date: run `reptidex monitoring dashboards`"
        )


def test_the_check_option_fails_on_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rules.yml"
    command = ["monitoring", "rules", "--slos", str(SLO_FILE), "--out", str(out)]
    with pytest.raises(SystemExit) as missing:
        main([*command, "--check"])
    assert missing.value.code == 1
    assert "out of date" in capsys.readouterr().err
    with pytest.raises(SystemExit) as wrote:
        main(command)
    assert wrote.value.code == 0
    assert out.read_text() == RULES_FILE.read_text()
    with pytest.raises(SystemExit) as fresh:
        main([*command, "--check"])
    assert fresh.value.code == 0


# -- the SLO file --------------------------------------------------------------------------


def slo_document() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(SLO_FILE.read_text())


def test_the_slos_are_the_ones_promised() -> None:
    slos = load_slos(SLO_FILE)
    assert set(slos.services) == {"core", "animal", "commerce", "media", "community", "ops"}
    by_kind = {(o.service, o.kind): o for o in slos.objectives}
    for service in slos.services:
        assert by_kind[service, "availability"].objective == 0.999
        assert by_kind[service, "errors"].objective == 0.99
        latency = by_kind[service, "latency"]
        assert (latency.objective, latency.threshold_seconds) == (0.95, 0.5)
    assert {"1h", "6h", "30d"} <= set(slos.windows)
    fast, slow = slos.burn_alerts
    assert (fast.long_window, fast.short_window, fast.burn_rate) == ("1h", "5m", 14.4)
    assert (slow.long_window, slow.short_window, slow.burn_rate) == ("6h", "30m", 6.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"objectives": {"errors": {"objective": 0.99}}}, "exactly availability"),
        ({"overrides": {"media": {"latency": {"threshold_seconds": 0.3}}}}, "not a bucket"),
        ({"overrides": {"media": {"errors": {"objective": 1.5}}}}, "between 0 and 1"),
        ({"overrides": {"payments": {}}}, "unknown services"),
        ({"period": "a month"}, "not a duration"),
    ],
)
def test_a_wrong_slo_file_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SloError, match=message):
        parse_slos({**slo_document(), **change})


def test_an_override_changes_one_service_only() -> None:
    document = {**slo_document(), "overrides": {"media": {"latency": {"threshold_seconds": 1.0}}}}
    text = render_rules(parse_slos(document))
    assert 'service="media",le="1.0"' in text
    assert 'service="core",le="0.5"' in text
    assert 'service="media",le="0.5"' not in text


def test_probe_routes_are_left_out_of_the_request_slos(rules: dict[str, Any]) -> None:
    ratios = [
        rule["expr"]
        for rule in every_rule(rules)
        if rule.get("record", "").startswith("reptidex:slo_bad_ratio")
        and rule["labels"]["slo"] != "availability"
    ]
    assert ratios
    for expr in ratios:
        for selector in re.findall(r"reptidex_http_\w+\{([^}]*)\}", expr):
            assert 'route!~"/health|/health/deep|/health/errors|/metrics"' in selector, expr


# -- Prometheus' and Alertmanager's tools ------------------------------------------------------


def test_promtool_accepts_the_config_and_rules() -> None:
    promtool = tool("promtool", "prometheus")
    output = run(promtool, "check", "config", str(PROMETHEUS_FILE))
    assert "reptidex.rules.yml" in output, "prometheus.yml does not load the generated rules"
    run(promtool, "check", "rules", str(RULES_FILE))


def test_the_rule_unit_tests_pass() -> None:
    promtool = tool("promtool", "prometheus")
    assert {path.name for path in RULE_TESTS} >= {"slo_burn.yml", "operations.yml", "healthy.yml"}
    run(promtool, "test", "rules", *map(str, RULE_TESTS))


def test_the_rule_unit_tests_cover_every_alert(rules: dict[str, Any]) -> None:
    tested = {
        case["alertname"]
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert tested == set(alert_names(load_slos(SLO_FILE))), "an alert never fires in a test"


def test_the_rule_unit_tests_fail_on_a_broken_rule(tmp_path: Path) -> None:
    """The tests can fail: with the fast burn's threshold raised past the test's 20x, they do."""
    promtool = tool("promtool", "prometheus")
    broken = RULES_FILE.read_text().replace(
        'reptidex:slo_burn_rate:rate1h{service="commerce",slo="errors"} > 14.4',
        'reptidex:slo_burn_rate:rate1h{service="commerce",slo="errors"} > 40',
    )
    assert broken != RULES_FILE.read_text()
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "reptidex.rules.yml").write_text(broken)
    (tmp_path / "tests").mkdir()
    copy = tmp_path / "tests" / "slo_burn.yml"
    shutil.copy(DEPLOY / "prometheus" / "tests" / "slo_burn.yml", copy)
    result = subprocess.run(
        [promtool, "test", "rules", str(copy)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "ErrorBudgetFastBurn" in result.stdout + result.stderr


def render_alertmanager(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(RENDER_SCRIPT), str(ALERTMANAGER_TEMPLATE), str(tmp_path / "am.yml")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"], **env},
    )


def test_amtool_accepts_the_rendered_alertmanager_config(tmp_path: Path) -> None:
    amtool = tool("amtool", "prometheus-alertmanager")
    assert render_alertmanager(tmp_path, ALERTMANAGER_ENV).returncode == 0
    output = run(amtool, "check-config", str(tmp_path / "am.yml"))
    assert "SUCCESS" in output
    config = yaml.safe_load((tmp_path / "am.yml").read_text())
    assert config["global"]["smtp_auth_username"] == ALERTMANAGER_ENV["ALERTMANAGER_SMTP_USERNAME"]
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    assert (
        receivers["page"]["webhook_configs"][0]["url"]
        == ALERTMANAGER_ENV["ALERTMANAGER_WEBHOOK_URL"]
    )
    assert receivers["page"]["email_configs"][0]["to"] == "ops@example.org"
    assert "smtp_auth_password" not in config["global"], "the password comes from a file"


def test_the_alertmanager_config_needs_every_variable(tmp_path: Path) -> None:
    for name in ALERTMANAGER_ENV:
        env = {key: value for key, value in ALERTMANAGER_ENV.items() if key != name}
        result = render_alertmanager(tmp_path, env)
        assert result.returncode != 0
        assert f"{name} is not set" in result.stderr


def test_alertmanager_routes_by_severity_and_inhibits(tmp_path: Path) -> None:
    """amtool's route tester: a page goes to the page receiver, a ticket to email only; a
    service down silences its availability burn (ServiceDown carries ``service`` for that)."""
    amtool = tool("amtool", "prometheus-alertmanager")
    assert render_alertmanager(tmp_path, ALERTMANAGER_ENV).returncode == 0
    config = str(tmp_path / "am.yml")
    severities = {
        str(rule["labels"]["severity"])
        for rule in every_rule(yaml.safe_load(RULES_FILE.read_text()))
        if "alert" in rule
    }
    assert severities == {"page", "ticket"}
    expected = {"page": "page", "ticket": "ticket"}
    for severity, receiver in expected.items():
        output = run(
            amtool, "config", "routes", "test", "--config.file", config, f"severity={severity}"
        )
        assert output.split()[0] == receiver
    (down, fast) = yaml.safe_load(Path(config).read_text())["inhibit_rules"]
    assert down["source_matchers"] == ['alertname="ServiceDown"']
    assert 'slo="availability"' in down["target_matchers"]
    assert down["equal"] == ["service"]
    assert fast["equal"] == ["service", "slo"]


def test_the_compose_stack_runs_alertmanager_and_prometheus_reads_the_rules() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    alertmanager = compose["alertmanager"]
    assert "render-config.sh" in " ".join(alertmanager["entrypoint"])
    assert "./prometheus/rules:/etc/prometheus/rules:ro" in compose["prometheus"]["volumes"]
    config = yaml.safe_load(PROMETHEUS_FILE.read_text())
    assert config["rule_files"] == ["rules/*.yml"]
    targets = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert targets == ["alertmanager:9093"]
    assert "9093:9093" in alertmanager["ports"]
    variables = set(alertmanager["environment"])
    assert variables == set(ALERTMANAGER_ENV)
    assert set(re.findall(r"\$\{(\w+)\}", ALERTMANAGER_TEMPLATE.read_text())) == variables


# -- metric names ------------------------------------------------------------------------------

PROMQL_WORDS = {
    "sum", "avg", "max", "min", "count", "rate", "increase", "delta", "deriv", "topk",
    "histogram_quantile", "avg_over_time", "label_replace", "vector", "by", "without", "and",
    "or", "unless", "on", "ignoring", "group_left", "group_right", "bool", "offset",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads."""
    text = re.sub(r'"[^"]*"', '""', expr)  # strings
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", text)  # groupings
    names = set(re.findall(r"(?<![\w:.$])[a-zA-Z_:][\w:]*", text))
    return {name for name in names if name not in PROMQL_WORDS and not name.startswith("__")}


def test_metric_names_are_found_in_expressions() -> None:
    assert metric_names(
        'sum by (le) (rate(reptidex_x_bucket{le="0.5",route!~"a|b"}[$__rate_interval]))'
    ) == {"reptidex_x_bucket"}
    assert metric_names('a:b:c{x="1"} / 0.01 and up == 0') == {"a:b:c", "up"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every metric name the services export (read from their /metrics), with a histogram's
    series, and Prometheus' own ``up``."""
    data = tmp_path_factory.mktemp("metrics")
    settings = load_settings(
        {
            "REPTIDEX_DATA_DIR": str(data),
            "REPTIDEX_LOG_FORMAT": "json",
            "REPTIDEX_DATABASE_OWNER_ALLOWED": "true",
        }
    )
    from reptidex.adapters.sql.migrations import upgrade

    names = {"up"}
    for service in ("core", "commerce", "animal"):
        upgrade(service, settings.database_url(service))
        with TestClient(APP_FACTORIES[service](settings)) as client:
            client.get("/health")
            if service == "core":
                client.get("/.well-known/jwks.json")  # its first signing key, and its age
            text = client.get("/metrics").text
        for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE):
            names.add(name)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    return names


@pytest.fixture(scope="module")
def recorded(rules: dict[str, Any]) -> set[str]:
    return {rule["record"] for rule in every_rule(rules) if "record" in rule}


def dashboard_exprs() -> Iterator[tuple[str, str, str]]:
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                yield path.name, panel["title"], target["expr"]


def test_every_dashboard_reads_metrics_that_exist(exported: set[str], recorded: set[str]) -> None:
    exprs = list(dashboard_exprs())
    assert {name for name, _, _ in exprs} >= {
        "reptidex.json",
        "reptidex-slos.json",
        "reptidex-business.json",
        *(f"reptidex-{s}.json" for s in load_slos(SLO_FILE).services),
    }
    unknown = {
        f"{name} / {title}: {metric}"
        for name, title, expr in exprs
        for metric in metric_names(expr)
        if metric not in exported | recorded
    }
    assert not unknown, sorted(unknown)


def test_every_rule_reads_metrics_that_exist(
    rules: dict[str, Any], exported: set[str], recorded: set[str]
) -> None:
    unknown = {
        metric
        for rule in every_rule(rules)
        for metric in metric_names(rule["expr"])
        if metric not in exported | recorded
    }
    assert not unknown, sorted(unknown)


def test_the_business_board_counts_event_types_that_are_published() -> None:
    """Each business figure names an event type some use case stages."""
    sources = "\n".join(
        path.read_text() for path in (ROOT / "src" / "reptidex" / "domain").rglob("*.py")
    )
    for _, event_type in BUSINESS_EVENTS:
        assert f'"{event_type}"' in sources, f"no use case publishes {event_type}"


def test_the_slo_board_shows_budgets_and_burn_rates(recorded: set[str]) -> None:
    board = json.loads((DASHBOARDS / "reptidex-slos.json").read_text())
    exprs = " ".join(target["expr"] for panel in board["panels"] for target in panel["targets"])
    for metric in (
        "reptidex:slo_budget_remaining:ratio",
        "reptidex:slo_burn_rate:rate1h",
        "reptidex:slo_burn_rate:rate6h",
    ):
        assert metric in exprs
        assert metric in recorded


# -- runbooks ----------------------------------------------------------------------------------

RUNBOOK_SECTIONS = ("## What it means", "## Confirm", "## Mitigate", "## Recover")


def test_every_alert_has_its_runbook_and_every_runbook_its_alert(rules: dict[str, Any]) -> None:
    slos = load_slos(SLO_FILE)
    alerts = {rule["alert"]: rule for rule in every_rule(rules) if "alert" in rule}
    for name, rule in alerts.items():
        assert rule["annotations"]["runbook_url"] == f"{slos.runbook_base_url}{name}.md"
        assert (RUNBOOKS / f"{name}.md").is_file(), f"{name} has no runbook"
    pages = {path.stem for path in RUNBOOKS.glob("*.md")} - {"README"}
    assert pages == set(alerts), f"runbooks without an alert: {sorted(pages - set(alerts))}"


@pytest.mark.parametrize("alert", alert_names(load_slos(SLO_FILE)))
def test_every_runbook_says_what_how_to_confirm_mitigate_and_recover(alert: str) -> None:
    text = (RUNBOOKS / f"{alert}.md").read_text()
    assert text.startswith(f"# {alert}\n")
    positions = [text.find(section) for section in RUNBOOK_SECTIONS]
    assert all(position > 0 for position in positions), f"{alert}: missing {RUNBOOK_SECTIONS}"
    assert positions == sorted(positions), f"{alert}: sections out of order"
    assert "```promql" in text, f"{alert}: no PromQL query to confirm it"
