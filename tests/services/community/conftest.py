"""Fixtures of the repti-community tests: its database on SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from service_database import migrated_database_url


@pytest.fixture(params=["sqlite", "postgres"])
def community_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """repti-community's migrated database (SQLite, then PostgreSQL); its URL."""
    return migrated_database_url(request, tmp_path, "community")
