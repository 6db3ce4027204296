"""repti-community's service role (not the tables' owner, as deployed) keeps the index: the
consumer stores and takes out documents with their marks, and searches read them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from community_testkit import animal_event
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.batched_consumer import BatchedConsumer
from reptidex.adapters.sql.community.search_index import SqlSearchIndex
from reptidex.adapters.sql.engine import create_engine
from reptidex.domain.community.search.genes import builtin_gene_names
from reptidex.domain.community.search.query import SearchRequest
from reptidex.domain.community.search.use_cases import index_articles, search
from reptidex.services.community.search_wiring import index_changes, indexed_change
from service_database import non_owner_url


@pytest.fixture
def role_url(postgres_database: str) -> Iterator[str]:
    """The migrated database's URL for a fresh login role in ``reptidex_community_app``."""
    with non_owner_url(postgres_database, "community") as url:
        yield url


async def test_the_service_role_keeps_and_searches_the_index(role_url: str) -> None:
    engine = create_engine(role_url)
    try:
        handle = BatchedConsumer(
            engine, "community", "community:search", index_changes, indexed_change
        )
        index = SqlSearchIndex(async_sessionmaker(engine, expire_on_commit=False))
        animal, organisation = uuid.uuid4(), uuid.uuid4()
        await index_articles(index)
        await handle(animal_event(animal, organisation, name="Rolemodel"))
        found = await search(index, builtin_gene_names(), SearchRequest("rolemodel"))
        assert [h.id for h in found.hits] == [str(animal)]
        await handle(animal_event(animal, organisation, visibility="private"))
        gone = await search(index, builtin_gene_names(), SearchRequest("rolemodel"))
        assert gone.total == 0
        typo = await search(index, builtin_gene_names(), SearchRequest("pastle"))
        assert "pastel" in typo.matched
    finally:
        await engine.dispose()
