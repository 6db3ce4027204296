"""repti-media widgets over HTTP: the read model fed by repti-animal's events, public data only,
escaping, frame-ancestors and CORS from the allowed sites, ETags, views counted."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from media_testkit import Breeding, Member, eventually, media_client, photo

from reptidex.domain.events.envelope import DomainEvent
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def embed_client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    with media_client(make_settings()) as test_client:
        yield test_client


@pytest.fixture
def breeding(embed_client: TestClient[Litestar]) -> Breeding:
    return Breeding(embed_client)


class TextOf(HTMLParser):
    """The text and the tags of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> TextOf:
    parser = TextOf()
    parser.feed(html)
    return parser


def test_profile_card_shows_public_animals_escaped(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    animal = breeding.animal(EVIL)
    eventually(lambda: EVIL in parsed(embed_client.get(f"/embed/profile/{animal}").text).text)
    page = embed_client.get(f"/embed/profile/{animal}")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    document = parsed(page.text)
    assert "script" not in document.tags
    assert "&lt;script&gt;" in page.text
    assert "Pastel Clown" in page.text
    assert 'name="viewport"' in page.text
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors *" in csp
    assert "default-src 'none'" in csp
    assert page.headers["cache-control"].startswith("public")
    again = embed_client.get(
        f"/embed/profile/{animal}", headers={"If-None-Match": page.headers["etag"]}
    )
    assert again.status_code == 304


def test_private_lineage_only_and_unknown_animals_are_not_public(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    private = breeding.animal("Secret", visibility="private")
    lineage_only = breeding.animal("Quiet", visibility="lineage_only")
    public = breeding.animal("Shown")
    eventually(lambda: "Shown" in embed_client.get(f"/embed/profile/{public}").text)
    for animal in (private, lineage_only, str(uuid.uuid4())):
        for widget in ("profile", "pedigree"):
            page = embed_client.get(f"/embed/{widget}/{animal}")
            assert page.status_code == 200
            assert "not public" in page.text
            assert "Secret" not in page.text
            assert "Quiet" not in page.text
    # made private later: the card goes dark
    breeding.animal("Shown", visibility="private", event="animal.updated", animal_id=public)
    eventually(lambda: "not public" in embed_client.get(f"/embed/profile/{public}").text)


def test_pedigree_widget_shows_public_ancestors_only(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    grandsire = breeding.animal("Grandsire")
    hidden = breeding.animal("Hidden Dam", visibility="private")
    quiet = breeding.animal("Quiet Dam", visibility="lineage_only")
    sire = breeding.animal("Sire One", sire=grandsire, dam=hidden)
    dam = breeding.animal("Dam Two", sire=grandsire, dam=quiet)
    root = breeding.animal(EVIL, sire=sire, dam=dam)
    eventually(lambda: "Dam Two" in embed_client.get(f"/embed/pedigree/{root}").text)
    page = embed_client.get(f"/embed/pedigree/{root}?generations=2").text
    assert "Grandsire" in page
    assert "Quiet Dam" in page  # lineage-only: name and code in a pedigree
    assert "Hidden Dam" not in page
    assert "Not public" in page
    assert "repeat of #4" in page
    assert "COI 12.50%" in page  # offspring of half-siblings
    assert "script" not in parsed(page).tags
    fragment = embed_client.get(f"/embed/pedigree/{root}/fragment?generations=2&theme=dark").json()
    assert fragment["public"] is True
    assert "Grandsire" in fragment["html"]
    assert ":host" in fragment["css"]
    assert "#17191c" in fragment["css"]


def test_available_animals_of_a_breeder(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    breeding.animal("For Sale One", status="for_sale")
    breeding.animal("Kept", status="active")
    breeding.animal("Private Sale", status="for_sale", visibility="private")
    url = f"/embed/available/{breeding.organisation_id}"
    eventually(lambda: "For Sale One" in embed_client.get(url).text)
    page = embed_client.get(url).text
    assert "Kept" not in page
    assert "Private Sale" not in page
    assert "No animals" in embed_client.get(f"/embed/available/{uuid.uuid4()}").text


CARRIES: dict[str, Any] = {"hets": ["Albino"], "possible_hets": [["Clown", "2/3"], ["Pied", "1/2"]]}
"""What an animal.created/updated payload says of a double possible het, het Albino."""


def test_every_widget_shows_possible_hets_as_breeders_read_them(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    quiet = breeding.animal(
        "Quiet Dam", visibility="lineage_only", possible_hets=[["Ghost", "1/2"]], hets=["Lavender"]
    )
    sire = breeding.animal("Sire One", possible_hets=[["Pied", "1/3"]])
    root = breeding.animal("Offer", status="for_sale", sire=sire, dam=quiet, **CARRIES)
    genetics = "het Albino, 66% het Clown, 50% het Pied"
    profile = f"/embed/profile/{root}"
    eventually(lambda: "Offer" in embed_client.get(profile).text)
    assert genetics in "".join(parsed(embed_client.get(profile).text).text)
    assert genetics in embed_client.get(f"{profile}/fragment").json()["html"]
    listing = f"/embed/available/{breeding.organisation_id}"
    assert genetics in "".join(parsed(embed_client.get(listing).text).text)
    assert genetics in embed_client.get(f"{listing}/fragment").json()["html"]
    eventually(lambda: "Quiet Dam" in embed_client.get(f"/embed/pedigree/{root}").text)
    for tree in (
        embed_client.get(f"/embed/pedigree/{root}").text,
        embed_client.get(f"/embed/pedigree/{root}/fragment").json()["html"],
    ):
        text = "".join(parsed(tree).text)
        assert genetics in text  # the root's
        assert "33% het Pied" in text  # the public sire's
        assert "Ghost" not in text  # a lineage-only ancestor: name and code only
        assert "Lavender" not in text
    # made lineage-only itself, then public again by an event that carries no genetics: what
    # it carried while it was not public was never kept
    breeding.animal("Offer", visibility="lineage_only", event="animal.updated", animal_id=root)
    eventually(lambda: "not public" in embed_client.get(profile).text)
    breeding.animal("Offer", event="animal.updated", animal_id=root)
    eventually(lambda: "not public" not in embed_client.get(profile).text)
    assert "het" not in "".join(parsed(embed_client.get(profile).text).text)


def test_an_event_without_genetics_keeps_what_the_copy_holds(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    animal = breeding.animal("Carrier", **CARRIES)
    profile = f"/embed/profile/{animal}"
    eventually(lambda: "66% het Clown" in embed_client.get(profile).text)
    # an event from before animal.updated carried the genotype says nothing of it
    breeding.animal("Carrier II", event="animal.updated", animal_id=animal)
    eventually(lambda: "Carrier II" in embed_client.get(profile).text)
    assert "het Albino, 66% het Clown, 50% het Pied" in embed_client.get(profile).text
    # one that says "none" clears them; odd entries are skipped, never fatal
    odd = [
        ["Clown", "x"],
        ["Pied", "1/0"],
        ["Lavender", "1"],
        ["Ghost"],
        "Spider",
        ["Desert", "1/4"],
    ]
    breeding.animal(
        "Carrier III", event="animal.updated", animal_id=animal, hets=[], possible_hets=odd
    )
    eventually(lambda: "Carrier III" in embed_client.get(profile).text)
    text = "".join(parsed(embed_client.get(profile).text).text)
    assert "25% het Desert" in text
    for gone in ("Albino", "Clown", "Pied", "Lavender", "Ghost", "Spider"):
        assert f"het {gone}" not in text


def test_hostile_gene_names_are_escaped_in_every_widget(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    sire = breeding.animal("Sire", hets=[EVIL], possible_hets=[[EVIL, "1/2"]])
    root = breeding.animal(
        "Hostile", status="for_sale", sire=sire, hets=[EVIL], possible_hets=[[EVIL, "2/3"]]
    )
    eventually(lambda: "Sire" in embed_client.get(f"/embed/pedigree/{root}").text)
    for url in (
        f"/embed/profile/{root}",
        f"/embed/pedigree/{root}",
        f"/embed/available/{breeding.organisation_id}",
    ):
        for html in (
            embed_client.get(url).text,
            embed_client.get(f"{url}/fragment").json()["html"],
        ):
            document = parsed(html)
            assert "script" not in document.tags, url
            assert f"66% het {EVIL}" in "".join(document.text), url
            assert "&lt;script&gt;" in html, url


def test_allowed_sites_drive_frame_ancestors_and_cors(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    animal = breeding.animal("Framed")
    eventually(lambda: "Framed" in embed_client.get(f"/embed/profile/{animal}").text)
    open_fragment = embed_client.get(
        f"/embed/profile/{animal}/fragment", headers={"Origin": "https://any.example"}
    )
    assert open_fragment.headers["access-control-allow-origin"] == "*"
    admin = Member(embed_client, breeding.organisation_id, role="admin")
    body = {"allowed_origins": ["https://breeder.example/", "https://*.shop.example"]}
    saved = embed_client.put("/embed/settings", json=body, headers=admin.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["allowed_origins"] == ["https://breeder.example", "https://*.shop.example"]
    page = embed_client.get(f"/embed/profile/{animal}")
    assert (
        "frame-ancestors 'self' https://breeder.example https://*.shop.example"
        in (page.headers["content-security-policy"])
    )
    allowed = embed_client.get(
        f"/embed/profile/{animal}/fragment", headers={"Origin": "https://a.shop.example"}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://a.shop.example"
    refused = embed_client.get(
        f"/embed/profile/{animal}/fragment", headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    member = Member(embed_client, breeding.organisation_id, role="member")
    assert embed_client.put("/embed/settings", json=body, headers=member.headers).status_code == 403
    bad = embed_client.put(
        "/embed/settings", json={"allowed_origins": ["javascript:alert(1)"]}, headers=admin.headers
    )
    assert bad.status_code == 422
    assert embed_client.get("/embed/settings", headers=member.headers).json() == saved.json()


def test_views_are_counted_and_announced(make_settings: Callable[..., Settings]) -> None:
    seen: list[DomainEvent] = []

    async def collect(event: DomainEvent) -> None:
        seen.append(event)

    test_client = media_client(make_settings())
    kernel_of(test_client.app).events.subscribe("embed.*", collect)
    with test_client:
        breeding = Breeding(test_client)
        animal = breeding.animal("Counted")
        eventually(lambda: "Counted" in test_client.get(f"/embed/profile/{animal}").text)
        test_client.get(
            f"/embed/profile/{animal}/fragment", headers={"Referer": "https://b.example/x"}
        )
        test_client.get(f"/embed/profile/{uuid.uuid4()}")  # not public: not counted
        viewer = Member(test_client, breeding.organisation_id, role="viewer")
        stats = test_client.get("/embed/stats", headers=viewer.headers).json()
        eventually(lambda: len(seen) >= 2)
    assert stats["views"][0]["widget"] == "profile"
    assert stats["views"][0]["views"] == len(seen)
    assert {e.payload["mode"] for e in seen} == {"iframe", "script"}
    assert any(e.payload["referrer_host"] == "b.example" for e in seen)


def test_profile_photo_from_a_public_upload(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    animal = breeding.animal("Pictured")
    eventually(lambda: "Pictured" in embed_client.get(f"/embed/profile/{animal}").text)
    member = Member(embed_client, breeding.organisation_id)
    upload = member.upload(photo(), visibility="public", animal_id=animal).json()
    page = embed_client.get(f"/embed/profile/{animal}").text
    assert f"/media/{upload['id']}?variant=thumb-512" in page


def test_catalog_loader_and_bad_input(embed_client: TestClient[Litestar]) -> None:
    animal, organisation = uuid.uuid4(), uuid.uuid4()
    catalog = embed_client.get(f"/embed/widgets?animal_id={animal}&organisation_id={organisation}")
    assert catalog.status_code == 200
    widgets = {w["type"]: w for w in catalog.json()["widgets"]}
    assert set(widgets) == {"profile", "pedigree", "available"}
    assert f"/embed/profile/{animal}" in widgets["profile"]["iframe_snippet"]
    assert 'data-reptidex-widget="available"' in widgets["available"]["script_snippet"]
    assert str(organisation) in widgets["available"]["script_snippet"]
    assert any(o["name"] == "generations" for o in widgets["pedigree"]["options"])
    assert embed_client.get("/embed/widgets").json()["widgets"][0]["iframe_snippet"] is None
    loader = embed_client.get("/embed/loader.js")
    assert loader.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "attachShadow" in loader.text
    for url in (
        f"/embed/gallery/{animal}",
        f"/embed/pedigree/{animal}?generations=9",
        f"/embed/profile/{animal}?accent=red",
        f"/embed/profile/{animal}?theme=neon",
        "/embed/profile/not-a-uuid",
    ):
        response = embed_client.get(url)
        assert 400 <= response.status_code < 500, url
        assert response.headers["content-type"].startswith("application/problem+json"), url
    schema = embed_client.get("/schema/openapi.json").json()["paths"]
    assert "/embed/{widget}/{subject_id}" in schema
    assert "/embed/settings" in schema


def test_widgets_on_postgresql(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    with media_client(make_settings(media_database_url=postgres_database)) as test_client:
        breeding = Breeding(test_client)
        sire = breeding.animal("PG Sire")
        root = breeding.animal("PG Root", sire=sire, status="for_sale")
        eventually(lambda: "PG Sire" in test_client.get(f"/embed/pedigree/{root}").text)
        assert "PG Root" in test_client.get(f"/embed/available/{breeding.organisation_id}").text
        test_client.get(f"/embed/profile/{root}")
        viewer = Member(test_client, breeding.organisation_id, role="viewer")
        views = test_client.get("/embed/stats", headers=viewer.headers).json()["views"]
        assert {v["widget"] for v in views} == {"pedigree", "available", "profile"}


def test_transferred_and_deleted_animals(
    embed_client: TestClient[Litestar], breeding: Breeding
) -> None:
    animal = breeding.animal("Moving", status="for_sale")
    listing = f"/embed/available/{breeding.organisation_id}"
    eventually(lambda: "Moving" in embed_client.get(listing).text)
    buyer = uuid.uuid4()
    breeding.publish(
        "animal.transferred",
        {"animal_id": animal, "code": "NEW-1", "from_organisation_id": str(breeding.organisation_id),
         "to_organisation_id": str(buyer)},
    )  # fmt: skip
    eventually(lambda: "Moving" not in embed_client.get(listing).text)
    assert "NEW-1" in embed_client.get(f"/embed/profile/{animal}").text
    assert "Moving" not in embed_client.get(f"/embed/available/{buyer}").text  # status unknown
    breeding.publish("animal.deleted", {"animal_id": animal, "code": "NEW-1"})
    eventually(lambda: "not public" in embed_client.get(f"/embed/profile/{animal}").text)
