"""Fixtures of the repti-animal tests: tokens as repti-core signs them, and the app on SQLite
or on a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import asyncpg
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.identity.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.animals.lineage import LineageRecord
from reptidex.services.animal.app import create_app
from reptidex.services.animal.wiring import AnimalComponents
from reptidex.services.kernel.app import components_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

_KEY = Ed25519PrivateKey.generate()
_KID = "animal-tests"


class StaticKeys:
    """One known public key, as if fetched from core's JWKS."""

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return _KEY.public_key() if kid == _KID else None


def mint_token(organisation_id: uuid.UUID, role: str = "member") -> str:
    """An access token of a user of ``organisation_id`` with ``role``, signed as core does."""
    now = dt.datetime.now(dt.UTC)
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=15)).timestamp()),
        "jti": uuid.uuid4().hex,
        "org": str(organisation_id),
        "role": role,
    }
    return jwt.encode(payload, _KEY, algorithm=ALGORITHM, headers={"kid": _KID, "typ": TOKEN_TYPE})


@dataclass
class Breeder:
    """A member of an organisation with a client that sends their token."""

    client: TestClient[Litestar]
    organisation_id: uuid.UUID
    role: str = "member"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.organisation_id, self.role)}"}

    def get(self, url: str, **kwargs: object) -> object:
        return self.client.get(url, headers=self.headers, **kwargs)  # type: ignore[arg-type]

    def post(self, url: str, json: object = None) -> object:
        return self.client.post(url, json=json, headers=self.headers)

    def patch(self, url: str, json: object = None) -> object:
        return self.client.patch(url, json=json, headers=self.headers)

    def put(self, url: str, json: object = None) -> object:
        return self.client.put(url, json=json, headers=self.headers)

    def delete(self, url: str) -> object:
        return self.client.delete(url, headers=self.headers)

    def add(self, **fields: object) -> dict[str, object]:
        """Add an animal; fail the test unless it is created."""
        response = self.post("/animals", json={"species": "ball_python", **fields})
        assert response.status_code == 201, response.text  # type: ignore[attr-defined]
        body: dict[str, object] = response.json()  # type: ignore[attr-defined]
        return body


def animal_client(settings: Settings) -> TestClient[Litestar]:
    """A test client of repti-animal on ``settings``' database (migrated first)."""
    upgrade("animal", settings.database_url("animal"))
    app = create_app(settings, genetics_per_minute=0, authenticator=Authenticator(StaticKeys()))
    return TestClient(app, raise_server_exceptions=False)


def animal_components(app: Litestar) -> AnimalComponents:
    """What repti-animal's composition root built for ``app``."""
    return components_of(app, AnimalComponents)


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


def asyncpg_url(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as asyncpg takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


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
    """The migrated database's URL for a fresh login role in ``reptidex_animal_app`` (a
    non-owner role: row-level security applies to it, as to the deployed service)."""
    upgrade("animal", postgres_database)
    role = f"rls_{uuid.uuid4().hex[:10]}"
    asyncio.run(
        run_sql(
            postgres_database,
            f"CREATE ROLE {role} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
            f"GRANT reptidex_animal_app TO {role}",
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


def lineage_record(
    ident: uuid.UUID,
    organisation: uuid.UUID,
    sire: uuid.UUID | None = None,
    dam: uuid.UUID | None = None,
    *,
    visibility: str = "private",
    code: str | None = None,
) -> LineageRecord:
    """A plain animal as the lineage query reads it (code: the id's first characters)."""
    return LineageRecord(
        ident,
        organisation,
        ident.hex[:8] if code is None else code,
        None,
        "ball_python",
        "unknown",
        "Normal",
        None,
        (),
        (),
        "active",
        visibility,
        sire,
        dam,
    )
