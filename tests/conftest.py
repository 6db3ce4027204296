"""Shared fixtures: real PostgreSQL and Redis servers, and a settings factory.

Outside CI a test that needs a server skips, with the reason, when the server is unreachable.
Under CI (``CI`` set to any true value) it fails instead, so a suite that skipped its database
tests never passes as green (the rule is :mod:`ci_gate`'s). Point the tests at other servers
with ``TEST_POSTGRES_URL`` and ``TEST_REDIS_URL``.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ci_gate import unavailable
from reptidex.services.kernel.logging import configure_logging
from reptidex.services.kernel.settings import Settings, load_settings

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _postgres_reachable() -> str | None:
    import asyncpg

    try:
        connection = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL), timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {exc}"
    await connection.close()
    return None


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of the real PostgreSQL server (skips or fails when it is down)."""
    problem = asyncio.run(_postgres_reachable())
    if problem:
        unavailable(problem)
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_database(postgres_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards; yields its URL."""
    import asyncpg

    request.node.user_properties.append(("server", "PostgreSQL"))
    name = f"reptidex_test_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(postgres_server))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = postgres_server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


TEST_REDIS_DATABASES = range(15, 0, -1)  # database 0 is left to a developer's own platform


async def _claim_redis_database(lock: Any, token: str) -> int | None:
    """A Redis database number no other test process is using, claimed for ``token``."""
    for number in TEST_REDIS_DATABASES:
        if await lock.set(f"reptidex:test-database:{number}", token, nx=True, ex=600):
            return number
    return None


@pytest.fixture
async def redis_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The URL of a real Redis database for one test, flushed before and after.

    Test processes running side by side (pytest-xdist, mutation testing) each claim a database
    of their own, through a lock key in database 0, so that none flushes another's keys.
    """
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    request.node.user_properties.append(("server", "Redis"))
    base = REDIS_URL.rsplit("/", 1)[0]
    lock = aioredis.from_url(f"{base}/0")
    try:
        await lock.ping()
    except (OSError, RedisError) as exc:
        await lock.aclose()
        unavailable(f"Redis at {REDIS_URL} is unreachable: {exc}")
    token = uuid.uuid4().hex
    number = None
    for _ in range(600):
        number = await _claim_redis_database(lock, token)
        if number is not None:
            break
        await asyncio.sleep(0.05)
    assert number is not None, "every Redis test database stayed claimed for 30 s"
    url = f"{base}/{number}"
    client = aioredis.from_url(url)
    await client.flushdb()
    try:
        yield url
    finally:
        await client.flushdb()
        await client.aclose()
        key = f"reptidex:test-database:{number}"
        if await lock.get(key) == token.encode():
            await lock.delete(key)
        await lock.aclose()


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """A moto server (every AWS service it mocks: S3, KMS, ...) on a free port, shared by the
    tests; its URL. moto accepts any credentials: the test ones are set unless some are."""
    from moto.server import ThreadedMotoServer

    from platform_process import free_port

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Build validated settings from ``REPTIDEX_*`` overrides, with a private data folder.

    A service may connect to PostgreSQL as the tables' owner here (the superuser that made and
    migrated the test's database) unless ``database_owner_allowed="false"``: the start-up refusal
    is proven in ``test_kernel_database_role.py``, isolation by the RLS tests' non-owner role.
    A search serves no page found before the index's last change (``search_refresh`` 0): a
    test searches for what it stored a moment ago; ``test_search_kept_pages.py`` covers the
    refresh interval."""

    def build(**overrides: str) -> Settings:
        environ = {
            "REPTIDEX_DATA_DIR": str(tmp_path / "data"),
            "REPTIDEX_LOG_FORMAT": "json",
            "REPTIDEX_DATABASE_OWNER_ALLOWED": "true",
            "REPTIDEX_SEARCH_REFRESH": "0",
        }
        environ.update({f"REPTIDEX_{key.upper()}": value for key, value in overrides.items()})
        return load_settings(environ)

    return build


_server_outcomes: dict[str, dict[str, int]] = {"PostgreSQL": {}, "Redis": {}}


_SERVER_FIXTURES = {"postgres_server": "PostgreSQL", "redis_url": "Redis"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tag every test that asks for a server fixture, directly or through another fixture."""
    for item in items:
        for fixture, server in _SERVER_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.user_properties.append(("server", server))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count, per real server, how the tests that used it ended (fixtures tag their test)."""
    if report.when != "call" and report.outcome == "passed":
        return
    servers = {value for key, value in report.user_properties if key == "server"}
    for server in servers:
        if server in _server_outcomes:
            counts = _server_outcomes[server]
            counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran against the real PostgreSQL and Redis servers."""
    for server, counts in _server_outcomes.items():
        figures = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        terminalreporter.write_line(f"tests against the real {server} server: {figures or 'none'}")


@pytest.fixture(params=["json", "console"])
def captured_log(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """The platform's logging, in each format, written to a buffer."""
    stream = io.StringIO()
    configure_logging("INFO", request.param, stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().handlers[:] = []
