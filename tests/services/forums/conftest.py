"""Fixtures of the forum tests: repti-community on SQLite or on a real PostgreSQL database,
a platform administrator and two users, and the forums they made."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from forum_testkit import ForumUser, forum_client, make_category
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.services.kernel.settings import Settings


@pytest.fixture(params=["sqlite", "postgres"])
def any_client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[TestClient[Litestar]]:
    """repti-community on a fresh SQLite file, then on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        settings = make_settings()
    else:
        settings = make_settings(
            community_database_url=request.getfixturevalue("postgres_database")
        )
    with forum_client(settings) as client:
        yield client


@pytest.fixture
def admin(any_client: TestClient[Litestar]) -> ForumUser:
    """A platform administrator (a moderator)."""
    return ForumUser(any_client, admin=True)


@pytest.fixture
def alice(any_client: TestClient[Litestar]) -> ForumUser:
    """A user."""
    return ForumUser(any_client)


@pytest.fixture
def bob(any_client: TestClient[Litestar]) -> ForumUser:
    """Another user."""
    return ForumUser(any_client)


@pytest.fixture
def forums(admin: ForumUser) -> dict[str, dict[str, object]]:
    """A public forum ``ball-pythons`` and a members-only ``breeders-lounge``."""
    return {
        "public": make_category(admin, "ball-pythons", position=1),
        "members": make_category(admin, "breeders-lounge", public=False, position=2),
    }
