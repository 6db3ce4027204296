"""Helpers of the forum tests: users with signed tokens, the app on a given database, and its
outbox read back (fixtures: conftest.py)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from core_tokens import StaticKeys, signed_token
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.forums.posting import ForumRules
from reptidex.services.community.app import create_app
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

GENEROUS = ForumRules(
    posts_per_minute=10_000,
    actions_per_minute=10_000,
    new_account_days=7,
    new_account_posts_per_hour=10_000,
)
"""Limits no API test reaches unless it means to."""


@dataclass
class ForumUser:
    """A user (a platform administrator when ``admin``) with a client that sends their token."""

    client: TestClient[Litestar]
    admin: bool = False
    user_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def headers(self) -> dict[str, str]:
        claims: dict[str, Any] = {"sub": str(self.user_id)}
        if self.admin:
            claims["platform_admin"] = True
        return {"Authorization": f"Bearer {signed_token(**claims)}"}

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.client.get(url, params=params, headers=self.headers)

    def post(self, url: str, json: object = None) -> httpx.Response:
        return self.client.post(url, json=json, headers=self.headers)

    def put(self, url: str, json: object = None) -> httpx.Response:
        return self.client.put(url, json=json, headers=self.headers)

    def patch(self, url: str, json: object = None) -> httpx.Response:
        return self.client.patch(url, json=json, headers=self.headers)

    def delete(self, url: str) -> httpx.Response:
        return self.client.delete(url, headers=self.headers)

    def start_thread(
        self, slug: str, title: str = "Pastel het clown pairing", body: str = "Hi"
    ) -> dict[str, Any]:
        """Open a thread; fail the test unless it is created."""
        response = self.post(f"/community/forums/{slug}/threads", {"title": title, "body": body})
        assert response.status_code == 201, response.text
        started: dict[str, Any] = response.json()
        return started

    def reply(self, thread_id: object, body: str = "Nice") -> dict[str, Any]:
        """Reply; fail the test unless the post is created."""
        response = self.post(f"/community/forums/threads/{thread_id}/posts", {"body": body})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def forum_client(settings: Settings, rules: ForumRules = GENEROUS) -> TestClient[Litestar]:
    """A test client of repti-community on ``settings``' database (migrated first)."""
    upgrade("community", settings.database_url("community"))
    app = create_app(settings, authenticator=Authenticator(StaticKeys()), forum_rules=rules)
    return TestClient(app, raise_server_exceptions=False)


def make_category(
    admin: ForumUser, slug: str, *, public: bool = True, position: int = 0
) -> dict[str, Any]:
    """A category made by ``admin``; fail the test unless it is created."""
    response = admin.post(
        "/community/forums",
        {
            "slug": slug,
            "name": slug.replace("-", " ").title(),
            "public": public,
            "position": position,
        },
    )
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def outbox_events(client: TestClient[Litestar]) -> list[tuple[str, dict[str, Any]]]:
    """The events in repti-community's outbox, oldest first: (type, payload)."""
    url = kernel_of(client.app).resources.database_url

    async def read() -> list[tuple[str, dict[str, Any]]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text(
                        "SELECT event_type, payload FROM outbox_message "
                        "ORDER BY occurred_at, created_at"
                    )
                )
                return [
                    (kind, json.loads(payload) if isinstance(payload, str) else payload)
                    for kind, payload in rows
                ]
        finally:
            await engine.dispose()

    return asyncio.run(read())
