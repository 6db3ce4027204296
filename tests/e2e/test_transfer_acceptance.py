"""Issue 17's transfer, as keepers meet it: `reptidex up` as a real process, HTTP only.

A keeper gives an animal to an organisation that does not exist: repti-animal asks repti-core
(with its own service token), is told there is none, and answers 422; the animal stays (it
used to be a 201, and the animal was lost to the seller). Offered to a real organisation, the
animal stays with the seller until a member there accepts; then it moves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_core_acceptance import PASSWORD, mail_token

from platform_process import clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    tmp_path = tmp_path_factory.mktemp("transfer-acceptance")
    environ = clean_environment(tmp_path / "data", {"REPTIDEX_LOG_LEVEL": "WARNING"})
    base = free_port_block()
    with running_platform(base, environ, tmp_path / "platform.log"):
        yield base, tmp_path / "data"


def keeper(base: int, data_dir: Path, name: str) -> tuple[dict[str, str], str]:
    """A verified user with an organisation of their own: their headers and its id."""
    core = httpx.Client(base_url=f"http://127.0.0.1:{base}", timeout=15)
    email = f"{name}-{uuid.uuid4().hex[:6]}@example.org"
    assert (
        core.post("/auth/register", json={"email": email, "password": PASSWORD}).status_code == 202
    )
    token = mail_token(data_dir, "verify_email", email)
    assert core.post("/auth/verify-email", json={"token": token}).status_code == 200
    access = core.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {access['access_token']}"}
    organisation = core.post("/orgs/", json={"name": f"{name}'s reptiles"}, headers=headers)
    assert organisation.status_code == 201, organisation.text
    organisation_id = str(organisation.json()["id"])
    switched = core.post(
        "/auth/switch-organisation", json={"organisation_id": organisation_id}, headers=headers
    )
    assert switched.status_code == 200, switched.text
    return {"Authorization": f"Bearer {switched.json()['access_token']}"}, organisation_id


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_an_animal_goes_only_to_an_organisation_that_exists_and_accepts(
    ports: tuple[int, Path],
) -> None:
    base, data_dir = ports
    seller, _ = keeper(base, data_dir, "seller")
    buyer, buyer_organisation = keeper(base, data_dir, "buyer")
    animal = httpx.Client(base_url=f"http://127.0.0.1:{base + 1}", timeout=15)
    sunny = ok(
        animal.post("/animals", json={"species": "ball_python", "name": "Sunny"}, headers=seller),
        201,
    )
    path = f"/animals/{sunny['id']}/transfer"

    nobody = str(uuid.uuid4())
    refused = animal.post(path, json={"organisation_id": nobody}, headers=seller)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {"field": "organisation_id", "message": "no such organisation"}
    ]
    assert ok(animal.get(f"/animals/{sunny['id']}", headers=seller))["name"] == "Sunny"
    assert ok(animal.get("/animals/transfer-offers", headers=seller)) == []

    offer = ok(animal.post(path, json={"organisation_id": buyer_organisation}, headers=seller), 201)
    assert offer["status"] == "pending"
    assert ok(animal.get(f"/animals/{sunny['id']}", headers=seller))["name"] == "Sunny"
    assert animal.get(f"/animals/{sunny['id']}", headers=buyer).status_code == 404
    incoming = ok(animal.get("/animals/transfer-offers?direction=incoming", headers=buyer))
    assert [(o["id"], o["animal"]["name"]) for o in incoming] == [(offer["id"], "Sunny")]

    moved = ok(animal.post(f"/animals/transfer-offers/{offer['id']}/accept", headers=buyer), 201)
    assert moved["reference"] == f"offer:{offer['id']}"
    assert ok(animal.get(f"/animals/{sunny['id']}", headers=buyer))["name"] == "Sunny"
    assert animal.get(f"/animals/{sunny['id']}", headers=seller).status_code == 404
