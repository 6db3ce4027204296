"""repti-media's SQL adapters under concurrency, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from reptidex.adapters.sql.media.embeds import EmbedViewRow, SqlEmbedViews
from reptidex.adapters.sql.media.renders import RenderRow, SqlRenderStore
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.media.rendering import CachedRender
from reptidex.services.kernel.settings import Settings


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_database")
        settings = make_settings(media_database_url=url)
    else:
        settings = make_settings()
    upgrade("media", settings.database_url("media"))
    return settings.database_url("media")


async def test_concurrent_first_views_and_twin_renders(database_url: str) -> None:
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    organisation, subject, day = uuid.uuid4(), uuid.uuid4(), dt.date(2026, 11, 25)

    async def view() -> None:
        async with sessions() as session:
            await SqlEmbedViews(session).count(organisation, "profile", subject, day)
            await session.commit()

    async def store(content: bytes) -> None:
        async with sessions() as session:
            render = CachedRender("k" * 64, "pedigree", "a", "svg", content, "v", ("a",))
            await SqlRenderStore(session).put(render)
            await session.commit()

    try:
        if engine.dialect.name == "sqlite":
            for _ in range(8):
                await view()
        else:
            await asyncio.gather(*(view() for _ in range(8)))
        await asyncio.gather(store(b"one"), store(b"two"))
        async with sessions() as session:
            total = await session.scalar(select(func.sum(EmbedViewRow.views)))
            rows = await session.scalar(select(func.count()).select_from(RenderRow))
            assert await SqlRenderStore(session).invalidate("a") == 1
    finally:
        await engine.dispose()
    assert total == 8
    assert rows == 1
