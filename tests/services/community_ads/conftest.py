"""Fixtures of the advertising tests: repti-community on SQLite or on a real PostgreSQL
database, with in-process listings and a settable clock (helpers in ``ads_testkit``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from ads_testkit import Advertiser, Clock, FakeListings, ads_client
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.services.kernel.settings import Settings


@pytest.fixture
def listings() -> FakeListings:
    """The marketplace's listings, in process."""
    return FakeListings()


@pytest.fixture
def clock() -> Clock:
    """The service's clock (noon UTC, 6 December 2026, unless a test moves it)."""
    return Clock()


@pytest.fixture(params=["sqlite", "postgres"])
def any_client(
    request: pytest.FixtureRequest,
    make_settings: Callable[..., Settings],
    listings: FakeListings,
    clock: Clock,
) -> Iterator[TestClient[Litestar]]:
    """repti-community on a fresh SQLite file, then on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        settings = make_settings()
    else:
        settings = make_settings(
            community_database_url=request.getfixturevalue("postgres_database")
        )
    with ads_client(settings, listings, clock) as client:
        yield client


@pytest.fixture
def advertiser(any_client: TestClient[Litestar]) -> Advertiser:
    """A member of an advertising organisation."""
    return Advertiser(any_client, uuid.uuid4())


@pytest.fixture
def rival(any_client: TestClient[Litestar]) -> Advertiser:
    """A member of another organisation."""
    return Advertiser(any_client, uuid.uuid4())
