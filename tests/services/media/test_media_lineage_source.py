"""The HTTP lineage source: errors and timeouts of repti-animal become problems, and a contract
test against the real repti-animal app's ``GET /lineage/{id}``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from media_testkit import media_token

from core_tokens import StaticKeys
from reptidex.adapters.lineage.animal_http import HttpLineageSource
from reptidex.adapters.render.svg import SvgRenderer
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.errors import NotAuthenticated, NotFound, PermissionDenied
from reptidex.domain.media.lineage import LineageUnavailable
from reptidex.domain.media.rendering import CertificateDrawing, Theme, pedigree_drawing
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings


class Answering:
    """A peer client answering every call with one response (or raising)."""

    def __init__(self, status: int = 200, body: bytes = b"{}", error: Exception | None = None):
        self.status, self.body, self.error = status, body, error
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        self.calls.append((service, path, kwargs))
        if self.error is not None:
            raise self.error
        return httpx.Response(self.status, content=self.body)


async def _service_headers() -> dict[str, str]:
    return {"Authorization": "Bearer service-token"}


@pytest.mark.parametrize(
    ("status", "body", "error", "expected"),
    [
        (404, b"{}", None, NotFound),
        (401, b"{}", None, NotAuthenticated),
        (403, b"{}", None, PermissionDenied),
        (500, b"{}", None, LineageUnavailable),
        (200, b'{"not": "a lineage"}', None, LineageUnavailable),
        (200, b"", httpx.ReadTimeout("slow"), LineageUnavailable),
        (200, b"", httpx.ConnectError("down"), LineageUnavailable),
    ],
)
def test_answers_of_repti_animal_become_domain_errors(
    status: int, body: bytes, error: Exception | None, expected: type[Exception]
) -> None:
    peer = Answering(status, body, error)
    source = HttpLineageSource(lambda: peer, _service_headers)
    with pytest.raises(expected):
        asyncio.run(source.lineage(uuid.uuid4(), 4, credential="user-token"))
    assert peer.calls[0][2]["headers"] == {"Authorization": "Bearer user-token"}
    assert peer.calls[0][2]["params"] == {"generations": 4, "descendants": 0}


def test_without_a_caller_token_the_service_token_is_sent() -> None:
    peer = Answering(404)
    source = HttpLineageSource(lambda: peer, _service_headers)
    with pytest.raises(NotFound):
        asyncio.run(source.lineage(uuid.uuid4(), 3, credential=None))
    assert peer.calls[0][2]["headers"] == {"Authorization": "Bearer service-token"}


class InProcessPeer:
    """The peer client on an in-process repti-animal (its TestClient runs the app)."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        assert service == "animal"
        return self.client.get(path, **kwargs)


def test_contract_with_repti_animal_lineage(make_settings: Callable[..., Settings]) -> None:
    """repti-animal's real ``GET /lineage/{id}`` parses into a snapshot that renders."""
    from reptidex.services.animal.app import create_app as create_animal_app

    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    app = create_animal_app(
        settings, genetics_per_minute=0, authenticator=Authenticator(StaticKeys())
    )
    organisation = uuid.uuid4()
    token = media_token(organisation, "member")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as animal:

        def add(**fields: Any) -> str:
            response = animal.post(
                "/animals", json={"species": "ball_python", **fields}, headers=headers
            )
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        grandsire = add(name="Old Sire", sex="male", morph="Pastel")
        granddam = add(name="Old Dam", sex="female")
        sire = add(name="Sire", sex="male", sire_id=grandsire, dam_id=granddam)
        dam = add(name="Dam", sex="female", sire_id=grandsire, morph="Clown")
        root = add(
            name=EVIL,
            sex="female",
            sire_id=sire,
            dam_id=dam,
            hatch_date="2024-05-01",
            morph="Pastel het Clown 66% het Pied",
        )
        source = HttpLineageSource(lambda: InProcessPeer(animal), _service_headers)
        lineage = asyncio.run(source.lineage(uuid.UUID(root), 3, credential=token))
        with pytest.raises(NotFound):
            asyncio.run(source.lineage(uuid.uuid4(), 3, credential=token))
    assert lineage.root.name == EVIL
    assert lineage.root.hatch_year == 2024
    assert lineage.coefficient > 0  # half-siblings' offspring
    names = {p.animal.name for p in lineage.positions}
    assert {"Old Sire", "Old Dam", "Sire", "Dam"} <= names
    assert any(p.repeat_of is not None for p in lineage.positions)
    document = SvgRenderer().pedigree(pedigree_drawing(lineage, 3, Theme()))
    assert b"Old Sire" in document
    assert b"&lt;b&gt;" in document
    # possible hets as breeders read them, on the chart and on the certificate
    assert (lineage.root.hets, lineage.root.possible_hets) == (("Clown",), ("66% het Piebald",))
    assert b"het Clown, 66% het Piebald" in document
    certificate = CertificateDrawing(pedigree_drawing(lineage, 3, Theme()), "a4", "", "today")
    assert ("Genetics", "het Clown, 66% het Piebald") in certificate.facts()


EVIL = "<b>Evil</b>"
