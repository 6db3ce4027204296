"""Migration ``community_0005`` builds exactly the forum tables the models declare, and goes
down and up again, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import reptidex.adapters.sql.community.forum_models  # noqa: F401 - the models' tables
from reptidex.adapters.sql.bases import service_metadata
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import downgrade, upgrade
from reptidex.services.kernel.settings import Settings

FORUM_TABLES = {
    "forum_category",
    "forum_thread",
    "forum_post",
    "forum_post_revision",
    "forum_reaction",
    "forum_follow",
    "forum_report",
    "forum_member",
}


def test_migrations_match_the_models(make_settings: Callable[..., Settings]) -> None:
    url = make_settings().database_url("community")
    upgrade("community", url)
    engine = sa.create_engine(url.replace("+aiosqlite", ""))
    metadata = service_metadata("community")
    assert set(metadata.tables) >= FORUM_TABLES
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [
            d
            for d in compare_metadata(context, metadata)
            if any(table in repr(d) for table in FORUM_TABLES)
        ]
    engine.dispose()
    assert differences == []


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_migration_goes_down_and_up(
    database: str, request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> None:
    if database == "sqlite":
        url = make_settings().database_url("community")
    else:
        url = request.getfixturevalue("postgres_database")
    upgrade("community", url)
    assert asyncio.run(_tables(url)) >= FORUM_TABLES
    downgrade("community", url, "community_0002e")
    assert not FORUM_TABLES & asyncio.run(_tables(url))
    upgrade("community", url)
    assert asyncio.run(_tables(url)) >= FORUM_TABLES
