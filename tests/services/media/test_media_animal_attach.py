"""``POST /upload`` with an ``animal_id`` asks repti-animal (a stand-in over HTTP) whether the
caller's organisation holds the animal, with the caller's own token: an animal the caller
cannot see is refused (422) even when repti-media has never heard of it, and an upload is
refused (503) while repti-animal cannot answer."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from media_testkit import Member, media_client, photo

from http_stand_in import StandIn
from reptidex.services.kernel.settings import Settings

HELD = uuid.uuid4()
BROKEN = uuid.uuid4()


class AnimalStandIn(StandIn):
    """repti-animal's ``GET /animals/{id}``: 200 for :data:`HELD` with a caller's token, 500
    for :data:`BROKEN`, 404 for every other animal."""

    def decode(self, raw: str, headers: dict[str, str]) -> dict[str, Any]:
        return {}

    def route(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any] | None]:
        if path == f"/animals/{BROKEN}":
            return 500, None
        if path == f"/animals/{HELD}" and headers.get("authorization", "").startswith("Bearer ey"):
            return 200, {"id": str(HELD)}
        return 404, {"status": 404}


@pytest.fixture
def animal() -> Iterator[AnimalStandIn]:
    with AnimalStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def member(make_settings: Callable[..., Settings], animal: AnimalStandIn) -> Iterator[Member]:
    settings = make_settings(animal_url=animal.base, http_timeout="2")
    with media_client(settings, animals=None) as client:  # None: the HTTP adapter
        yield Member(client)


def test_an_animal_of_the_callers_organisation_takes_the_file(
    member: Member, animal: AnimalStandIn
) -> None:
    response = member.upload(photo(), animal_id=str(HELD))
    assert response.status_code == 201, response.text
    assert response.json()["animal_id"] == str(HELD)
    [asked] = [r for r in animal.requests if r.path == f"/animals/{HELD}"]
    claims = asked.headers["authorization"].split(".")[1]
    sent = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert sent["org"] == str(member.organisation_id)  # the caller's own token


def test_an_animal_the_caller_cannot_see_is_refused(member: Member) -> None:
    unknown = uuid.uuid4()  # another organisation's private animal: media never heard of it
    response = member.upload(photo(), animal_id=str(unknown))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == [
        {"field": "animal_id", "message": "not an animal of your organisation that you may see"}
    ]


def test_without_repti_animal_nothing_is_attached(member: Member) -> None:
    response = member.upload(photo(), animal_id=str(BROKEN))
    assert response.status_code == 503
    assert "repti-animal" in response.json()["detail"]


def test_a_file_without_an_animal_asks_nothing(member: Member, animal: AnimalStandIn) -> None:
    assert member.upload(photo()).status_code == 201
    assert animal.requests == []
