"""``/admin`` on repti-core over HTTP, on its real database: who may call it, and each
administrator's action (search, suspend, reinstate, grant, revoke)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from identity_testkit import bearer, fast_identity, login, register_and_verify
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app
from reptidex.services.core.wiring import CoreComponents
from reptidex.services.kernel.app import components_of, kernel_of
from reptidex.services.kernel.settings import Settings


class Platform:
    def __init__(self, client: TestClient[Litestar], settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def user(self, email: str) -> dict[str, Any]:
        register_and_verify(self.client, self.settings.data_dir, email)
        return login(self.client, email)

    def admin(self, email: str = "admin@example.org") -> dict[str, str]:
        self.user(email)
        accounts = components_of(self.client.app, CoreComponents).identity.accounts
        assert self.client.blocking_portal is not None
        self.client.blocking_portal.call(accounts.set_platform_admin, email, True)
        return bearer(login(self.client, email)["access_token"])

    def user_id(self, headers: dict[str, str], email: str) -> str:
        found = self.client.get("/admin/users", params={"q": email}, headers=headers).json()
        (user,) = found["items"]
        return str(user["id"])


@pytest.fixture
def platform(make_settings: Callable[..., Settings]) -> Iterator[Platform]:
    settings = make_settings()
    upgrade("core", settings.database_url("core"))
    with TestClient(create_app(settings, identity=fast_identity())) as client:
        yield Platform(client, settings)


def test_only_platform_administrators_call_admin(platform: Platform) -> None:
    ann = platform.user("ann@example.org")
    client = platform.client
    for method, path in [
        ("GET", "/admin/users"),
        ("GET", "/admin/organisations"),
        ("PUT", "/admin/users/00000000-0000-0000-0000-000000000001/suspension"),
        ("DELETE", "/admin/users/00000000-0000-0000-0000-000000000001/platform-admin"),
    ]:
        assert client.request(method, path).status_code == 401
        forbidden = client.request(method, path, headers=bearer(ann["access_token"]))
        assert forbidden.status_code == 403, forbidden.text
        assert forbidden.headers["content-type"].startswith("application/problem+json")


def test_search_suspend_reinstate_grant_revoke(platform: Platform) -> None:
    admin = platform.admin()
    platform.user("ann@example.org")
    client = platform.client
    everyone = client.get("/admin/users", headers=admin).json()
    assert everyone["total"] == 2
    assert all("password_hash" not in user for user in everyone["items"])
    ann_id = platform.user_id(admin, "ANN@")
    suspended = client.put(f"/admin/users/{ann_id}/suspension", headers=admin)
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["suspended"] is True
    refused = client.post(
        "/auth/login", json={"email": "ann@example.org", "password": "basking-under-the-heat-lamp"}
    )
    assert refused.status_code == 403
    assert "suspended" in refused.json()["detail"]
    reinstated = client.delete(f"/admin/users/{ann_id}/suspension", headers=admin)
    assert reinstated.json()["suspended"] is False
    granted = client.put(f"/admin/users/{ann_id}/platform-admin", headers=admin)
    assert granted.json()["platform_admin"] is True
    ann = bearer(login(client, "ann@example.org")["access_token"])
    assert client.get("/admin/users", headers=ann).status_code == 200
    revoked = client.delete(f"/admin/users/{ann_id}/platform-admin", headers=admin)
    assert revoked.json()["platform_admin"] is False


def test_organisations_search(platform: Platform) -> None:
    admin = platform.admin()
    ann = bearer(platform.user("ann@example.org")["access_token"])
    assert platform.client.post("/orgs/", json={"name": "Sunny Scales"}, headers=ann).is_success
    found = platform.client.get("/admin/organisations", params={"q": "sunny"}, headers=admin)
    assert found.status_code == 200
    (organisation,) = found.json()["items"]
    assert (organisation["name"], organisation["members"]) == ("Sunny Scales", 1)


def test_bad_requests_are_clear_4xx(platform: Platform) -> None:
    admin = platform.admin()
    client = platform.client
    own = platform.user_id(admin, "admin@example.org")
    assert client.put(f"/admin/users/{own}/suspension", headers=admin).status_code == 409
    assert client.delete(f"/admin/users/{own}/platform-admin", headers=admin).status_code == 409
    missing = "/admin/users/00000000-0000-0000-0000-000000000001/suspension"
    assert client.put(missing, headers=admin).status_code == 404
    assert client.put("/admin/users/not-a-uuid/suspension", headers=admin).status_code in {400, 404}
    assert client.get("/admin/users", params={"limit": 0}, headers=admin).status_code in {400, 422}
    assert client.get("/admin/users", params={"q": "x" * 101}, headers=admin).status_code in {
        400,
        422,
    }


def _audit_records(platform: Platform) -> list[dict[str, Any]]:
    """The audit records in core's outbox (the relay publishes them to repti-ops)."""
    url = kernel_of(platform.client.app).resources.database_url

    async def read() -> list[dict[str, Any]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text(
                        "SELECT payload FROM outbox_message WHERE event_type = 'audit.recorded' "
                        "ORDER BY occurred_at, created_at"
                    )
                )
                return [json.loads(p) if isinstance(p, str) else p for (p,) in rows]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_an_administrators_search_is_recorded_as_access(platform: Platform) -> None:
    admin = platform.admin()
    platform.user("ann@example.org")
    platform.user("bob@example.org")
    admin_id = platform.user_id(admin, "admin@")
    before = len(_audit_records(platform))
    found = platform.client.get("/admin/users", params={"q": "ann@"}, headers=admin).json()
    (ann,) = found["items"]
    (record,) = _audit_records(platform)[before:]
    assert (record["action"], record["resource_kind"], record["resource_id"]) == (
        "accessed",
        "user",
        ann["id"],
    )
    assert (record["actor_id"], record["service"]) == (admin_id, "core")
    assert record["after"]["purpose"] == "admin_user_search"
    assert "ann@example.org" not in json.dumps(record)  # which fields were read, not their values
