"""What a breeder sees of a transfer over HTTP, once the buyer accepted the offer: the refusal
of their own organisation, the code the buyer's collection gives the animal, the snapshot of
its logs, its status and the ancestors it shares (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx
from animal_testkit import Breeder, transfer


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_transfer_to_ones_own_organisation_is_a_422_naming_the_field(breeder: Breeder) -> None:
    animal = breeder.add(code="K1")
    refused = breeder.post(
        f"/animals/{animal['id']}/transfer", json={"organisation_id": str(breeder.organisation_id)}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["detail"] == "The animal already belongs to this organisation."
    assert problem["errors"] == [
        {"field": "organisation_id", "message": "give the receiving organisation"}
    ]
    assert ok(breeder.get("/animals/transfers")) == []
    assert ok(breeder.get("/animals/transfer-offers")) == []
    assert ok(breeder.get(f"/animals/{animal['id']}"))["code"] == "K1"


def test_the_buyers_codes_are_kept_and_the_animal_takes_the_next_free_one(
    breeder: Breeder, rival: Breeder
) -> None:
    rival.add(code="K1")
    rival.add(code="K2-T2")
    animal = breeder.add(code="K1", status="holdback")
    other = breeder.add(code="K2")
    transfer(breeder, animal, rival)
    transfer(breeder, other, rival)
    codes = {a["id"]: a["code"] for a in ok(rival.get("/animals"))["items"]}
    assert (codes[animal["id"]], codes[other["id"]]) == ("K1-T2", "K2")
    assert sorted(codes.values()) == ["K1", "K1-T2", "K2", "K2-T2"]
    # a status other than for sale or sold stays as it was
    assert ok(rival.get(f"/animals/{animal['id']}"))["status"] == "holdback"


def test_the_sellers_record_keeps_every_log_as_it_was(breeder: Breeder, rival: Breeder) -> None:
    animal = breeder.add(name="Kid", status="sold", hatch_date="2025-06-01")
    logs = [
        {
            "occurred_on": "2025-09-02",
            "details": {"kind": "feeding", "prey": "mouse", "result": "accepted"},
            "notes": "took it at once",
        },
        {"occurred_on": "2025-08-01", "details": {"kind": "shed"}},
    ]
    for log in logs:
        ok(breeder.post(f"/animals/{animal['id']}/logs", json=log), 201)
    made = transfer(breeder, animal, rival)
    assert made["snapshot"]["logs"] == [
        {
            "occurred_on": "2025-08-01",
            "kind": "shed",
            "details": {"kind": "shed", "complete": True},
            "notes": None,
        },
        {
            "occurred_on": "2025-09-02",
            "kind": "feeding",
            "details": {
                "kind": "feeding",
                "prey": "mouse",
                "result": "accepted",
                "size": None,
                "count": 1,
            },
            "notes": "took it at once",
        },
    ]
    assert made["snapshot"]["animal"]["code"] == animal["code"]
    assert made["snapshot"]["animal"]["status"] == "sold"  # the seller's view, at the time
    assert ok(breeder.get("/animals/transfers")) == [made]
    assert ok(rival.get("/animals/transfers")) == [made]
    assert ok(rival.get(f"/animals/{animal['id']}"))["status"] == "active"


def test_shared_lineage_opens_only_the_sellers_private_ancestors(
    breeder: Breeder, rival: Breeder
) -> None:
    sire = breeder.add(name="Sire", sex="male")
    dam = breeder.add(name="Dam", sex="female", visibility="public")
    kid = breeder.add(name="Kid", sex="female", sire_id=sire["id"], dam_id=dam["id"])
    breeder.add(name="Grandkid", dam_id=kid["id"])
    transfer(breeder, kid, rival)  # share_lineage is the default
    visibility = {a["name"]: a["visibility"] for a in ok(breeder.get("/animals"))["items"]}
    assert visibility == {"Sire": "lineage_only", "Dam": "public", "Grandkid": "private"}
    assert ok(rival.get(f"/animals/{kid['id']}"))["visibility"] == "private"


def test_without_shared_lineage_the_buyer_sees_the_private_sire_restricted(
    breeder: Breeder, rival: Breeder
) -> None:
    sire = breeder.add(name="Sire", sex="male")
    kid = breeder.add(name="Kid", sire_id=sire["id"])
    transfer(breeder, kid, rival, share_lineage=False)
    assert ok(breeder.get(f"/animals/{sire['id']}"))["visibility"] == "private"
    lineage = ok(rival.get(f"/lineage/{kid['id']}"))
    (shown,) = [p["animal"] for p in lineage["tree"] if p["line"] == "S"]
    assert (shown["restricted"], shown["name"]) == (True, None)
