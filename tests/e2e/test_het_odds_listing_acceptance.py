"""Issue 20 as a breeder sees it: `reptidex up` as a real process, HTTP only.

A three-generation family recorded normal-looking, then the grandson corrected to visual
Clown: every animal's page shows the kept odds the brute-force answer gives, and why.

A seller records two normal-looking parents, their visual Clown daughter and her brother,
typed "50% het Clown", and lists the brother. repti-animal keeps the family's het odds in the
background and announces them; repti-commerce's listing of the brother then shows him 66% het
Clown (2/3, from the pedigree) in place of the typed 50%, and a search for possible het Clown
finds him by those odds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_commerce_acceptance import keeper, ok

from platform_process import clean_environment, free_port_block, running_platform
from reptidex.engine.carriers import brute_force_het_odds, carrier_locus, evidence_from_morphs
from reptidex.engine.genetics import load_catalog
from reptidex.engine.pedigree import Animal, Pedigree

pytestmark = pytest.mark.slow

CLOWN = carrier_locus(load_catalog("ball_python"), "Clown")


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    tmp_path = tmp_path_factory.mktemp("het-odds-listing")
    environ = clean_environment(tmp_path / "data", {"REPTIDEX_LOG_LEVEL": "WARNING"})
    base = free_port_block()
    with running_platform(base, environ, tmp_path / "platform.log"):
        yield base, tmp_path / "data"


def test_a_listing_shows_the_brother_of_a_visual_clown_two_thirds_het(
    ports: tuple[int, Path],
) -> None:
    base, data_dir = ports
    seller = keeper(base, data_dir, "seller")
    animal = httpx.Client(base_url=f"http://127.0.0.1:{base + 1}", timeout=15)
    commerce = httpx.Client(base_url=f"http://127.0.0.1:{base + 2}", timeout=15)

    def add(**fields: Any) -> dict[str, Any]:
        body = {"species": "ball_python", "morph": "Normal", **fields}
        found: dict[str, Any] = ok(animal.post("/animals", json=body, headers=seller), 201)
        return found

    sire = add(name="Sire", sex="male")
    dam = add(name="Dam", sex="female")
    parents = {"sire_id": sire["id"], "dam_id": dam["id"]}
    add(name="Daughter", sex="female", morph="Clown", **parents)
    brother = add(name="Brother", sex="male", morph="50% het Clown", **parents)
    listing = ok(
        commerce.post(
            "/marketplace/listings",
            json={"animal_id": brother["id"], "title": "50% het Clown male", "country": "DE",
                  "price": {"amount": 15000, "currency": "EUR"}, "publish": True},
            headers=seller,
        ),
        201,
    )  # fmt: skip
    assert listing["animal"]["possible_hets"][0]["probability"] == "1/2"

    deadline = time.monotonic() + 60
    while True:
        shown = ok(commerce.get(f"/marketplace/listings/{listing['id']}"))["animal"]
        if shown["pedigree_odds"] is not None:
            break
        assert time.monotonic() < deadline, "the listing never showed the pedigree's odds"
        time.sleep(0.2)
    assert shown["possible_hets"] == [
        {"gene": "Clown", "probability": "2/3", "percent": 66.6667, "label": "66% het Clown",
         "source": "pedigree"},
    ]  # fmt: skip
    assert [(g["gene"], g["probability"]) for g in shown["pedigree_odds"]["genes"]] == [
        ("Clown", "2/3")
    ]
    found = ok(
        commerce.get("/marketplace/listings", params={"gene": "clown", "zygosity": "possible_het"})
    )
    assert [x["animal"]["possible_hets"][0]["label"] for x in found["items"]] == ["66% het Clown"]


def test_a_visual_clown_grandson_moves_the_whole_family_on_every_page(
    ports: tuple[int, Path],
) -> None:
    """The issue's acceptance: three generations recorded normal-looking, then the grandson
    turns out visual Clown; every animal's page shows the kept odds the brute-force answer
    gives, and why."""
    base, data_dir = ports
    breeder = keeper(base, data_dir, "family")
    animal = httpx.Client(base_url=f"http://127.0.0.1:{base + 1}", timeout=15)

    def add(name: str, sex: str, **fields: Any) -> dict[str, Any]:
        body = {"species": "ball_python", "morph": "Normal", "name": name, "sex": sex, **fields}
        made: dict[str, Any] = ok(animal.post("/animals", json=body, headers=breeder), 201)
        return made

    gs, gd = add("GS", "male"), add("GD", "female")
    grand = {"sire_id": gs["id"], "dam_id": gd["id"]}
    sire, aunt = add("Sire", "male", **grand), add("Aunt", "female", **grand)
    dam = add("Dam", "female")
    parents = {"sire_id": sire["id"], "dam_id": dam["id"]}
    grandson = add("Grandson", "male", **parents)
    sibs = [add("Sib1", "female", **parents), add("Sib2", "male", **parents)]
    family = {"GS": gs, "GD": gd, "Sire": sire, "Aunt": aunt, "Dam": dam, "Grandson": grandson,
              "Sib1": sibs[0], "Sib2": sibs[1]}  # fmt: skip
    ok(animal.patch(f"/animals/{grandson['id']}", json={"morph": "Clown"}, headers=breeder))

    ped = Pedigree(
        [Animal("GS"), Animal("GD"), Animal("Sire", "GS", "GD"), Animal("Aunt", "GS", "GD"),
         Animal("Dam"), *(Animal(k, "Sire", "Dam") for k in ("Grandson", "Sib1", "Sib2"))]
    )  # fmt: skip
    seen = {a: "Normal" for a in ped.ids} | {"Grandson": "Clown"}
    reference = brute_force_het_odds(ped, evidence_from_morphs(ped, CLOWN, seen))

    def page(name: str) -> dict[str, Any]:
        body: dict[str, Any] = ok(animal.get(f"/animals/{family[name]['id']}", headers=breeder))
        return body

    deadline = time.monotonic() + 60
    while not all(
        (odds := page(name)["het_odds"]) and odds["up_to_date"] and odds["genes"] for name in family
    ):
        assert time.monotonic() < deadline, "the family's odds were never kept"
        time.sleep(0.2)
    for name in family:
        (clown,) = page(name)["het_odds"]["genes"]
        assert Fraction(clown["carrier"]) == reference[name].carrier, name
        assert clown["proven"] is (reference[name].carrier == 1)
        if name != "Grandson":
            assert clown["explanation"], f"{name}'s page says why"
    assert [page(n)["het_odds"]["genes"][0]["summary"] for n in ("Sire", "Sib1", "GS", "Aunt")] == [
        "proven het Clown", "66% het Clown", "51% het Clown", "50% het Clown"
    ]  # fmt: skip
    assert reference["GS"].carrier == Fraction(41, 79)
    assert reference["Aunt"].carrier == Fraction(40, 79)
    why = page("Sib1")["het_odds"]["genes"][0]["explanation"][0]["text"]
    assert "Grandson" in why
