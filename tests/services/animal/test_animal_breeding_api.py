"""``/breeding`` over HTTP on SQLite and PostgreSQL: pairs, clutches, hatchlings, planner."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from animal_testkit import Breeder


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_pair_clutch_and_hatchlings(breeder: Breeder) -> None:
    sire = breeder.add(name="Zeus", sex="male", morph="Pastel het Clown", hatch_date="2020-05-01")
    dam = breeder.add(name="Hera", sex="female", morph="het Clown", hatch_date="2020-06-01")
    pair = ok(
        breeder.post(
            "/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"], "season": "2026"}
        ),
        201,
    )
    assert pair["status"] == "planned"
    assert pair["prospective_coi"] == 0.0
    outcomes = {o["phenotype"]: o["probability"] for o in pair["prediction"]["outcomes"]}
    assert outcomes == {"Normal": "3/8", "Pastel": "3/8", "Clown": "1/8", "Pastel Clown": "1/8"}
    again = breeder.post(
        "/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"], "season": "2026"}
    )
    assert again.status_code == 409
    ok(breeder.patch(f"/breeding/pairs/{pair['id']}", json={"status": "locked"}))

    clutch = ok(
        breeder.post(
            "/breeding/clutches",
            json={
                "pair_id": pair["id"],
                "laid_on": "2026-04-01",
                "eggs": 6,
                "fertile": 5,
                "slugs": 1,
                "incubation_temperature": 31.5,
                "expected_hatch": "2026-05-28",
            },
        ),
        201,
    )
    assert ok(breeder.get(f"/breeding/pairs/{pair['id']}"))["status"] == "laid"
    babies = ok(
        breeder.post(
            f"/breeding/clutches/{clutch['id']}/hatchlings",
            json={
                "hatched_on": "2026-05-30",
                "hatchlings": [
                    {"morph": "Pastel", "sex": "male"},
                    {"morph": "Clown", "sex": "female"},
                    {"morph": "Normal"},
                ],
            },
        ),
        201,
    )
    pastel, clown, normal = babies
    assert pastel["genotype"]["morph"] == "Pastel 66% het Clown"
    assert clown["genotype"]["phenotype"] == "Clown"
    assert normal["genotype"]["possible_hets"][0]["probability"] == "2/3"
    assert (pastel["sire_id"], pastel["dam_id"]) == (sire["id"], dam["id"])
    assert pastel["clutch_id"] == clutch["id"]
    listed = ok(breeder.get("/animals", params={"clutch_id": clutch["id"], "sort": "created_at"}))
    assert [a["id"] for a in listed["items"]] == [pastel["id"], clown["id"], normal["id"]]
    assert listed["total"] == 3
    assert ok(breeder.get("/animals", params={"clutch_id": str(uuid.uuid4())}))["total"] == 0
    assert breeder.get("/animals", params={"clutch_id": "not-an-id"}).status_code == 422
    lineage = ok(breeder.get(f"/lineage/{pastel['id']}", params={"generations": 3}))
    assert [p["animal"]["name"] for p in lineage["tree"]] == [None, "Zeus", "Hera"]
    shown = ok(breeder.get(f"/breeding/clutches/{clutch['id']}"))
    assert (shown["hatched"], shown["hatch_rate"], shown["hatched_on"]) == (3, 0.6, "2026-05-30")
    stats = ok(breeder.get("/breeding/statistics", params={"group": "season"}))
    assert stats == [
        {
            "key": "2026",
            "pairs": 1,
            "clutches": 1,
            "eggs": 6,
            "fertile": 5,
            "slugs": 1,
            "hatched": 3,
            "hatch_rate": 0.6,
        }
    ]
    outcomes = ok(breeder.get(f"/breeding/pairs/{pair['id']}/outcomes"))
    tally = {
        o["phenotype"]: (o["probability"], o["expected"], o["observed"])
        for o in outcomes["outcomes"]
    }
    assert outcomes["hatchlings"] == 3
    assert tally == {
        "Normal": ("3/8", 1.125, 1),
        "Pastel": ("3/8", 1.125, 1),
        "Clown": ("1/8", 0.375, 1),
        "Pastel Clown": ("1/8", 0.375, 0),
    }
    too_many = breeder.post(
        f"/breeding/clutches/{clutch['id']}/hatchlings",
        json={"hatchlings": [{"morph": "Normal"}] * 3},
    )
    assert too_many.status_code == 422


def test_impossible_hatchlings_and_counts_are_422(breeder: Breeder) -> None:
    sire = breeder.add(sex="male", morph="Pastel")
    dam = breeder.add(sex="female", morph="Normal")
    pair = ok(
        breeder.post("/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"]}), 201
    )
    bad = breeder.post(
        "/breeding/clutches",
        json={"pair_id": pair["id"], "laid_on": "2026-04-01", "eggs": 4, "fertile": 5},
    )
    assert bad.status_code == 422
    clutch = ok(
        breeder.post(
            "/breeding/clutches", json={"pair_id": pair["id"], "laid_on": "2026-04-01", "eggs": 4}
        ),
        201,
    )
    body = breeder.post(
        f"/breeding/clutches/{clutch['id']}/hatchlings",
        json={"hatchlings": [{"morph": "Clown"}]},
    )
    assert body.status_code == 422, body.text
    assert ok(breeder.get(f"/breeding/clutches/{clutch['id']}"))["hatched"] == 0
    assert breeder.get("/animals").json()["total"] == 2
    early = breeder.patch(f"/breeding/clutches/{clutch['id']}", json={"hatched_on": "2026-01-01"})
    assert early.status_code == 422


def test_clutch_with_several_possible_sires(breeder: Breeder) -> None:
    first = breeder.add(sex="male", morph="Clown")
    second = breeder.add(sex="male", morph="Pied")
    dam = breeder.add(sex="female")
    clutch = ok(
        breeder.post(
            "/breeding/clutches",
            json={
                "dam_id": dam["id"],
                "sire_ids": [first["id"], second["id"]],
                "laid_on": "2026-03-01",
                "eggs": 5,
            },
        ),
        201,
    )
    babies = ok(
        breeder.post(
            f"/breeding/clutches/{clutch['id']}/hatchlings",
            json={"hatchlings": [{"sex": "female"}]},
        ),
        201,
    )
    assert babies[0]["sire_id"] is None
    assert babies[0]["dam_id"] == dam["id"]


def test_planner_ranks_pairs_within_the_coi_limit(breeder: Breeder) -> None:
    clown = breeder.add(name="Clown male", sex="male", morph="Clown")
    het = breeder.add(name="Het male", sex="male", morph="het Clown")
    mother = breeder.add(name="Mother", sex="female", morph="het Clown")
    daughter = breeder.add(
        name="Daughter", sex="female", morph="Clown", sire_id=clown["id"], dam_id=mother["id"]
    )
    plan = ok(
        breeder.post(
            "/breeding/plan", json={"species": "ball_python", "target": "Clown", "max_coi": 0.1}
        )
    )
    ranked = [
        (p["sire"].split(" (")[0], p["dam"].split(" (")[0], p["probability"]) for p in plan["pairs"]
    ]
    assert ranked == [
        ("Clown male", "Mother", "1/2"),
        ("Het male", "Daughter", "1/2"),
        ("Het male", "Mother", "1/4"),
    ]
    assert (plan["considered"], plan["over_coi_limit"]) == (4, 1)
    relaxed = ok(
        breeder.post(
            "/breeding/plan", json={"species": "ball_python", "target": "Clown", "max_coi": 0.5}
        )
    )
    first = relaxed["pairs"][0]
    assert (first["sire_id"], first["dam_id"], first["prospective_coi"]) == (
        clown["id"],
        daughter["id"],
        0.25,
    )
    assert het["id"]
    bad = breeder.post("/breeding/plan", json={"species": "ball_python", "target": "Clwon"})
    assert bad.status_code == 422


def test_viewers_cannot_breed(breeder: Breeder) -> None:
    sire = breeder.add(sex="male")
    dam = breeder.add(sex="female")
    viewer = Breeder(breeder.client, breeder.organisation_id, "viewer")
    refused = viewer.post("/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"]})
    assert refused.status_code == 403
    assert viewer.get("/breeding/pairs").json() == []


def test_hatchlings_of_unknown_sex_keep_their_sex_linked_odds(breeder: Breeder) -> None:
    sire = breeder.add(sex="male", morph="Banana female maker het Clown", hatch_date="2020-05-01")
    dam = breeder.add(sex="female", morph="het Clown", hatch_date="2020-06-01")
    pair = ok(
        breeder.post("/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"]}), 201
    )
    clutch = ok(
        breeder.post(
            "/breeding/clutches", json={"pair_id": pair["id"], "laid_on": "2026-04-01", "eggs": 4}
        ),
        201,
    )
    banana, normal = ok(
        breeder.post(
            f"/breeding/clutches/{clutch['id']}/hatchlings",
            json={"hatched_on": "2026-05-30", "hatchlings": [{"morph": "Banana"}, {}]},
        ),
        201,
    )
    assert banana["sex"] == "unknown"
    genotype = banana["genotype"]
    assert (genotype["phenotype"], genotype["awaits_sex"]) == ("Banana", True)
    assert genotype["possible_hets"][0] == {
        "gene": "Clown",
        "probability": "2/3",
        "percent": 66.6667,
    }
    assert normal["genotype"]["awaits_sex"] is False
    # pairing it needs the sex
    mate = breeder.add(sex="female", hatch_date="2020-01-01")
    pairing = {"sire_id": banana["id"], "dam_id": mate["id"]}
    refused = breeder.post("/genetics/predict", json=pairing)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in refused.json()["errors"]} == {"sire_id"}
    # a Banana son of a "female maker" had the sire's Y cross over to the Banana: he is a
    # male maker (from the clutch, which re-reading "Banana" as a male would not know)
    son = ok(breeder.patch(f"/animals/{banana['id']}", json={"sex": "male"}))
    assert son["genotype"]["awaits_sex"] is False
    assert son["genotype"]["possible_hets"] == genotype["possible_hets"]
    outcomes = ok(breeder.post("/genetics/predict", json=pairing))["outcomes"]
    chances = {(o["phenotype"], o["sex"]): o["probability"] for o in outcomes}
    assert chances[("Banana", "male")] == "39/80"
