"""repti-media's hand-written migrations build exactly the tables its models declare."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reptidex.adapters.sql.bases import service_metadata
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.settings import Settings

MEDIA_TABLES = {
    "media_file",
    "media_render",
    "media_public_animal",
    "media_embed_settings",
    "media_embed_view",
}


def test_migrations_match_the_models(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    url = settings.database_url("media")
    upgrade("media", url)
    engine = sa.create_engine(url.replace("+aiosqlite", ""))
    metadata = service_metadata("media")
    assert set(metadata.tables) >= MEDIA_TABLES
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [
            d
            for d in compare_metadata(context, metadata)
            if any(table in repr(d) for table in MEDIA_TABLES)
        ]
    engine.dispose()
    assert differences == []
