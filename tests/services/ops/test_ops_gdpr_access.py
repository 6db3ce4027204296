"""Who may ask repti-ops for a GDPR export or erasure, and read it: the user themselves or a
platform administrator (others 403, no token 401, another's request 404); bodies validated;
every refusal problem+json. And the services' internal port answers repti-ops' token only."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from ops_testkit import StaticKeys, bearer, mint_token, ops_client

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.animal.app import create_app as create_animal
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings


class Silent:
    """A holder that answers nothing (the worker's answers are not under test here)."""

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        return {}

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        return {}


@pytest.fixture
def ops(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    with ops_client(make_settings()) as client:
        yield client


def _problem(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("action", ["export", "erase"])
def test_only_the_user_or_a_platform_admin_may_ask(ops: TestClient[Litestar], action: str) -> None:
    ann, bob = uuid.uuid4(), uuid.uuid4()
    ann_token = bearer(mint_token(user_id=ann))
    url = f"/admin/gdpr/{action}"
    _problem(ops.post(url, json={}), 401)
    _problem(ops.post(url, json={"user_id": str(bob)}, headers=ann_token), 403)
    owner = bearer(mint_token(uuid.uuid4(), "owner", user_id=ann))
    _problem(ops.post(url, json={"user_id": str(bob)}, headers=owner), 403)
    _problem(ops.post(url, json={}, headers=bearer(mint_token(service="core"))), 403)

    own = ops.post(url, json={}, headers=ann_token)
    assert own.status_code == 202, own.text
    assert own.json()["user_id"] == str(ann)
    assert own.json()["requested_by"] == str(ann)
    admin_id = uuid.uuid4()
    admin = bearer(mint_token(user_id=admin_id, platform_admin=True))
    for_bob = ops.post(url, json={"user_id": str(bob)}, headers=admin)
    assert for_bob.status_code == 202, for_bob.text
    assert (for_bob.json()["user_id"], for_bob.json()["requested_by"]) == (str(bob), str(admin_id))

    read = f"/admin/gdpr/requests/{for_bob.json()['id']}"
    assert ops.get(read, headers=admin).status_code == 200
    assert ops.get(read, headers=bearer(mint_token(user_id=bob))).status_code == 200
    _problem(ops.get(read, headers=ann_token), 404)
    _problem(ops.get(read), 401)
    _problem(ops.get(f"/admin/gdpr/requests/{uuid.uuid4()}", headers=admin), 404)


def test_bodies_are_validated(ops: TestClient[Litestar]) -> None:
    token = bearer(mint_token(user_id=uuid.uuid4()))
    for body in ({"user_id": "not-a-uuid"}, {"user_id": None, "extra": 1}, [1]):
        _problem(ops.post("/admin/gdpr/export", json=body, headers=token), 422)


def test_an_archive_waits_for_every_service(ops: TestClient[Litestar]) -> None:
    token = bearer(mint_token(user_id=uuid.uuid4()))
    started = ops.post("/admin/gdpr/erase", json={}, headers=token).json()
    _problem(ops.get(f"/admin/gdpr/requests/{started['id']}/archive", headers=token), 409)
    assert started["archive_url"] is None


def test_the_internal_port_answers_ops_only(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    app = create_animal(settings, authenticator=Authenticator(StaticKeys()))
    body = {"user_id": str(uuid.uuid4())}
    erase = {**body, "pseudonym": str(uuid.uuid4())}
    with TestClient(app, raise_server_exceptions=False) as client:
        for path, payload in (("export", body), ("erase", erase)):
            url = f"/internal/personal-data/{path}"
            _problem(client.post(url, json=payload), 401)
            for token in (
                mint_token(uuid.uuid4(), "owner"),
                mint_token(user_id=uuid.uuid4(), platform_admin=True),
                mint_token(service="media"),
            ):
                _problem(client.post(url, json=payload, headers=bearer(token)), 403)
            ops = bearer(mint_token(service="ops"))
            _problem(client.post(url, json={"user": 1}, headers=ops), 422)
            answered = client.post(url, json=payload, headers=ops)
            assert answered.status_code == 200, answered.text
        assert (
            client.post("/internal/personal-data/export", json=body, headers=ops)
            .json()["data"]["note"]
            .startswith("repti-animal keeps no user")
        )
