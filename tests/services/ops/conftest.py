"""Fixtures of the repti-ops tests: the audit trail's database on SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from service_database import migrated_database_url


@pytest.fixture(params=["sqlite", "postgres"])
def ops_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """repti-ops' migrated database (SQLite, then PostgreSQL); its URL."""
    return migrated_database_url(request, tmp_path, "ops")
