"""A service's database for persistence tests, migrated to head."""

from __future__ import annotations

from pathlib import Path

import pytest

from reptidex.adapters.sql.migrations import upgrade


def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path, service: str) -> str:
    """``service``'s migrated database on what ``request.param`` names; its URL.

    ``"sqlite"``: a file under ``tmp_path``; otherwise a fresh database on the real PostgreSQL
    (the ``postgres_database`` fixture).
    """
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / f'{service}.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_database")
    upgrade(service, url)
    return url
