"""repti-media rendering over HTTP with a fake lineage source: formats, validation, caching by
lineage version, invalidation by events, render.completed."""

from __future__ import annotations

import io
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from media_testkit import EVIL_NAME, FakeLineageSource, FixedPlans, Member, media_client, photo
from PIL import Image
from pypdf import PdfReader

from reptidex.domain.errors import PlanUnknown
from reptidex.domain.events.envelope import DomainEvent, new_event
from reptidex.services.kernel.app import components_of, kernel_of
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.wiring import MediaComponents


@pytest.fixture
def source() -> FakeLineageSource:
    return FakeLineageSource(6)


@pytest.fixture
def render_client(
    make_settings: Callable[..., Settings], source: FakeLineageSource
) -> Iterator[TestClient[Litestar]]:
    with media_client(make_settings(), lineage=source) as test_client:
        yield test_client


@pytest.fixture
def breeder(render_client: TestClient[Litestar]) -> Member:
    return Member(render_client, role="viewer")


def test_pedigree_svg_png_pdf(breeder: Member, source: FakeLineageSource) -> None:
    url = f"/render/pedigree/{source.animal_id}?generations=5"
    svg = breeder.get(url)
    assert svg.status_code == 200, svg.text
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)
    text = "\n".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert EVIL_NAME in text
    assert b"<script>" not in svg.content
    assert source.credentials[-1] is not None  # the caller's token is passed on
    png = breeder.get(url + "&format=png")
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size[0] > 1000
    pdf = breeder.get(url + "&format=pdf&theme=dark&accent=%23aa3366")
    assert pdf.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1


def test_certificate_pdf_and_png(breeder: Member, source: FakeLineageSource) -> None:
    pdf = breeder.get(f"/render/certificate/{source.animal_id}?paper=letter")
    assert pdf.status_code == 200, pdf.text
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    assert round(float(reader.pages[0].mediabox.width)) == 612
    text = reader.pages[0].extract_text()
    assert "Certificate of Pedigree" in text
    assert f"/embed/profile/{source.animal_id}" in text
    png = breeder.get(f"/render/certificate/{source.animal_id}?format=png")
    assert Image.open(io.BytesIO(png.content)).size == (1240, 1754)  # A4 at 150 dpi


def test_bad_requests_are_problems(
    breeder: Member, source: FakeLineageSource, render_client: TestClient[Litestar]
) -> None:
    base = f"/render/pedigree/{source.animal_id}"
    for query in ("generations=0", "generations=7", "format=gif", "accent=red", "theme=blue"):
        response = breeder.get(f"{base}?{query}")
        assert response.status_code == 422, (query, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
    svg = breeder.get(f"/render/certificate/{source.animal_id}?format=svg")
    assert svg.status_code == 422, svg.status_code
    assert breeder.get(f"/render/pedigree/{uuid.uuid4()}").status_code == 404
    assert render_client.get(base).status_code == 401
    assert breeder.get(f"{base}?logo={uuid.uuid4()}").status_code == 404


def test_logo_from_an_uploaded_file(
    render_client: TestClient[Litestar], source: FakeLineageSource
) -> None:
    member = Member(render_client)
    logo = member.upload(photo((200, 80), kind="PNG"), "logo.png").json()
    response = member.get(f"/render/pedigree/{source.animal_id}?generations=3&logo={logo['id']}")
    assert response.status_code == 200, response.text
    assert b'href="data:image/' in response.content
    pdf = member.upload(b"%PDF-1.4\n%%EOF\n", "x.pdf").json()
    refused = member.get(f"/render/pedigree/{source.animal_id}?logo={pdf['id']}")
    assert refused.status_code == 422


def test_renders_are_cached_by_lineage_version(breeder: Member, source: FakeLineageSource) -> None:
    url = f"/render/pedigree/{source.animal_id}?generations=4&format=png"
    first = breeder.get(url)
    second = breeder.get(url)
    assert (first.headers["x-render-cache"], second.headers["x-render-cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert breeder.get(url, **{"If-None-Match": first.headers["etag"]}).status_code == 304
    source.names[source.root] = "Renamed"  # a new lineage version
    third = breeder.get(url)
    assert third.headers["x-render-cache"] == "miss"
    assert third.headers["etag"] != first.headers["etag"]


def test_events_invalidate_and_render_completed_is_published(
    make_settings: Callable[..., Settings], source: FakeLineageSource
) -> None:
    seen: list[DomainEvent] = []

    async def collect(event: DomainEvent) -> None:
        seen.append(event)

    test_client = media_client(make_settings(), lineage=source)
    app = test_client.app
    kernel_of(app).events.subscribe("render.*", collect)
    with test_client:
        breeder = Member(test_client)
        url = f"/render/pedigree/{source.animal_id}?generations=3"
        assert breeder.get(url).headers["x-render-cache"] == "miss"
        assert breeder.get(url).headers["x-render-cache"] == "hit"
        ancestor = source.uuid_of(source.pedigree.parents(source.root)[1] or "")
        event = new_event(
            "animal.updated", producer="animal", payload={"animal_id": ancestor, "code": "x"}
        )
        recent = components_of(app, MediaComponents).adapters.recent
        assert recent.invalidate("nobody") == 0
        with test_client.portal() as portal:
            portal.call(kernel_of(app).events.bus.publish, event)
        deadline = time.monotonic() + 5
        while (recent._items or stored_renders(test_client)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert breeder.get(url).headers["x-render-cache"] == "miss"
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert [e.type for e in seen] == ["render.completed", "render.completed"]
    assert seen[0].payload["animal_id"] == str(source.animal_id)
    assert seen[0].payload["format"] == "svg"


def stored_renders(test_client: TestClient[Litestar]) -> int:
    """How many renders the media database keeps."""
    from sqlalchemy import text

    from reptidex.services.kernel.app import kernel_of

    async def count() -> int:
        async with kernel_of(test_client.app).resources.engine.connect() as connection:
            return int(
                (await connection.execute(text("SELECT count(*) FROM media_render"))).scalar_one()
            )

    with test_client.portal() as portal:
        return portal.call(count)


def test_openapi_documents_rendering(render_client: TestClient[Litestar]) -> None:
    paths = render_client.get("/schema/openapi.json").json()["paths"]
    pedigree = paths["/render/pedigree/{animal_id}"]["get"]
    names = {p["name"] for p in pedigree["parameters"]}
    assert {"generations", "format", "theme", "accent", "logo"} <= names
    assert "/render/certificate/{animal_id}" in paths


def test_render_cache_on_postgresql(
    make_settings: Callable[..., Settings], postgres_database: str, source: FakeLineageSource
) -> None:
    settings = make_settings(media_database_url=postgres_database)
    with media_client(settings, lineage=source) as test_client:
        breeder = Member(test_client)
        url = f"/render/pedigree/{source.animal_id}?generations=3&format=pdf"
        first = breeder.get(url)
        assert first.headers["x-render-cache"] == "miss"
        components_of(test_client.app, MediaComponents).adapters.recent.invalidate(
            str(source.animal_id)
        )
        second = breeder.get(url)  # from the database this time
        assert second.headers["x-render-cache"] == "hit"
        assert second.content == first.content


def test_ancestor_photos_are_drawn_and_change_the_cache_key(
    render_client: TestClient[Litestar], source: FakeLineageSource
) -> None:
    member = Member(render_client)
    sire = source.uuid_of(source.pedigree.parents(source.root)[0] or "")
    event = new_event(
        "animal.created",
        producer="animal",
        payload={"animal_id": sire, "code": "S1", "name": "Sire", "species": "ball_python",
                 "sex": "male", "phenotype": "Clown", "status": "active", "visibility": "public"},
        organisation_id=member.organisation_id,
    )  # fmt: skip
    with render_client.portal() as portal:
        portal.call(kernel_of(render_client.app).events.bus.publish, event)
    url = f"/render/pedigree/{source.animal_id}?generations=3"
    before = member.get(url)
    assert b'class="photo"' not in before.content
    intruder = Member(render_client)  # another breeder cannot attach photos to this animal
    refused = intruder.upload(photo((300, 300)), "fake.jpg", visibility="public", animal_id=sire)
    deadline = time.monotonic() + 5
    while refused.status_code == 201 and time.monotonic() < deadline:  # the event not yet applied
        time.sleep(0.05)
        refused = intruder.upload(
            photo((301, 300)), "fake.jpg", visibility="public", animal_id=sire
        )
    assert refused.status_code == 422
    member.upload(photo((300, 300)), "sire.jpg", animal_id=sire)
    after = member.get(url)
    assert after.headers["x-render-cache"] == "miss"  # a new photo is a new render
    root = ET.fromstring(after.content)
    images = root.findall(".//{http://www.w3.org/2000/svg}image[@class='photo']")
    assert len(images) == 1  # the member's own, not the intruder's early one
    assert images[0].get("href", "").startswith("data:image/jpeg;base64,")
    png = member.get(url + "&format=png")
    assert png.status_code == 200
    pdf = member.get(url + "&format=pdf")
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1
    other = Member(render_client)  # another organisation does not see a private photo
    assert b'class="photo"' not in other.get(url).content


def test_certificates_need_a_plan_that_prints_them(
    make_settings: Callable[..., Settings], source: FakeLineageSource
) -> None:
    with media_client(make_settings(), lineage=source, plans=FixedPlans("free")) as test_client:
        member = Member(test_client)
        refused = member.get(f"/render/certificate/{source.animal_id}")
        assert refused.status_code == 403
        assert "Keeper plan" in refused.json()["detail"]
        assert member.get(f"/render/pedigree/{source.animal_id}").status_code == 200
    with media_client(make_settings(), lineage=source, plans=FixedPlans("keeper")) as test_client:
        assert Member(test_client).get(f"/render/certificate/{source.animal_id}").status_code == 200
    unknown = FixedPlans(PlanUnknown("The plan cannot be told just now.", retry_after=30))
    with media_client(make_settings(), lineage=source, plans=unknown) as test_client:
        refused = Member(test_client).get(f"/render/certificate/{source.animal_id}")
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["retry-after"] == "30"
        assert "cannot be told" in refused.json()["detail"]
