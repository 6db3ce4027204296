"""Animals in breeding records, on SQLite and PostgreSQL: deleting one that is in a pair or a
clutch is refused (409 naming them); transferring one keeps the seller's pairs, which show the
parent as transferred instead of failing."""

from __future__ import annotations

from typing import Any

import httpx
from animal_testkit import Breeder, transfer


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_an_animal_in_a_pair_or_clutch_cannot_be_deleted(breeder: Breeder) -> None:
    sire = breeder.add(name="Zeus", sex="male", morph="Pastel")
    dam = breeder.add(name="Hera", sex="female", morph="het Clown")
    other_sire = breeder.add(name="Ares", sex="male", morph="Clown")
    loner = breeder.add(name="Loner", sex="female")
    pair = ok(
        breeder.post(
            "/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"], "season": "2026"}
        ),
        201,
    )
    # a clutch with two possible sires, one of them in no pair
    clutch = ok(
        breeder.post(
            "/breeding/clutches",
            json={
                "dam_id": dam["id"],
                "sire_ids": [sire["id"], other_sire["id"]],
                "laid_on": "2026-04-01",
                "eggs": 4,
            },
        ),
        201,
    )
    refused = breeder.delete(f"/animals/{sire['id']}")
    assert refused.status_code == 409
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert str(pair["id"]) in problem["detail"]
    assert str(clutch["id"]) in problem["detail"]
    by_possible_sire = breeder.delete(f"/animals/{other_sire['id']}")
    assert by_possible_sire.status_code == 409
    assert str(clutch["id"]) in by_possible_sire.json()["detail"]
    assert str(pair["id"]) not in by_possible_sire.json()["detail"]
    dam_refused = breeder.delete(f"/animals/{dam['id']}").json()
    assert str(pair["id"]) in dam_refused["detail"]
    assert str(clutch["id"]) in dam_refused["detail"]
    # nothing was removed; the pair still shows; an animal in no record can go
    ok(breeder.get(f"/breeding/pairs/{pair['id']}"))
    ok(breeder.get(f"/animals/{sire['id']}"))
    assert breeder.delete(f"/animals/{loner['id']}").status_code == 204


def test_a_transferred_parent_stays_in_the_sellers_pair(breeder: Breeder, rival: Breeder) -> None:
    sire = breeder.add(name="Zeus", sex="male", morph="Pastel het Clown")
    dam = breeder.add(name="Hera", sex="female", morph="het Clown")
    pair = ok(
        breeder.post(
            "/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"], "season": "2026"}
        ),
        201,
    )
    before = {o["phenotype"]: o["probability"] for o in pair["prediction"]["outcomes"]}
    transfer(breeder, sire, rival)
    shown = ok(breeder.get(f"/breeding/pairs/{pair['id']}"))
    assert shown["transferred"] == [sire["id"]]
    assert shown["sire_id"] == sire["id"]
    after = {o["phenotype"]: o["probability"] for o in shown["prediction"]["outcomes"]}
    assert after == before
    outcomes = ok(breeder.get(f"/breeding/pairs/{pair['id']}/outcomes"))
    assert outcomes["hatchlings"] == 0
    listed = ok(breeder.get("/breeding/pairs"))
    assert [p["id"] for p in listed] == [pair["id"]]
    # the buyer owns the animal now and sees none of the seller's pairs
    assert ok(rival.get(f"/animals/{sire['id']}"))["name"] == "Zeus"
    assert ok(rival.get("/breeding/pairs")) == []
    # a pair with both parents at home has nothing transferred
    assert ok(breeder.get("/breeding/pairs"))[0]["sire_id"] == sire["id"]


def test_a_clutch_of_a_transferred_dam_stays_but_takes_no_hatchlings(
    breeder: Breeder, rival: Breeder
) -> None:
    sire = breeder.add(name="Zeus", sex="male", morph="Pastel")
    dam = breeder.add(name="Hera", sex="female", morph="Clown")
    clutch = ok(
        breeder.post(
            "/breeding/clutches",
            json={
                "dam_id": dam["id"],
                "sire_ids": [sire["id"]],
                "laid_on": "2026-04-01",
                "eggs": 4,
            },
        ),
        201,
    )
    transfer(breeder, dam, rival)
    shown = ok(breeder.get(f"/breeding/clutches/{clutch['id']}"))
    assert shown["dam_id"] == dam["id"]
    hatch = breeder.post(
        f"/breeding/clutches/{clutch['id']}/hatchlings",
        json={"hatchlings": [{"morph": "Pastel"}], "hatched_on": "2026-05-30"},
    )
    assert hatch.status_code == 409
    assert "transferred" in hatch.json()["detail"]
    assert ok(breeder.get("/breeding/statistics", params={"group": "female"})) is not None
