"""The web application's container in ``deploy/``: its port, its command, the settings it is
given (its own secret, no database and no service's credential), and the proxy in front."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_deploy_config import COMPOSE_FILE, DEPLOY, _environment, _interpolated, _operator_env

from reptidex.services.kernel.settings import load_settings


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The web container as compose runs it, with the secrets ``deploy/new-env.sh`` makes."""
    env = _operator_env(tmp_path_factory.mktemp("web-env"))
    compose = _interpolated(yaml.safe_load(COMPOSE_FILE.read_text()), env)
    definition: dict[str, Any] = compose["services"]["web"]
    return definition


def test_the_web_application_serves_on_8000(web: dict[str, Any]) -> None:
    assert web["command"] == ["reptidex", "serve", "web"]
    assert "8000:8000" in web["ports"]
    settings = load_settings(_environment(web))
    assert settings.port == 8000
    assert settings.web_secret  # the same on every replica, from the operator
    assert settings.redis_url  # sessions shared by the replicas
    assert settings.peer_url("core") == "http://core:8001"


def test_the_web_application_holds_no_database_and_no_service_credential(
    web: dict[str, Any],
) -> None:
    names = set(_environment(web))
    assert not {name for name in names if name.endswith(("_DATABASE_URL", "_SERVICE_SECRET"))}
    assert "migrate" not in web["depends_on"]


def test_the_mails_link_to_the_web_application(web: dict[str, Any]) -> None:
    text = COMPOSE_FILE.read_text()
    defaults = set(re.findall(r"REPTIDEX_PUBLIC_URL: \$\{REPTIDEX_PUBLIC_URL:-([^}]+)\}", text))
    assert defaults == {"http://localhost:8000"}


def test_the_proxy_sends_the_site_to_the_web_application() -> None:
    config = (DEPLOY / "nginx" / "reptidex.conf").read_text()
    assert re.search(r"upstream reptidex_web\s+\{[^}]*:8000", config)
    assert re.search(
        r"server_name www\.reptidex\.example;\s+location / \{ proxy_pass http://reptidex_web;",
        config,
    )
    assert Path(DEPLOY / "new-env.sh").read_text().count("REPTIDEX_WEB_SECRET") == 1
