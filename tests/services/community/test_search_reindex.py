"""The rebuild of the index (``reptidex search reindex``'s use case) on SQLite and
PostgreSQL: what the sources hold is stored, what they no longer hold is taken out (unless
an event changed it after the rebuild started), and ``search.reindexed`` is staged."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.community.search_index import SqlSearchIndex
from reptidex.adapters.sql.engine import create_engine
from reptidex.domain.community.search.documents import ANIMAL, BREEDER, SearchDocument
from reptidex.domain.community.search.genes import builtin_articles
from reptidex.domain.community.search.reindex import reindex

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _document(kind: str, source_id: str, title: str, at: dt.datetime) -> SearchDocument:
    return SearchDocument(kind=kind, source_id=source_id, title=title, link="/x", changed_at=at)


class Source:
    """Pages of documents of one kind."""

    def __init__(self, kind: str, pages: list[list[SearchDocument]], *, complete: bool) -> None:
        self.kind = kind
        self.complete = complete
        self._pages = pages

    async def pages(self) -> AsyncIterator[Sequence[SearchDocument]]:
        for page in self._pages:
            yield page


async def test_a_rebuild_stores_the_sources_and_takes_out_what_they_lost(
    community_database: str,
) -> None:
    engine = create_engine(community_database)
    index = SqlSearchIndex(async_sessionmaker(engine, expire_on_commit=False))
    try:
        old = NOW - dt.timedelta(days=1)
        await index.upsert([
            _document(ANIMAL, "gone", "Vanished", old),
            _document(ANIMAL, "kept", "Kept", old),
            _document(ANIMAL, "late", "Changed during the rebuild", NOW + dt.timedelta(seconds=1)),
            _document(BREEDER, "quiet", "Quiet breeder", old),
        ])  # fmt: skip
        told: list[tuple[str, int]] = []
        report = await reindex(
            index,
            [
                Source(
                    ANIMAL,
                    [
                        [_document(ANIMAL, "kept", "Kept", old)],
                        [_document(ANIMAL, "new", "New", old)],
                    ],
                    complete=True,
                ),
                Source(BREEDER, [[]], complete=False),
            ],
            progress=lambda kind, read: told.append((kind, read)),
            clock=lambda: NOW,
        )
        assert report.documents == {"article": len(builtin_articles()), ANIMAL: 2, BREEDER: 0}
        assert report.removed == 1
        assert told[1:] == [(ANIMAL, 1), (ANIMAL, 2), (BREEDER, 0)]
        assert await index.get(ANIMAL, "gone") is None
        for kept in ("kept", "new", "late"):
            assert await index.get(ANIMAL, kept) is not None
        assert await index.get(BREEDER, "quiet") is not None  # a partial source removes nothing
        async with engine.connect() as connection:
            staged = (
                await connection.execute(sa.text("SELECT event_type, payload FROM outbox_message"))
            ).all()
        assert [row[0] for row in staged] == ["search.reindexed"]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("kind", ["forum", ""])
async def test_index_document_refuses_an_unknown_kind(community_database: str, kind: str) -> None:
    from reptidex.domain.community.search.use_cases import index_document
    from reptidex.domain.errors import InvalidInput

    engine = create_engine(community_database)
    try:
        index = SqlSearchIndex(async_sessionmaker(engine, expire_on_commit=False))
        with pytest.raises(InvalidInput):
            await index_document(index, _document(kind, str(uuid.uuid4()), "T", NOW))
    finally:
        await engine.dispose()
