"""Async SQLAlchemy engines for a service database, tuned per backend (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from reptidex.adapters.sql.fair_pool import FairAsyncPool

SERVER_SETTINGS = {"jit": "off"}
"""Settings of every PostgreSQL connection of a service. JIT off: the services' statements
are short, but the planner prices a row-level-security policy's subquery on every row, so a
search of 100,000 listings is estimated far above ``jit_above_cost``, and JIT would spend about
half a second compiling each statement, more than running it takes
(``benchmarks/bench_commerce.py``)."""


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database.

    >>> is_sqlite("sqlite+aiosqlite:///data/core.sqlite3")
    True
    >>> is_sqlite("postgresql+asyncpg://app@db:5432/repti_core_db")
    False
    """
    return make_url(url).get_backend_name() == "sqlite"


_UNREACHABLE = (
    ConnectionError,  # refused or reset while connecting: the server is down
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
)


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached now (down, restarting, the
    connection lost) rather than that a statement went wrong: a connection SQLAlchemy found
    dead (it then renews the pool), or the driver failing to connect.

    >>> database_unreachable(ConnectionRefusedError(111, "Connect call failed"))
    True
    >>> database_unreachable(ValueError("a bug"))
    False
    """
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return isinstance(exc, _UNREACHABLE)


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder a SQLite database file lives in, so a first start needs no set-up."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _enable_sqlite_integrity(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets readers work during a write.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url``: WAL and FKs on SQLite; on PostgreSQL a fixed pool of
    ``pool_size`` connections, recycled after half an hour rather than pinged at every
    checkout (a round trip per request). A request finding every connection busy waits for
    one, in turn (:class:`~reptidex.adapters.sql.fair_pool.FairAsyncPool`): overflow
    connections, opened and closed again under load, made each burst pay for
    new server processes (measured on ``benchmarks/bench_animal.py``, a fifth of the
    throughput). PostgreSQL's JIT compilation is off on these connections
    (:data:`SERVER_SETTINGS`). JSON columns are decoded by msgspec (several times faster than
    the standard library's decoder, to the same values). Statement parameters (password hashes, tokens) are kept out of
    error messages, which reach the log."""
    ensure_sqlite_folder(url)
    if is_sqlite(url):
        engine = create_async_engine(
            url, echo=echo, hide_parameters=True, json_deserializer=msgspec.json.decode
        )
        event.listen(engine.sync_engine, "connect", _enable_sqlite_integrity)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        json_deserializer=msgspec.json.decode,
        poolclass=FairAsyncPool,
        pool_size=pool_size,
        max_overflow=0,
        pool_recycle=1800,
        connect_args={"server_settings": dict(SERVER_SETTINGS)},
    )
    event.listen(engine.sync_engine.pool, "reset", _end_driver_transaction)
    return engine


def _end_driver_transaction(dbapi_connection: Any, _record: Any, _state: Any) -> None:
    """Roll back a transaction begun on the asyncpg connection itself (the fast paths that
    bypass SQLAlchemy) before the pool hands the connection out again: SQLAlchemy's own
    rollback on return ends only the transactions it began, so one interrupted mid-way (a
    cancelled request) would otherwise go on with its settings to the next user."""
    driver = dbapi_connection.driver_connection
    if driver is not None and not driver.is_closed() and driver.is_in_transaction():
        dbapi_connection.await_(driver.execute("ROLLBACK"))
