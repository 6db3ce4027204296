"""Issue 20's listing half, as a breeder sees it: `reptidex up` as a real process, HTTP only.

A seller records two normal-looking parents, their visual Clown daughter and her brother,
typed "50% het Clown", and lists the brother. repti-animal keeps the family's het odds in the
background and announces them; repti-commerce's listing of the brother then shows him 66% het
Clown (2/3, from the pedigree) in place of the typed 50%, and a search for possible het Clown
finds him by those odds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_commerce_acceptance import keeper, ok

from platform_process import clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow


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
