"""Fixtures of the repti-commerce tests: the app on SQLite or on a real PostgreSQL database
with an in-process animal catalogue, traders using it, and a non-owner role for row-level
security (helpers are in ``commerce_testkit``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator

import asyncpg
import pytest
from commerce_testkit import (
    FEE_BASIS_POINTS,
    FakeAnimals,
    Trader,
    asyncpg_url,
    commerce_client,
)
from litestar import Litestar
from litestar.testing import TestClient
from payment_testkit import pay_animals, pay_client, paypal, stripe  # noqa: F401 - fixtures

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.settings import Settings


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
def seller(any_client: TestClient[Litestar], animals: FakeAnimals) -> Trader:
    """A member of a selling organisation."""
    return Trader(any_client, uuid.uuid4(), animals)


@pytest.fixture
def buyer(any_client: TestClient[Litestar], animals: FakeAnimals) -> Trader:
    """A member of another organisation."""
    return Trader(any_client, uuid.uuid4(), animals)


async def run_sql(url: str, *statements: str) -> None:
    """Run statements on a connection of their own."""
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def app_role_url(postgres_database: str) -> Iterator[str]:
    """The migrated database's URL for a fresh login role in ``reptidex_commerce_app`` (a
    non-owner role: row-level security applies to it, as to the deployed service)."""
    upgrade("commerce", postgres_database)
    role = f"rls_{uuid.uuid4().hex[:10]}"
    asyncio.run(
        run_sql(
            postgres_database,
            f"CREATE ROLE {role} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
            f"GRANT reptidex_commerce_app TO {role}",
        )
    )
    host = postgres_database.split("@", 1)[1]
    try:
        yield f"postgresql+asyncpg://{role}:pw@{host}"
    finally:
        admin = postgres_database.rsplit("/", 1)[0] + "/postgres"
        name = postgres_database.rsplit("/", 1)[1]
        asyncio.run(
            run_sql(
                admin,
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                f"DROP ROLE IF EXISTS {role}",
            )
        )
