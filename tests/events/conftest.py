"""The events tests' database: repti-animal's, migrated, on SQLite and on PostgreSQL (a test
module that needs another service's defines its own ``database_url``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from outbox_testkit import SERVICE
from sqlalchemy.ext.asyncio import AsyncEngine

from reptidex.adapters.sql.engine import create_engine
from service_database import migrated_database_url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """repti-animal's database migrated to its newest schema, on SQLite and on PostgreSQL."""
    return migrated_database_url(request, tmp_path, SERVICE)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on that database, disposed after the test."""
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()
