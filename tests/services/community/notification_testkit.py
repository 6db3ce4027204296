"""Helpers of repti-community's notification tests: its database on SQLite or PostgreSQL,
the app on it, tokens as repti-core signs them, channels that record or fail, and a clock."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core_tokens import StaticKeys, signed_token
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.domain.notifications.model import Channel, DeliveryPolicy
from reptidex.domain.notifications.ports import ChannelSender, OutgoingMessage
from reptidex.services.community.app import create_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings, load_settings
from service_database import migrated_database_url


@pytest.fixture(params=["sqlite", "postgres"])
def community_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """repti-community's migrated database (SQLite, then PostgreSQL); its URL."""
    return migrated_database_url(request, tmp_path, "community")


def community_settings(database_url: str, data_dir: Path, **extra: str) -> Settings:
    """Settings of repti-community on ``database_url``."""
    return load_settings(
        {
            "REPTIDEX_DATA_DIR": str(data_dir),
            "REPTIDEX_LOG_FORMAT": "json",
            "REPTIDEX_COMMUNITY_DATABASE_URL": database_url,
            "REPTIDEX_DATABASE_OWNER_ALLOWED": "true",  # the superuser's database, or the role's
            **extra,
        }
    )


def community_app(
    settings: Settings,
    senders: Mapping[Channel, ChannelSender] | None = None,
    **overrides: Any,
) -> Litestar:
    """repti-community on ``settings`` with test tokens (and ``senders`` as its channels)."""
    return create_app(
        settings,
        authenticator=Authenticator(StaticKeys()),
        notification_senders=senders if senders is not None else {},
        **overrides,
    )


@pytest.fixture
def client_factory(community_database: str, tmp_path: Path) -> Iterator[Any]:
    """Make test clients of repti-community on its database (closed after the test)."""
    opened: list[TestClient[Litestar]] = []

    def make(
        senders: Mapping[Channel, ChannelSender] | None = None,
        *,
        settings: Mapping[str, str] | None = None,
        real_channels: bool = False,
        **overrides: Any,
    ) -> TestClient[Litestar]:
        chosen = community_settings(community_database, tmp_path / "data", **(settings or {}))
        app = (
            create_app(chosen, authenticator=Authenticator(StaticKeys()), **overrides)
            if real_channels
            else community_app(chosen, senders, **overrides)
        )
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def user_token(user_id: uuid.UUID, *, platform_admin: bool = False) -> dict[str, str]:
    """The header of a user's access token."""
    claims: dict[str, Any] = {"sub": str(user_id)}
    if platform_admin:
        claims["platform_admin"] = True
    return {"Authorization": f"Bearer {signed_token(**claims)}"}


def service_token(service: str = "commerce") -> dict[str, str]:
    """The header of a service's access token."""
    return {"Authorization": f"Bearer {signed_token(sub=f'service:{service}')}"}


@dataclass
class Recording:
    """A channel that records what it is given; fails the first ``failures`` sends."""

    failures: int = 0
    sent: list[OutgoingMessage] = field(default_factory=list)
    calls: int = 0

    async def send(self, message: OutgoingMessage) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"refused (call {self.calls})")
        self.sent.append(message)


@dataclass
class Clock:
    """A clock the test moves."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move on by ``seconds``."""
        self.now += dt.timedelta(seconds=seconds)


FAST = DeliveryPolicy(first=10, longest=40, attempts=3)
"""Retries after 10 s, 20 s; given up at the third attempt."""


def engine_of(url: str) -> AsyncEngine:
    """An engine on ``url`` (for reading what the service wrote)."""
    return create_async_engine(url)


async def outbox_events(url: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """``(type, payload)`` of community's outbox rows whose type starts with ``prefix``."""
    engine = engine_of(url)
    model: Any = OUTBOX_MODELS["community"]
    try:
        async with async_sessionmaker(engine)() as session:
            rows = await session.scalars(
                select(model).where(model.event_type.startswith(prefix)).order_by(model.occurred_at)
            )
            return [(row.event_type, row.payload) for row in rows]
    finally:
        await engine.dispose()


def sessions_on(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    """An engine on ``url`` and its session factory."""
    engine = engine_of(url)
    return engine, async_sessionmaker(engine, expire_on_commit=False)
