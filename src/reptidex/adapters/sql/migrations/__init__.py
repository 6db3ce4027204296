"""Alembic migrations: one shared ``env.py`` and one independent history per service database.

Each service's revisions live in ``versions/<service>/``; :func:`upgrade` applies them to that
service's database (SQLite or PostgreSQL, the same scripts for both). A history may have several
heads (independent features that each start from an earlier revision); upgrading goes to all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from reptidex.adapters.sql.engine import ensure_sqlite_folder

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(service: str, database_url: str) -> Config:
    """An Alembic configuration for ``service``'s history against ``database_url``."""
    versions = MIGRATIONS_DIR / "versions" / service
    if not versions.is_dir():
        raise KeyError(f"no migrations for service {service!r}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_locations", str(versions))
    config.set_main_option("path_separator", "os")
    config.attributes["service"] = service
    config.attributes["database_url"] = database_url
    return config


def upgrade(service: str, database_url: str, revision: str = "heads") -> None:
    """Apply ``service``'s migrations to its database up to ``revision`` (all heads by default)."""
    ensure_sqlite_folder(database_url)
    _run(command.upgrade, alembic_config(service, database_url), revision)


def downgrade(service: str, database_url: str, revision: str) -> None:
    """Revert ``service``'s database to ``revision`` (``base`` removes every table)."""
    _run(command.downgrade, alembic_config(service, database_url), revision)


def _run(alembic_command: Callable[[Config, str], object], config: Config, revision: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        alembic_command(config, revision)
        return
    # Called from async code: Alembic's environment runs its own event loop, so use a thread.
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(alembic_command, config, revision).result()


def head_revisions(service: str) -> frozenset[str]:
    """The newest revisions (heads) of ``service``'s history."""
    script = ScriptDirectory.from_config(alembic_config(service, "sqlite://"))
    return frozenset(script.get_heads())


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database behind ``engine`` is at (empty before the first migration)."""
    async with engine.connect() as connection:
        heads = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_heads()
        )
    return frozenset(heads)
