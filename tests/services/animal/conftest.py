"""Fixtures of the repti-animal tests: the app on SQLite or on a real PostgreSQL database, and
breeders using it (helpers are in ``animal_testkit``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from animal_testkit import Breeder, animal_client
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.services.kernel.settings import Settings
from service_database import non_owner_url


@pytest.fixture
def sqlite_client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    """repti-animal on a fresh SQLite file."""
    with animal_client(make_settings()) as client:
        yield client


@pytest.fixture
def postgres_client(
    make_settings: Callable[..., Settings], postgres_database: str
) -> Iterator[TestClient[Litestar]]:
    """repti-animal on a fresh real PostgreSQL database."""
    with animal_client(make_settings(animal_database_url=postgres_database)) as client:
        yield client


@pytest.fixture(params=["sqlite", "postgres"])
def any_client(request: pytest.FixtureRequest) -> TestClient[Litestar]:
    """repti-animal on SQLite, then on PostgreSQL."""
    name = "sqlite_client" if request.param == "sqlite" else "postgres_client"
    client: TestClient[Litestar] = request.getfixturevalue(name)
    return client


@pytest.fixture
def breeder(any_client: TestClient[Litestar]) -> Breeder:
    """A member of a fresh organisation."""
    return Breeder(any_client, uuid.uuid4())


@pytest.fixture
def rival(any_client: TestClient[Litestar]) -> Breeder:
    """A member of another organisation on the same service."""
    return Breeder(any_client, uuid.uuid4())


@pytest.fixture
def app_role_url(postgres_database: str) -> Iterator[str]:
    """The migrated database's URL for a fresh login role in ``reptidex_animal_app`` (a
    non-owner role: row-level security applies to it, as to the deployed service)."""
    with non_owner_url(postgres_database, "animal") as url:
        yield url
