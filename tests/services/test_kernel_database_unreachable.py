"""A database that cannot be reached (down, restarting, a connection lost) is a 503 with
``Retry-After``, not a 500: the request can be sent again, and nothing of it was written.
Proven against the real PostgreSQL server by ending the pool's connection under it."""

from __future__ import annotations

import asyncpg
import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from structlog.testing import capture_logs

from reptidex.adapters.sql.engine import create_engine, database_unreachable
from reptidex.services.kernel.problems import DATABASE_UNREACHABLE, exception_handlers

UNREACHABLE = [
    ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    ConnectionResetError(104, "Connection reset by peer"),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
    DBAPIError("SELECT 1", {}, Exception("connection is closed"), connection_invalidated=True),
]
NOT_UNREACHABLE = [
    DBAPIError("SELECT 1", {}, Exception("syntax error at or near"), connection_invalidated=False),
    asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    RuntimeError("a bug"),
    OSError(28, "No space left on device"),
]


@pytest.mark.parametrize("exc", UNREACHABLE, ids=lambda exc: type(exc).__name__)
def test_a_server_down_restarting_or_a_lost_connection_is_unreachable(exc: Exception) -> None:
    assert database_unreachable(exc)


@pytest.mark.parametrize("exc", NOT_UNREACHABLE, ids=lambda exc: type(exc).__name__)
def test_a_wrong_statement_a_timeout_or_a_bug_is_not(exc: Exception) -> None:
    assert not database_unreachable(exc)


def app_raising(exc: Exception) -> Litestar:
    @get("/animals", sync_to_thread=False)
    def animals() -> None:
        raise exc

    return Litestar([animals], exception_handlers=exception_handlers())


@pytest.mark.parametrize("exc", UNREACHABLE[:1] + UNREACHABLE[-1:], ids=["refused", "lost"])
async def test_an_unreachable_database_is_a_503_problem_with_retry_after(exc: Exception) -> None:
    with capture_logs() as logs:
        async with AsyncTestClient(app_raising(exc)) as client:
            response = await client.get("/animals")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == DATABASE_UNREACHABLE
    # a warning without the traceback: the database's state, not a bug
    (logged,) = [entry for entry in logs if entry["event"] == "database unreachable"]
    assert logged["log_level"] == "warning"
    assert logged["error"] == type(exc).__name__
    assert "exc_info" not in logged


async def test_any_other_database_error_is_still_a_500() -> None:
    with capture_logs():
        async with AsyncTestClient(app_raising(NOT_UNREACHABLE[0])) as client:
            response = await client.get("/animals")
    assert response.status_code == 500


async def test_a_connection_ended_by_the_server_is_a_503_then_the_pool_recovers(
    postgres_database: str,
) -> None:
    engines: list[AsyncEngine] = []  # made on the app's own event loop

    async def query(statement: str) -> int:
        async with engines[0].connect() as connection:
            return int((await connection.execute(text(statement))).scalar_one())

    @get("/count")
    async def count() -> int:
        return await query("SELECT 41 + 1")

    @get("/pid")
    async def pid() -> int:
        return await query("SELECT pg_backend_pid()")

    async def dispose() -> None:
        await engines[0].dispose()

    app = Litestar(
        [count, pid],
        exception_handlers=exception_handlers(),
        on_startup=[lambda: engines.append(create_engine(postgres_database, pool_size=1))],
        on_shutdown=[dispose],
    )
    async with AsyncTestClient(app) as client:
        assert (await client.get("/count")).json() == 42
        backend = (await client.get("/pid")).json()
        admin = await asyncpg.connect(postgres_database.replace("+asyncpg", ""))
        try:  # as a restart of the server does to every pooled connection
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", backend)
        finally:
            await admin.close()
        with capture_logs():
            lost = await client.get("/count")
        assert lost.status_code == 503
        assert lost.headers["retry-after"] == "2"
        assert (await client.get("/count")).json() == 42
