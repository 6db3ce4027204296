"""Fixtures of the repti-commerce tests: the app on SQLite or on a real PostgreSQL database
with an in-process animal catalogue, traders using it, and a non-owner role for row-level
security (helpers are in ``commerce_testkit``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from commerce_testkit import (
    FEE_BASIS_POINTS,
    FakeAnimals,
    Trader,
    commerce_client,
)
from litestar import Litestar
from litestar.testing import TestClient
from payment_testkit import pay_animals, pay_client, paypal, stripe  # noqa: F401 - fixtures

from reptidex.services.kernel.settings import Settings
from service_database import non_owner_url


@pytest.fixture
def animals() -> FakeAnimals:
    """The sellers' animals, in process."""
    return FakeAnimals()


@pytest.fixture(params=["sqlite", "postgres"])
def any_client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings], animals: FakeAnimals
) -> Iterator[TestClient[Litestar]]:
    """repti-commerce on a fresh SQLite file, then on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        settings = make_settings()
    else:
        settings = make_settings(commerce_database_url=request.getfixturevalue("postgres_database"))
    with commerce_client(settings, animals, fee_basis_points=FEE_BASIS_POINTS) as client:
        yield client


@pytest.fixture
def pg_client(
    make_settings: Callable[..., Settings], animals: FakeAnimals, postgres_database: str
) -> Iterator[TestClient[Litestar]]:
    """repti-commerce on a fresh PostgreSQL database only (for what SQLite does not do)."""
    with commerce_client(make_settings(commerce_database_url=postgres_database), animals) as c:
        yield c


@pytest.fixture
def seller(any_client: TestClient[Litestar], animals: FakeAnimals) -> Trader:
    """A member of a selling organisation."""
    return Trader(any_client, uuid.uuid4(), animals)


@pytest.fixture
def buyer(any_client: TestClient[Litestar], animals: FakeAnimals) -> Trader:
    """A member of another organisation."""
    return Trader(any_client, uuid.uuid4(), animals)


@pytest.fixture
def app_role_url(postgres_database: str) -> Iterator[str]:
    """The migrated database's URL for a fresh login role in ``reptidex_commerce_app`` (a
    non-owner role: row-level security applies to it, as to the deployed service)."""
    with non_owner_url(postgres_database, "commerce") as url:
        yield url
