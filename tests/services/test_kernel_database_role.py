"""A service refuses to start on PostgreSQL as a role that row-level security does not bind (a
superuser, the tables' owner), naming the role to use; it starts as its non-owner role, and as
the owner when the development setting allows it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.database_role import UnsafeDatabaseRole
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES
from service_database import non_owner_url, run_sql


def _start(settings: Settings, service: str) -> int:
    with TestClient(APP_FACTORIES[service](settings)) as client:
        return client.get("/health").status_code


def _refusal(settings: Settings, service: str) -> str:
    """The message the service's start fails with (the test client may wrap it in a group)."""
    messages: list[str] = []
    try:
        _start(settings, service)
    except* UnsafeDatabaseRole as refused:
        messages.extend(str(error) for error in refused.exceptions)
    assert messages, f"repti-{service} started"
    return " ".join(messages)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_superuser_is_refused_with_the_role_to_use(
    make_settings: Callable[..., Settings], postgres_database: str, service: str
) -> None:
    settings = make_settings(
        **{f"{service}_database_url": postgres_database}, database_owner_allowed="false"
    )
    message = _refusal(settings, service)
    assert "'postgres'" in message
    assert "is a superuser" in message
    assert f"reptidex_{service}_app" in message


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_non_owner_role_starts_and_reads_its_schema(
    make_settings: Callable[..., Settings], postgres_database: str, service: str
) -> None:
    with non_owner_url(postgres_database, service) as role_url:
        settings = make_settings(
            **{f"{service}_database_url": role_url},
            database_owner_allowed="false",
            health_timeout="1",
        )
        with TestClient(APP_FACTORIES[service](settings)) as client:
            checks = client.get("/health/deep").json()["checks"]
    [database] = [check for check in checks if check["name"] == "database"]
    assert database["status"] == "ok", database


def test_a_non_superuser_owner_is_refused(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    upgrade("animal", postgres_database)
    owner = f"owner_{uuid.uuid4().hex[:10]}"
    asyncio.run(
        run_sql(
            postgres_database,
            f"CREATE ROLE {owner} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
            f"ALTER TABLE animal OWNER TO {owner}",
        )
    )
    try:
        owner_url = f"postgresql+asyncpg://{owner}:pw@{postgres_database.split('@', 1)[1]}"
        settings = make_settings(animal_database_url=owner_url, database_owner_allowed="false")
        refusal = _refusal(settings, "animal")
        assert f"as '{owner}', which owns the service's tables" in refusal
    finally:
        asyncio.run(
            run_sql(
                postgres_database,
                "ALTER TABLE animal OWNER TO postgres",
                f"DROP ROLE {owner}",
            )
        )


def test_the_development_setting_lets_the_owner_run(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    upgrade("animal", postgres_database)
    settings = make_settings(animal_database_url=postgres_database, database_owner_allowed="true")
    assert _start(settings, "animal") == 200


def test_sqlite_is_not_checked(make_settings: Callable[..., Settings]) -> None:
    assert _start(make_settings(), "core") == 200
