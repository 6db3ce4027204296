"""Certificates print the breeder, keeper and clutch of origin: the domain's texts, core's
organisation names over HTTP, and renders through the service credential against the real
repti-animal app."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from media_testkit import FakeLineageSource, media_client, media_token
from pypdf import PdfReader

from core_tokens import StaticKeys
from reptidex.adapters.lineage.animal_http import HttpLineageSource
from reptidex.adapters.lineage.core_organisations import HttpOrganisationNames
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.media.lineage import AnimalOrigin, LineageSnapshot
from reptidex.domain.media.use_cases.charts import name_origin
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

BREEDER, KEEPER = uuid.uuid4(), uuid.uuid4()
CLUTCH = uuid.UUID("3f2a1b2c-0000-4000-8000-000000000000")


class Names:
    """Organisation names as core would give them; ``asked`` lists the lookups."""

    def __init__(self, known: dict[uuid.UUID, str]) -> None:
        self.known = known
        self.asked: list[uuid.UUID] = []

    async def name_of(self, organisation_id: uuid.UUID) -> str | None:
        self.asked.append(organisation_id)
        return self.known.get(organisation_id)


class OriginLineage(FakeLineageSource):
    """The fake lineage with an origin, as repti-animal reports it."""

    def __init__(self, origin: AnimalOrigin) -> None:
        super().__init__(5)
        self.origin = origin

    async def lineage(
        self, animal_id: uuid.UUID, generations: int, *, credential: str | None
    ) -> LineageSnapshot:
        snapshot = await super().lineage(animal_id, generations, credential=credential)
        return dataclasses.replace(
            snapshot, breeder=None, clutch=None, origin=self.origin, version=""
        )


SOLD = AnimalOrigin("bred", KEEPER, BREEDER, CLUTCH, dt.date(2025, 3, 14))


def test_the_origin_is_named_for_a_certificate() -> None:
    names = Names({BREEDER: "Scales & Tails", KEEPER: "Happy Herps"})
    source = OriginLineage(SOLD)
    base = asyncio.run(source.lineage(source.animal_id, 4, credential=None))
    named = asyncio.run(name_origin(base, names))
    assert named.breeder == "Scales & Tails"
    assert named.keeper == "Happy Herps"
    sire, dam = named.animal_at(2), named.animal_at(3)
    assert sire is not None
    assert dam is not None
    assert len(sire.label) > 24  # the fake's sire has a long name: clipped to 24
    assert named.clutch == f"laid 2025-03-14 · {sire.label[:23]}… × {dam.label} · #3f2a1b2c"
    assert named.version != base.version  # the names are part of what is drawn
    home = dataclasses.replace(SOLD, keeper_organisation_id=BREEDER)
    same = asyncio.run(name_origin(dataclasses.replace(base, origin=home, version=""), names))
    assert (same.breeder, same.keeper) == ("Scales & Tails", "Scales & Tails")
    bought = AnimalOrigin("bought", KEEPER, None, None, None)
    snapshot = dataclasses.replace(base, origin=bought, version="")
    imported = asyncio.run(name_origin(snapshot, names))
    assert (imported.breeder, imported.keeper, imported.clutch) == (
        "Not recorded (bought in)",
        "Happy Herps",
        None,
    )
    unknown = asyncio.run(name_origin(snapshot, Names({})))
    assert unknown.keeper is None  # core did not know it: the certificate prints "-"
    plain = LineageSnapshot(uuid.uuid4(), 1, (), 0.0, 0, breeder="Given")
    assert asyncio.run(name_origin(plain, names)) is plain  # no origin: nothing to name


def test_certificate_prints_breeder_keeper_and_clutch(
    make_settings: Callable[..., Settings],
) -> None:
    source = OriginLineage(SOLD)
    names = Names({BREEDER: "Scales & Tails", KEEPER: "Happy Herps"})
    with media_client(make_settings(), lineage=source, organisations=names) as client:
        headers = {"Authorization": f"Bearer {media_token(KEEPER, 'viewer')}"}
        url = f"/render/certificate/{source.animal_id}"
        pdf = client.get(url, headers=headers)
        assert pdf.status_code == 200, pdf.text
        text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        for expected in ("Breeder", "Scales & Tails", "Keeper", "Happy Herps", "laid 2025-03-14"):
            assert expected in text, (expected, text)
        assert "#3f2a1b2c" in text
        png = client.get(url + "?format=png", headers=headers)
        assert png.status_code == 200
        # a pedigree chart prints no breeder: nobody is asked for names
        names.asked.clear()
        chart = client.get(f"/render/pedigree/{source.animal_id}", headers=headers)
        assert chart.status_code == 200
        assert names.asked == []


class Core:
    """core's ``GET /orgs/{id}/public`` answering from a dict (or failing)."""

    def __init__(self, names: dict[uuid.UUID, str], error: Exception | None = None) -> None:
        self.names, self.error = names, error
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        assert service == "core"
        self.calls.append((path, kwargs))
        if self.error is not None:
            raise self.error
        ident = uuid.UUID(path.split("/")[2])
        if ident not in self.names:
            return httpx.Response(404, json={"title": "Not Found"})
        return httpx.Response(200, json={"id": str(ident), "name": self.names[ident]})


async def _service_headers() -> dict[str, str]:
    return {"Authorization": "Bearer media-service"}


def test_names_come_from_core_with_the_service_token_and_are_remembered() -> None:
    core = Core({BREEDER: "Scales & Tails"})
    now = [0.0]
    names = HttpOrganisationNames(lambda: core, _service_headers, clock=lambda: now[0])
    assert asyncio.run(names.name_of(BREEDER)) == "Scales & Tails"
    assert asyncio.run(names.name_of(BREEDER)) == "Scales & Tails"
    assert len(core.calls) == 1
    assert core.calls[0] == (
        f"/orgs/{BREEDER}/public",
        {"headers": {"Authorization": "Bearer media-service"}},
    )
    assert asyncio.run(names.name_of(KEEPER)) is None  # unknown: remembered for a minute
    asyncio.run(names.name_of(KEEPER))
    assert len(core.calls) == 2
    now[0] = 301.0
    core.names[BREEDER] = "Renamed"
    assert asyncio.run(names.name_of(BREEDER)) == "Renamed"


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.ConnectError("down")],
)
def test_an_unreachable_core_names_nobody_and_is_asked_again(failure: Exception) -> None:
    core = Core({BREEDER: "Scales & Tails"}, failure)
    names = HttpOrganisationNames(lambda: core, _service_headers)
    assert asyncio.run(names.name_of(BREEDER)) is None
    core.error = None
    assert asyncio.run(names.name_of(BREEDER)) == "Scales & Tails"


def test_odd_answers_of_core_name_nobody() -> None:
    class Odd:
        async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
            return httpx.Response(200, content=b'{"nope": 1}')

    names = HttpOrganisationNames(lambda: Odd(), _service_headers)
    assert asyncio.run(names.name_of(BREEDER)) is None


class InProcessAnimal:
    """The peer client on an in-process repti-animal."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client
        self.authorizations: list[str] = []

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        assert service == "animal"
        self.authorizations.append(kwargs.get("headers", {}).get("Authorization", ""))
        return self.client.get(path, **kwargs)


async def _media_service_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {media_token(None, None, sub='service:media')}"}


class EveryOrganisation:
    """repti-core's directory of organisations, for whom every organisation exists."""

    async def exists(self, organisation_id: uuid.UUID) -> bool:
        return True


def test_a_service_renders_a_public_certificate_through_media_s_own_credential(
    make_settings: Callable[..., Settings],
) -> None:
    """A caller without a user token (another service) gets the public view: repti-media asks
    repti-animal with its own service token, which repti-animal lets in."""
    from reptidex.services.animal.app import create_app as create_animal_app

    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    animal_app = create_animal_app(
        settings,
        genetics_per_minute=0,
        authenticator=Authenticator(StaticKeys()),
        organisations=EveryOrganisation(),
    )
    seller, buyer = uuid.uuid4(), uuid.uuid4()
    with TestClient(animal_app) as animal:

        def call(method: str, path: str, organisation: uuid.UUID, body: Any) -> Any:
            headers = {"Authorization": f"Bearer {media_token(organisation, 'member')}"}
            response = animal.request(method, path, json=body, headers=headers)
            assert response.status_code == (201 if method == "POST" else 200), response.text
            return response.json()

        sire = call("POST", "/animals", seller, {"species": "ball_python", "name": "Zeus",
                                                 "sex": "male", "visibility": "public"})  # fmt: skip
        dam = call("POST", "/animals", seller, {"species": "ball_python", "name": "Hera",
                                                "sex": "female"})  # fmt: skip
        clutch = call("POST", "/breeding/clutches", seller, {"dam_id": dam["id"],
                      "sire_ids": [sire["id"]], "laid_on": "2025-04-02", "eggs": 2})  # fmt: skip
        baby = call("POST", f"/breeding/clutches/{clutch['id']}/hatchlings", seller,
                    {"hatchlings": [{"name": "Apollo", "sex": "male"}]})[0]  # fmt: skip
        call("PATCH", f"/animals/{baby['id']}", seller, {"visibility": "public"})
        offer = call(
            "POST",
            f"/animals/{baby['id']}/transfer",
            seller,
            {"organisation_id": str(buyer), "share_lineage": False},
        )
        call("POST", f"/animals/transfer-offers/{offer['id']}/accept", buyer, None)
        peer = InProcessAnimal(animal)
        lineage = HttpLineageSource(lambda: peer, _media_service_headers)
        names = Names({seller: "Scales & Tails", buyer: "Happy Herps"})
        with media_client(make_settings(), lineage=lineage, organisations=names) as media:
            ops = {"Authorization": f"Bearer {media_token(None, None, sub='service:ops')}"}
            pdf = media.get(f"/render/certificate/{baby['id']}", headers=ops)
            assert pdf.status_code == 200, pdf.text
            text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
            hidden = media.get(f"/render/certificate/{dam['id']}", headers=ops)
    # media's own credential went to repti-animal, never the calling service's
    assert peer.authorizations
    assert all(a.startswith("Bearer ") and a != ops["Authorization"] for a in peer.authorizations)
    for expected in ("Apollo", "Zeus", "Scales & Tails", "Happy Herps", "laid 2025-04-02"):
        assert expected in text, (expected, text)
    assert "Hera" not in text  # the private dam is drawn as a private animal
    assert "Private animal" in text
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
