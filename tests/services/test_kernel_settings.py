"""Settings come from REPTIDEX_* variables and are validated, every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from reptidex.services.kernel.catalog import SERVICE_NAMES, service_spec
from reptidex.services.kernel.settings import (
    KNOWN_ENV_VARS,
    SettingsError,
    load_settings,
    normalise_database_url,
)


def test_defaults_give_the_embedded_platform(tmp_path: Path) -> None:
    settings = load_settings({"REPTIDEX_DATA_DIR": str(tmp_path)})
    for name in SERVICE_NAMES:
        url = settings.database_url(name)
        assert url.startswith("sqlite+aiosqlite:///")
        assert url.endswith(f"{name}.sqlite3")
        assert str(tmp_path.resolve()) in url
        assert settings.peer_url(name) == f"http://127.0.0.1:{service_spec(name).port}"
    assert settings.redis_url is None
    assert settings.log_level == "INFO"
    assert settings.cors_origins == ()


def test_values_are_read_and_normalised() -> None:
    settings = load_settings(
        {
            "REPTIDEX_ANIMAL_DATABASE_URL": "postgresql://app@db:5432/repti_animal_db",
            "REPTIDEX_REDIS_URL": "redis://cache:6379/0",
            "REPTIDEX_MEDIA_URL": "http://media:8004/",
            "REPTIDEX_LOG_LEVEL": "debug",
            "REPTIDEX_CORS_ORIGINS": "https://breeder.example, https://shop.example",
            "REPTIDEX_HEALTH_TIMEOUT": "0.5",
            "REPTIDEX_DB_ECHO": "yes",
        }
    )
    assert settings.database_url("animal") == "postgresql+asyncpg://app@db:5432/repti_animal_db"
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.peer_url("media") == "http://media:8004"
    assert settings.log_level == "DEBUG"
    assert settings.cors_origins == ("https://breeder.example", "https://shop.example")
    assert settings.health_timeout == 0.5
    assert settings.db_echo is True


def test_every_bad_value_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "REPTIDEX_CORE_DATABASE_URL": "mysql://root@db/core",
                "REPTIDEX_PORT": "70000",
                "REPTIDEX_LOG_FORMAT": "xml",
                "REPTIDEX_REDIS_URL": "http://cache",
                "REPTIDEX_HEALTH_TIMEOUT": "-1",
                "REPTIDEX_CORS_ORIGINS": "not a url",
                "REPTIDEX_DB_ECHO": "maybe",
                "REPTIDEX_DATABSE_URL": "typo",
            }
        )
    problems = "\n".join(caught.value.problems)
    assert len(caught.value.problems) == 8
    for name in (
        "REPTIDEX_CORE_DATABASE_URL",
        "REPTIDEX_PORT",
        "REPTIDEX_LOG_FORMAT",
        "REPTIDEX_REDIS_URL",
        "REPTIDEX_HEALTH_TIMEOUT",
        "REPTIDEX_CORS_ORIGINS",
        "REPTIDEX_DB_ECHO",
        "REPTIDEX_DATABSE_URL: unknown setting",
    ):
        assert name in problems


def test_known_variables_cover_every_service() -> None:
    for name in SERVICE_NAMES:
        assert f"REPTIDEX_{name.upper()}_DATABASE_URL" in KNOWN_ENV_VARS
        assert f"REPTIDEX_{name.upper()}_URL" in KNOWN_ENV_VARS


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
    ],
)
def test_database_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_unknown_service_names_are_refused() -> None:
    with pytest.raises(KeyError, match="choose one of core, animal"):
        service_spec("kennel")


def test_errors_never_echo_secrets() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"REPTIDEX_REDIS_URL": "http://user:hunter2@cache:6379"})
    assert "hunter2" not in str(caught.value)
    assert "REPTIDEX_REDIS_URL" in str(caught.value)


def test_token_leeway_outbox_lag_and_trusted_proxies() -> None:
    defaults = load_settings({})
    assert (defaults.token_leeway, defaults.outbox_max_lag, defaults.trusted_proxies) == (
        30,
        60.0,
        (),
    )
    settings = load_settings(
        {
            "REPTIDEX_TOKEN_LEEWAY": "0",
            "REPTIDEX_OUTBOX_MAX_LAG": "120",
            "REPTIDEX_TRUSTED_PROXIES": " 10.0.0.0/8 , 192.0.2.1,fd00::/8",
        }
    )
    assert settings.token_leeway == 0
    assert settings.outbox_max_lag == 120.0
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.1/32", "fd00::/8")
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "REPTIDEX_TOKEN_LEEWAY": "3600",
                "REPTIDEX_OUTBOX_MAX_LAG": "0",
                "REPTIDEX_TRUSTED_PROXIES": "lb.internal",
            }
        )
    for name in ("REPTIDEX_TOKEN_LEEWAY", "REPTIDEX_OUTBOX_MAX_LAG", "REPTIDEX_TRUSTED_PROXIES"):
        assert name in str(caught.value)
        assert name in KNOWN_ENV_VARS


def test_a_pool_needs_two_connections() -> None:
    assert load_settings({"REPTIDEX_DB_POOL_SIZE": "2"}).db_pool_size == 2
    with pytest.raises(SettingsError, match=r"REPTIDEX_DB_POOL_SIZE.*at least 2"):
        load_settings({"REPTIDEX_DB_POOL_SIZE": "1"})


def test_the_pedigree_mirror_limit_is_a_count_of_animals() -> None:
    assert load_settings({}).lineage_mirror_animals == 250_000
    assert load_settings({"REPTIDEX_LINEAGE_MIRROR_ANIMALS": "0"}).lineage_mirror_animals == 0
    with pytest.raises(SettingsError, match=r"REPTIDEX_LINEAGE_MIRROR_ANIMALS.*0 or more"):
        load_settings({"REPTIDEX_LINEAGE_MIRROR_ANIMALS": "-1"})
    with pytest.raises(SettingsError, match="REPTIDEX_LINEAGE_MIRROR_ANIMALS"):
        load_settings({"REPTIDEX_LINEAGE_MIRROR_ANIMALS": "lots"})


def test_the_public_url_is_an_http_url_without_a_trailing_slash() -> None:
    assert load_settings({}).public_url is None  # the mails then link to core's URL
    public = load_settings({"REPTIDEX_PUBLIC_URL": "https://reptidex.example/"})
    assert public.public_url == "https://reptidex.example"
    for bad in ("reptidex.example", "ftp://reptidex.example", "https://"):
        with pytest.raises(SettingsError) as caught:
            load_settings({"REPTIDEX_PUBLIC_URL": bad})
        assert caught.value.problems == [
            f"REPTIDEX_PUBLIC_URL={bad!r}: expected an http:// or https:// URL"
        ]
