"""Static checks of the deployment files in ``deploy/``.

No Docker engine runs on our machines, so nothing here builds or starts a container: the
tests read the compose file, the Dockerfile and the monitoring configuration and check that
they agree with each other and with the service contract (ports, environment variables,
databases, metric names).
"""

from __future__ import annotations

import json
import re
import shlex
import stat
import subprocess
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
PROMETHEUS_FILE = DEPLOY / "prometheus" / "prometheus.yml"
DASHBOARD_FILE = DEPLOY / "grafana" / "dashboards" / "reptidex.json"
INIT_SCRIPT = DEPLOY / "postgres" / "init-databases.sh"
NEW_ENV_SCRIPT = DEPLOY / "new-env.sh"

SERVICES: dict[str, int] = {
    "core": 8001,
    "animal": 8002,
    "commerce": 8003,
    "media": 8004,
    "community": 8005,
    "ops": 8006,
}
INFRA = ("postgres", "redis", "prometheus", "grafana")
DB_USER = "reptidex"
DB_PASSWORD_VAR = "POSTGRES_PASSWORD"
# repti-animal runs as a login role that does not own its tables, so row-level security applies.
# Every service runs as a login role that does not own its tables, so row-level security applies.
APP_CREDENTIALS = {name: (f"reptidex_{name}", f"{name.upper()}_DB_PASSWORD") for name in SERVICES}
# An environment variable whose value is a credential: it must come from the operator.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|_KEY$|API_?KEY|PRIVATE|CREDENTIAL")
# What a secret's value must be: one required reference to the operator's environment.
REQUIRED_REFERENCE = re.compile(r"\$\{(\w+):?\?[^}]*\}")
REQUESTS_METRIC = "reptidex_http_requests_total"
DURATION_BUCKETS = "reptidex_http_request_duration_seconds_bucket"


# --------------------------------------------------------------------------------------
# helpers


class MissingVariable(Exception):
    """Compose would refuse to start: a required variable is not set."""


def _interpolate(text: str, env: dict[str, str]) -> str:
    """``text`` with compose's ``${NAME}``, ``${NAME:-default}``, ``${NAME-default}``,
    ``${NAME:?message}``, ``${NAME?message}`` and ``$$`` replaced from ``env``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.group(1), match.group(2) or "", match.group(3) or ""
        value = env.get(name)
        empty = value is None or (operator.startswith(":") and value == "")
        if operator.endswith("?") and empty:
            raise MissingVariable(f"{name}: {argument}")
        if operator.endswith("-") and empty:
            return argument
        return value or ""

    return re.sub(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}", replace, text)


def _operator_env(folder: Path) -> dict[str, str]:
    """The variables ``deploy/new-env.sh`` writes, read back from a fresh file in ``folder``."""
    target = folder / ".env"
    subprocess.run(["sh", str(NEW_ENV_SCRIPT), str(target)], check=True, capture_output=True)
    pairs = (
        line.split("=", 1)
        for line in target.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {name: value for name, value in pairs}


def _interpolated(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return _interpolate(node, env)
    if isinstance(node, list):
        return [_interpolated(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _interpolated(value, env) for key, value in node.items()}
    return node


def _database_name(service: str) -> str:
    return f"repti_{service}_db"


def _database_var(service: str) -> str:
    return f"REPTIDEX_{service.upper()}_DATABASE_URL"


def _peer_var(service: str) -> str:
    return f"REPTIDEX_{service.upper()}_URL"


def _environment(definition: dict[str, Any]) -> dict[str, str]:
    """A compose service's environment as a dict, whichever syntax it uses."""
    env = definition.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, "") for item in env)
        return {key: value for key, value in pairs}
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def _published_ports(definition: dict[str, Any]) -> set[tuple[int, int]]:
    """(published, target) pairs of a compose service, from short or long port syntax."""
    pairs: set[tuple[int, int]] = set()
    for entry in definition.get("ports") or []:
        if isinstance(entry, dict):
            if entry.get("published") is not None:
                pairs.add((int(entry["published"]), int(entry["target"])))
            continue
        spec = str(entry).split("/", 1)[0]
        parts = spec.rsplit(":", 2)
        if len(parts) >= 2:
            pairs.add((int(parts[-2]), int(parts[-1])))
    return pairs


def _healthcheck_text(definition: dict[str, Any]) -> str:
    check = definition.get("healthcheck") or {}
    assert not check.get("disable"), "health check is disabled"
    test = check.get("test")
    assert test, "no health check test"
    if isinstance(test, list):
        assert test[0] in {"CMD", "CMD-SHELL"}, f"health check test must start with CMD: {test}"
        return " ".join(str(part) for part in test[1:])
    return str(test)


def _bind_mounts(definition: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    """(host path, container path) for every bind mount written as a relative path."""
    for entry in definition.get("volumes") or []:
        if isinstance(entry, dict):
            source, target = str(entry.get("source", "")), str(entry.get("target", ""))
        else:
            source, _, rest = str(entry).partition(":")
            target = rest.split(":", 1)[0]
        if source.startswith((".", "/")):
            yield (COMPOSE_FILE.parent / source).resolve(), target


def _image_tag(reference: str) -> str | None:
    """The tag of an image reference, or None when it has none (that means ``latest``)."""
    reference = reference.split("@", 1)[0]
    last = reference.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "Dockerfile ends inside a continued line"
    return instructions


def _dockerfile_stages() -> tuple[dict[str, str], list[list[tuple[str, str]]]]:
    """Global ARG defaults and the instructions of each stage (each starts with its FROM)."""
    global_args: dict[str, str] = {}
    stages: list[list[tuple[str, str]]] = []
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "FROM":
            stages.append([(keyword, arguments)])
        elif stages:
            stages[-1].append((keyword, arguments))
        elif keyword == "ARG":
            name, _, default = arguments.partition("=")
            global_args[name.strip()] = default.strip().strip("\"'")
    return global_args, stages


def _expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(
        r"\$\{?(\w+)\}?",
        lambda match: variables.get(match.group(1), match.group(0)),
        text,
    )


def _dockerfile_env_names() -> set[str]:
    names: set[str] = set()
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "ENV":
            for token in shlex.split(arguments):
                names.add(token.split("=", 1)[0])
    return names


def _dashboard_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels: list[dict[str, Any]] = []
    for panel in dashboard.get("panels", []):
        panels.append(panel)
        panels.extend(panel.get("panels", []))  # panels folded inside a row
    return panels


def _panel_exprs(panel: dict[str, Any]) -> list[str]:
    return [target["expr"] for target in panel.get("targets", []) if target.get("expr")]


def _grouped_by_service(expr: str) -> bool:
    return any(
        "service" in [label.strip() for label in group.split(",")]
        for group in re.findall(r"\bby\s*\(([^)]*)\)", expr)
    )


# --------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    """The compose file as written, before compose fills in the operator's variables."""
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict)
    assert isinstance(document.get("services"), dict)
    return document


@pytest.fixture(scope="module")
def operator_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _operator_env(tmp_path_factory.mktemp("deploy-env"))


@pytest.fixture(scope="module")
def compose(raw_compose: dict[str, Any], operator_env: dict[str, str]) -> dict[str, Any]:
    """The compose file as compose runs it, with the secrets ``deploy/new-env.sh`` makes."""
    document: dict[str, Any] = _interpolated(raw_compose, operator_env)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose["services"]
    return services


# --------------------------------------------------------------------------------------
# compose: the six services


def test_compose_defines_every_service(services: dict[str, dict[str, Any]]) -> None:
    missing = (set(SERVICES) | set(INFRA)) - set(services)
    assert not missing, f"docker-compose.yml lacks services: {sorted(missing)}"


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_runs_its_command_from_the_project_image(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    definition = services[name]
    build = definition.get("build")
    assert build, f"{name} is not built from the Dockerfile"
    if isinstance(build, str):
        build = {"context": build}
    context = (COMPOSE_FILE.parent / build.get("context", ".")).resolve()
    dockerfile = (context / build.get("dockerfile", "Dockerfile")).resolve()
    assert context == ROOT, f"{name}: build context must be the repository root"
    assert dockerfile == DOCKERFILE, f"{name}: build must use deploy/Dockerfile"
    command = definition.get("command")
    if isinstance(command, str):
        command = shlex.split(command)
    assert command == ["reptidex", "serve", name, "--no-migrate"]


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_publishes_its_port(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    assert (port, port) in _published_ports(services[name])


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_has_a_health_check_on_health(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    text = _healthcheck_text(services[name])
    assert "/health" in text
    assert "127.0.0.1" in text or "localhost" in text
    assert "REPTIDEX_PORT" in text or str(port) in text
    assert "curl" not in text, "the slim image has no curl"


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_listens_where_it_is_published(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    env = _environment(services[name])
    assert env.get("REPTIDEX_HOST") == "0.0.0.0"
    assert env.get("REPTIDEX_PORT") == str(port)


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_uses_its_own_postgres_database(
    services: dict[str, dict[str, Any]], operator_env: dict[str, str], name: str, port: int
) -> None:
    env = _environment(services[name])
    url = env.get(_database_var(name))
    assert url, f"{name} has no {_database_var(name)}"
    parts = urlsplit(url)
    assert parts.scheme == "postgresql+asyncpg"
    assert parts.hostname == "postgres"
    assert (parts.port or 5432) == 5432
    user, password_var = APP_CREDENTIALS.get(name, (DB_USER, DB_PASSWORD_VAR))
    assert (parts.username, parts.password) == (user, operator_env[password_var])
    assert parts.path == f"/{_database_name(name)}"
    others = {_database_var(other) for other in SERVICES if other != name} & set(env)
    assert not others, f"{name} must not be given other services' databases: {sorted(others)}"


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_uses_the_redis_container(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    url = _environment(services[name]).get("REPTIDEX_REDIS_URL")
    assert url, f"{name} has no REPTIDEX_REDIS_URL"
    parts = urlsplit(url)
    assert parts.scheme == "redis"
    assert parts.hostname == "redis"
    assert (parts.port or 6379) == 6379


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_knows_every_peer_and_logs_json(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    env = _environment(services[name])
    for peer, peer_port in SERVICES.items():
        assert env.get(_peer_var(peer)) == f"http://{peer}:{peer_port}", f"{name} -> {peer}"
    assert env.get("REPTIDEX_LOG_FORMAT") == "json"
    assert env.get("REPTIDEX_LOG_LEVEL") == "INFO"
    assert env.get("REPTIDEX_DATA_DIR") == "/var/lib/reptidex"


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_waits_for_healthy_postgres_and_redis(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    depends_on = services[name].get("depends_on")
    assert isinstance(depends_on, dict), f"{name}: depends_on needs the long form with conditions"
    for dependency in ("postgres", "redis"):
        assert dependency in depends_on, f"{name} does not depend on {dependency}"
        assert (depends_on[dependency] or {}).get("condition") == "service_healthy"


def test_migrations_run_once_as_the_owner_before_the_services(
    services: dict[str, dict[str, Any]], operator_env: dict[str, str]
) -> None:
    job = services["migrate"]
    assert job.get("command") == ["reptidex", "db", "upgrade"]
    assert job.get("restart") == "no"
    assert (job["depends_on"]["postgres"] or {}).get("condition") == "service_healthy"
    env = _environment(job)
    for name in SERVICES:
        parts = urlsplit(env[_database_var(name)])
        assert (parts.username, parts.password, parts.hostname) == (
            DB_USER,
            operator_env[DB_PASSWORD_VAR],
            "postgres",
        )
        assert parts.path == f"/{_database_name(name)}"
        condition = (services[name]["depends_on"].get("migrate") or {}).get("condition")
        assert condition == "service_completed_successfully", name


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_role_is_a_non_owner_member_of_its_rls_role(name: str) -> None:
    role = f"reptidex_{name}_app"
    migrations = (ROOT / f"src/reptidex/adapters/sql/migrations/versions/{name}").glob("*.py")
    assert any(f'APP_ROLE = "{role}"' in m.read_text() for m in migrations), (
        "no migration grants it"
    )
    script = INIT_SCRIPT.read_text()
    user, password_var = APP_CREDENTIALS[name]
    assert f"CREATE ROLE {role} NOLOGIN" in script
    assert f"CREATE ROLE {user} LOGIN PASSWORD :'{name}_password' IN ROLE {role}" in script
    assert f'-v {name}_password="${password_var}"' in script
    assert f"OWNER {user}" not in script


def test_the_postgres_container_gets_every_role_password(
    services: dict[str, dict[str, Any]], operator_env: dict[str, str]
) -> None:
    env = _environment(services["postgres"])
    for _, password_var in APP_CREDENTIALS.values():
        assert env.get(password_var) == operator_env[password_var]
    assert INIT_SCRIPT.stat().st_mode & stat.S_IXUSR, "the entrypoint runs executable scripts"


def test_every_service_shares_the_service_secrets(services: dict[str, dict[str, Any]]) -> None:
    for name in SERVICES:
        env = _environment(services[name])
        for peer in SERVICES:
            assert f"REPTIDEX_{peer.upper()}_SERVICE_SECRET" in env, f"{name} lacks {peer}'s"


def test_compose_env_var_names_are_known_to_the_settings() -> None:
    """Every REPTIDEX_* name given to a container is one the settings module reads."""
    from reptidex.services.kernel import settings

    known = settings.KNOWN_ENV_VARS
    assert isinstance(known, frozenset)
    used = {
        key
        for definition in yaml.safe_load(COMPOSE_FILE.read_text())["services"].values()
        for key in _environment(definition)
        if key.startswith("REPTIDEX_")
    }
    used |= {name for name in _dockerfile_env_names() if name.startswith("REPTIDEX_")}
    assert used, "no REPTIDEX_ variables found"
    unknown = used - known
    assert not unknown, f"settings do not recognise: {sorted(unknown)}"


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_container_environment_passes_settings_validation(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    """The values (not only the names) are ones the settings accept, image ENV included."""
    from reptidex.services.kernel import settings

    image_env: dict[str, str] = {}
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "ENV":
            for token in shlex.split(arguments):
                key, value = token.split("=", 1)
                image_env[key] = value
    definition = services[name]
    environ = {
        key: value
        for key, value in {**image_env, **_environment(definition)}.items()
        if key.startswith("REPTIDEX_")
    }
    loaded = settings.load_settings(environ)
    assert loaded.port == port


# --------------------------------------------------------------------------------------
# secrets: none ships with the files


def _secret_values(raw_compose: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(container, variable, value as written) of every credential in the compose file: the
    variables named like one, and the password of every URL."""
    for name, definition in raw_compose["services"].items():
        for key, value in _environment(definition).items():
            if SECRET_NAME.search(key):
                yield name, key, value
            password = re.match(r"\w[\w+.-]*://[^:/@]+:(.+)@", value)
            if password:
                yield name, f"{key} (password)", password.group(1)


def test_no_secret_has_a_literal_value(raw_compose: dict[str, Any]) -> None:
    """Every credential is a required reference (``${NAME:?...}``): no literal value and no
    default that would start a stack with a password everyone knows."""
    found = list(_secret_values(raw_compose))
    assert {key for _, key, _ in found} >= {
        "POSTGRES_PASSWORD",
        "GF_SECURITY_ADMIN_PASSWORD",
        "REPTIDEX_SIGNING_KEY_SECRET",
        "REPTIDEX_CORE_SERVICE_SECRET",
        "REPTIDEX_CORE_DATABASE_URL (password)",
    }
    literal = [
        f"{name}: {key}={value}"
        for name, key, value in found
        if not REQUIRED_REFERENCE.fullmatch(value)
    ]
    assert not literal, f"secrets with a literal or default value: {literal}"


def test_no_secret_is_written_in_the_deploy_files() -> None:
    """Neither the image nor the database init script carries a password of its own."""
    assert not [name for name in _dockerfile_env_names() if SECRET_NAME.search(name)]
    script = INIT_SCRIPT.read_text()
    assert not re.search(r"PASSWORD\s+'", script, re.IGNORECASE), "a literal role password"


def test_compose_refuses_to_start_without_the_secrets(
    raw_compose: dict[str, Any], operator_env: dict[str, str]
) -> None:
    """Without each one of the variables, interpolation stops and names it."""
    required = {
        match.group(1)
        for _, _, value in _secret_values(raw_compose)
        for match in [REQUIRED_REFERENCE.fullmatch(value)]
        if match
    }
    assert required == set(operator_env), "deploy/new-env.sh and the compose file disagree"
    for variable in sorted(required):
        env = {key: value for key, value in operator_env.items() if key != variable}
        with pytest.raises(MissingVariable, match=rf"^{variable}: run deploy/new-env.sh$"):
            _interpolated(raw_compose, env)
        with pytest.raises(MissingVariable):
            _interpolated(raw_compose, {**env, variable: ""})


def test_new_env_writes_private_random_secrets_once(tmp_path: Path) -> None:
    first = _operator_env(tmp_path)
    target = tmp_path / ".env"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in first.values()), first
    assert len(set(first.values())) == len(first), "every secret is its own"
    assert _operator_env(tmp_path) == first, "an existing file is kept"
    (tmp_path / "other").mkdir()
    assert _operator_env(tmp_path / "other") != first
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "deploy/.env" in ignored


# --------------------------------------------------------------------------------------
# compose: infrastructure


def test_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, definition in services.items():
        image = definition.get("image")
        if image is None:
            assert definition.get("build"), f"{name} has neither image nor build"
            continue
        tag = _image_tag(str(image))
        assert tag, f"{name}: image {image} has no tag (that is latest)"
        assert tag != "latest", f"{name}: image {image} uses latest"
    assert str(services["postgres"]["image"]).startswith("postgres:16")
    assert str(services["redis"]["image"]).startswith("redis:7")


def test_bind_mounted_files_exist(services: dict[str, dict[str, Any]]) -> None:
    for name, definition in services.items():
        for host_path, _ in _bind_mounts(definition):
            assert host_path.exists(), f"{name} mounts missing {host_path}"


@pytest.mark.parametrize("name", ["postgres", "redis"])
def test_backing_services_have_health_checks(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    text = _healthcheck_text(services[name])
    assert {"postgres": "pg_isready", "redis": "redis-cli"}[name] in text


def test_postgres_credentials_match_the_database_urls(
    services: dict[str, dict[str, Any]], operator_env: dict[str, str]
) -> None:
    env = _environment(services["postgres"])
    assert env.get("POSTGRES_USER") == DB_USER
    assert env.get("POSTGRES_PASSWORD") == operator_env[DB_PASSWORD_VAR]


def test_postgres_init_script_creates_every_database(
    services: dict[str, dict[str, Any]],
) -> None:
    scripts = [
        host
        for host, target in _bind_mounts(services["postgres"])
        if target.startswith("/docker-entrypoint-initdb.d")
    ]
    assert scripts, "postgres mounts no init script into /docker-entrypoint-initdb.d"
    created: set[str] = set()
    for script in scripts:
        files = sorted(script.iterdir()) if script.is_dir() else [script]
        for file in files:
            assert file.suffix in {".sql", ".sh"}, f"postgres would ignore {file.name}"
            created |= set(
                re.findall(r'CREATE\s+DATABASE\s+"?(\w+)"?', file.read_text(), re.IGNORECASE)
            )
    missing = {_database_name(name) for name in SERVICES} - created
    assert not missing, f"init script does not create {sorted(missing)}"


# --------------------------------------------------------------------------------------
# prometheus


def test_prometheus_scrapes_every_service_metrics() -> None:
    config = yaml.safe_load(PROMETHEUS_FILE.read_text())
    scraped: set[tuple[str, str]] = set()
    for job in config.get("scrape_configs", []):
        path = job.get("metrics_path", "/metrics")
        for static in job.get("static_configs", []):
            scraped |= {(str(target), path) for target in static.get("targets", [])}
    for name, port in SERVICES.items():
        assert (f"{name}:{port}", "/metrics") in scraped, f"{name}:{port}/metrics is not scraped"


def test_prometheus_container_reads_the_config(services: dict[str, dict[str, Any]]) -> None:
    prometheus = services["prometheus"]
    command = prometheus.get("command") or []
    if isinstance(command, str):
        command = shlex.split(command)
    config_path = "/etc/prometheus/prometheus.yml"
    for argument in command:
        if str(argument).startswith("--config.file="):
            config_path = str(argument).split("=", 1)[1]
    assert (PROMETHEUS_FILE.resolve(), config_path) in set(_bind_mounts(prometheus))


# --------------------------------------------------------------------------------------
# grafana


def _provisioning(kind: str) -> list[dict[str, Any]]:
    files = sorted((DEPLOY / "grafana" / "provisioning" / kind).glob("*.y*ml"))
    assert files, f"no grafana {kind} provisioning file"
    return [yaml.safe_load(file.read_text()) for file in files]


def test_grafana_mounts_provisioning_and_dashboards(services: dict[str, dict[str, Any]]) -> None:
    mounts = dict(_bind_mounts(services["grafana"]))
    assert mounts.get((DEPLOY / "grafana" / "provisioning").resolve()) == (
        "/etc/grafana/provisioning"
    )
    dashboards_target = mounts.get((DEPLOY / "grafana" / "dashboards").resolve())
    assert dashboards_target, "grafana does not mount deploy/grafana/dashboards"
    provider_paths = {
        provider["options"]["path"]
        for document in _provisioning("dashboards")
        for provider in document.get("providers", [])
    }
    assert dashboards_target in provider_paths


def test_grafana_datasource_is_prometheus() -> None:
    datasources = [
        source
        for document in _provisioning("datasources")
        for source in document.get("datasources", [])
    ]
    assert any(
        source.get("type") == "prometheus" and source.get("url") == "http://prometheus:9090"
        for source in datasources
    )


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DASHBOARD_FILE.read_text())
    return document


def _panel(dashboard: dict[str, Any], *words: str) -> dict[str, Any]:
    for panel in _dashboard_panels(dashboard):
        title = panel.get("title", "").lower()
        if all(word in title for word in words):
            return panel
    raise AssertionError(f"dashboard has no panel titled with {words}")


def test_dashboard_request_rate_panel(dashboard: dict[str, Any]) -> None:
    exprs = _panel_exprs(_panel(dashboard, "request rate"))
    assert any(
        REQUESTS_METRIC in expr and "rate(" in expr and _grouped_by_service(expr) for expr in exprs
    )


def test_dashboard_error_rate_panel(dashboard: dict[str, Any]) -> None:
    exprs = _panel_exprs(_panel(dashboard, "error"))
    assert any(
        REQUESTS_METRIC in expr
        and re.search(r'status\s*=~\s*"5', expr)
        and _grouped_by_service(expr)
        for expr in exprs
    )


def test_dashboard_p95_latency_panel(dashboard: dict[str, Any]) -> None:
    exprs = _panel_exprs(_panel(dashboard, "p95"))
    assert any(
        re.search(r"histogram_quantile\(\s*0\.95", expr)
        and DURATION_BUCKETS in expr
        and re.search(r"\bby\s*\([^)]*\ble\b", expr)
        and _grouped_by_service(expr)
        for expr in exprs
    )


def test_dashboard_uses_the_provisioned_datasource(dashboard: dict[str, Any]) -> None:
    uids = {
        source.get("uid")
        for document in _provisioning("datasources")
        for source in document.get("datasources", [])
    }
    for panel in _dashboard_panels(dashboard):
        for item in [panel, *panel.get("targets", [])]:
            source = item.get("datasource")
            if isinstance(source, dict) and source.get("type") == "prometheus":
                assert source.get("uid") in uids, f"panel {panel.get('title')!r}: unknown uid"


# --------------------------------------------------------------------------------------
# Dockerfile and .dockerignore


def test_dockerfile_is_multi_stage_on_pinned_slim_python() -> None:
    global_args, stages = _dockerfile_stages()
    assert len(stages) >= 2, "the Dockerfile should build in one stage and run in another"
    for stage in stages:
        image = _expand(stage[0][1].split()[0], global_args)
        if image in {"scratch"} or "$" in image:
            continue
        tag = _image_tag(image)
        assert tag, f"FROM {image} has no tag (that is latest)"
        assert tag != "latest", f"FROM {image} uses latest"
    final_image = _expand(stages[-1][0][1].split()[0], global_args)
    assert re.fullmatch(r"python:3\.12(\.\d+)?-slim(-\w+)?", final_image), final_image
    assert "latest" not in DOCKERFILE.read_text().lower()


def test_dockerfile_runs_as_non_root() -> None:
    _, stages = _dockerfile_stages()
    users = [arguments for keyword, arguments in stages[-1] if keyword == "USER"]
    assert users, "the final stage sets no USER"
    user = users[-1].split(":", 1)[0]
    assert user not in {"root", "0"}, f"final USER is {users[-1]}"


def test_dockerfile_health_check_uses_urllib() -> None:
    _, stages = _dockerfile_stages()
    checks = [arguments for keyword, arguments in stages[-1] if keyword == "HEALTHCHECK"]
    assert checks, "the final stage has no HEALTHCHECK"
    check = checks[-1]
    assert not check.upper().startswith("NONE")
    assert "urllib" in check
    assert "127.0.0.1" in check
    assert "/health" in check
    assert "REPTIDEX_PORT" in check
    assert "curl" not in check


def test_dockerfile_default_command_serves_core() -> None:
    _, stages = _dockerfile_stages()
    commands = [arguments for keyword, arguments in stages[-1] if keyword == "CMD"]
    assert commands, "no CMD"
    command = commands[-1]
    parsed = json.loads(command) if command.startswith("[") else shlex.split(command)
    assert parsed == ["reptidex", "serve", "core"]


def test_dockerfile_copies_only_files_that_exist() -> None:
    for keyword, arguments in _dockerfile_instructions():
        if keyword != "COPY" or "--from" in arguments:
            continue
        sources = [part for part in shlex.split(arguments) if not part.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the build context"


def _dockerignored(top_level_name: str) -> bool:
    """Whether a top-level entry of the build context is excluded (last match wins)."""
    excluded = False
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = str(PurePosixPath(line.lstrip("!").removeprefix("**/")))
        if fnmatch(top_level_name, pattern):
            excluded = not negate
    return excluded


def test_dockerignore_keeps_the_context_small_but_complete() -> None:
    assert (ROOT / ".dockerignore").is_file()
    for needed in ("pyproject.toml", "README.md", "src"):
        assert not _dockerignored(needed), f".dockerignore excludes {needed}"
    for unwanted in (".git", ".venv", "tests", "data"):
        assert _dockerignored(unwanted), f".dockerignore lets {unwanted} into the context"


TEMPO_FILE = DEPLOY / "tempo" / "tempo.yaml"


def _tempo() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(TEMPO_FILE.read_text())
    return document


@pytest.mark.parametrize("name", SERVICES)
def test_service_sends_its_spans_to_tempos_otlp_http_receiver(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    receiver = _tempo()["distributor"]["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    port = receiver.rsplit(":", 1)[1]
    assert _environment(services[name]).get("REPTIDEX_OTLP_ENDPOINT") == (
        f"http://tempo:{port}/v1/traces"
    )


def test_tempo_reads_its_config_and_keeps_traces_in_a_volume(
    services: dict[str, dict[str, Any]], raw_compose: dict[str, Any]
) -> None:
    tempo = services["tempo"]
    mounts = dict(_bind_mounts(tempo))
    target = mounts.get(TEMPO_FILE.resolve())
    assert target, "tempo does not mount deploy/tempo/tempo.yaml"
    assert tempo["command"] == [f"-config.file={target}"]
    storage = _tempo()["storage"]["trace"]
    volume_targets = {
        str(entry).split(":")[1] for entry in tempo["volumes"] if not str(entry).startswith(".")
    }
    assert volume_targets == {"/var/tempo"}
    assert storage["wal"]["path"].startswith("/var/tempo/")
    assert storage["local"]["path"].startswith("/var/tempo/")
    assert "tempo-data" in raw_compose["volumes"]


def test_grafana_datasource_reads_traces_from_tempo() -> None:
    port = _tempo()["server"]["http_listen_port"]
    datasources = [
        source
        for document in _provisioning("datasources")
        for source in document.get("datasources", [])
    ]
    assert any(
        source.get("type") == "tempo" and source.get("url") == f"http://tempo:{port}"
        for source in datasources
    )
