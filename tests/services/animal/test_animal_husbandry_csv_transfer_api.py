"""Husbandry logs, CSV import/export and transfers over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from animal_testkit import Breeder, transfer


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_logs_and_growth(breeder: Breeder) -> None:
    animal = breeder.add(sex="female", hatch_date="2025-06-01")
    url = f"/animals/{animal['id']}"
    ok(
        breeder.post(
            f"{url}/logs",
            json={"occurred_on": "2025-07-01", "details": {"kind": "weight", "grams": 60}},
        ),
        201,
    )
    ok(
        breeder.post(
            f"{url}/logs",
            json={"occurred_on": "2025-08-01", "details": {"kind": "weight", "grams": 95.5}},
        ),
        201,
    )
    fed = ok(
        breeder.post(
            f"{url}/logs",
            json={
                "occurred_on": "2025-07-05",
                "details": {
                    "kind": "feeding",
                    "prey": "rat pup",
                    "size": "small",
                    "result": "refused",
                },
                "notes": "stressed",
            },
        ),
        201,
    )
    ok(
        breeder.post(
            f"{url}/logs", json={"occurred_on": "2025-07-10", "details": {"kind": "shed"}}
        ),
        201,
    )
    log = ok(breeder.get(f"{url}/logs"))
    assert [e["kind"] for e in log] == ["weight", "feeding", "shed", "weight"]
    assert log[1]["details"] == {
        "kind": "feeding",
        "prey": "rat pup",
        "result": "refused",
        "size": "small",
        "count": 1,
    }
    assert [e["kind"] for e in ok(breeder.get(f"{url}/logs", params={"kind": "feeding"}))] == [
        "feeding"
    ]
    growth = ok(breeder.get(f"{url}/growth"))
    assert growth == [
        {"on": "2025-07-01", "grams": 60.0, "gain": None, "age_days": 30},
        {"on": "2025-08-01", "grams": 95.5, "gain": 35.5, "age_days": 61},
    ]
    assert breeder.delete(f"{url}/logs/{fed['id']}").status_code == 204
    for bad in (
        {"occurred_on": "2025-07-01", "details": {"kind": "weight", "grams": -1}},
        {"occurred_on": "2025-07-01", "details": {"kind": "dance"}},
        {"occurred_on": "2025-05-01", "details": {"kind": "shed"}},
        {"occurred_on": "2999-01-01", "details": {"kind": "shed"}},
        {
            "occurred_on": "2025-07-01",
            "details": {"kind": "feeding", "prey": "rat", "result": "maybe"},
        },
    ):
        assert breeder.post(f"{url}/logs", json=bad).status_code == 422


def collection_csv(rows: int = 50, bad: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["code", "name", "species", "sex", "morph", "hatch_date", "sire_code", "dam_code", "tags"]
    )
    writer.writerow(
        ["S1", "Sire", "ball_python", "male", "Pastel het Clown", "2019-01-01", "", "", "founder"]
    )
    writer.writerow(
        ["D1", "Dam", "ball_python", "f", "het Clown", "2019-02-01", "", "", "founder;keeper"]
    )
    for n in range(3, rows + 1):
        writer.writerow(
            [
                f"K{n}",
                f"Kid {n}",
                "ball_python",
                "male" if n % 2 else "female",
                "Pastel",
                "2024-05-01",
                "S1",
                "D1",
                "",
            ]
        )
    text = out.getvalue()
    if bad:
        text = text.replace("K7,Kid 7,ball_python,male,Pastel", "K7,Kid 7,ball_python,male,Pastle")
        text = text.replace(
            "K9,Kid 9,ball_python,male,Pastel,2024-05-01,S1,D1",
            "K9,Kid 9,ball_python,male,Pastel,2024-05-01,D1,S1",
        )
    return text


def test_csv_import_dry_run_reports_every_bad_row_and_writes_nothing(breeder: Breeder) -> None:
    text = collection_csv()
    report = ok(breeder.post("/animals/import", json={"csv": text, "dry_run": True}))
    assert (report["rows"], report["valid"], report["created"]) == (50, False, [])
    by_code = {p["code"]: {e["field"] for e in p["errors"]} for p in report["problems"]}
    assert by_code == {"K7": {"morph"}, "K9": {"sire_code", "dam_code"}}
    assert breeder.get("/animals").json()["total"] == 0
    refused = breeder.post("/animals/import", json={"csv": text, "dry_run": False})
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert any(f.endswith("morph") for f in fields)
    assert breeder.get("/animals").json()["total"] == 0


def test_csv_import_dry_run_of_a_clean_file_writes_nothing(breeder: Breeder) -> None:
    text = collection_csv(bad=False)
    for body in ({"csv": text, "dry_run": True}, {"csv": text}):  # explicit, and the default
        report = ok(breeder.post("/animals/import", json=body))
        assert (report["rows"], report["dry_run"], report["valid"]) == (50, True, True)
        assert (report["problems"], report["created"]) == ([], [])
        assert breeder.get("/animals").json()["total"] == 0
    # the same file, for real, then writes all 50
    report = ok(breeder.post("/animals/import", json={"csv": text, "dry_run": False}))
    assert (report["dry_run"], len(report["created"])) == (False, 50)
    assert breeder.get("/animals").json()["total"] == 50


def test_csv_import_then_export_round_trips(breeder: Breeder) -> None:
    report = ok(
        breeder.post("/animals/import", json={"csv": collection_csv(bad=False), "dry_run": False})
    )
    assert report["valid"] is True
    assert len(report["created"]) == 50
    listing = breeder.get("/animals", params={"q": "K10"}).json()
    kid = listing["items"][0]
    assert kid["genotype"]["phenotype"] == "Pastel"
    sire = breeder.get(f"/animals/{kid['sire_id']}").json()
    assert sire["code"] == "S1"
    exported = breeder.get("/animals/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 50
    k10 = next(r for r in rows if r["code"] == "K10")
    assert (k10["sire_code"], k10["dam_code"], k10["morph"]) == ("S1", "D1", "Pastel")
    assert next(r for r in rows if r["code"] == "D1")["tags"] == "founder;keeper"
    # importing the export again clashes on every code, and says so without writing
    again = ok(breeder.post("/animals/import", json={"csv": exported.text, "dry_run": True}))
    assert len(again["problems"]) == 50


def test_csv_structure_problems(breeder: Breeder) -> None:
    assert breeder.post("/animals/import", json={"csv": "name\nx\n"}).status_code == 422
    assert (
        breeder.post(
            "/animals/import", json={"csv": "species,colour\nball_python,red\n"}
        ).status_code
        == 422
    )
    cyclic = "code,species,sex,sire_code\nA,ball_python,male,B\nB,ball_python,male,A\n"
    report = ok(breeder.post("/animals/import", json={"csv": cyclic}))
    assert {p["code"] for p in report["problems"]} == {"A", "B"}


def test_transfer_moves_animal_and_logs_and_keeps_lineage(breeder: Breeder, rival: Breeder) -> None:
    sire = breeder.add(name="Sire", sex="male", morph="Clown")
    dam = breeder.add(name="Dam", sex="female", morph="Clown")
    baby = breeder.add(
        name="Baby",
        sex="female",
        morph="Clown",
        sire_id=sire["id"],
        dam_id=dam["id"],
        status="for_sale",
    )
    ok(
        breeder.post(
            f"/animals/{baby['id']}/logs",
            json={"occurred_on": "2026-01-01", "details": {"kind": "weight", "grams": 80}},
        ),
        201,
    )
    made = transfer(breeder, baby, rival)
    assert made["snapshot"]["animal"]["name"] == "Baby"
    assert made["snapshot"]["logs"][0]["details"]["grams"] == 80
    assert breeder.get(f"/animals/{baby['id']}").status_code == 404
    assert [t["animal_id"] for t in ok(breeder.get("/animals/transfers"))] == [baby["id"]]
    mine = ok(rival.get(f"/animals/{baby['id']}"))
    assert (mine["status"], mine["sire_id"]) == ("active", sire["id"])
    assert len(ok(rival.get(f"/animals/{baby['id']}/logs"))) == 1
    lineage = ok(rival.get(f"/lineage/{baby['id']}"))
    parents = {p["line"]: p["animal"] for p in lineage["tree"] if p["generation"] == 1}
    assert parents["S"]["name"] == "Sire"
    assert parents["S"]["own"] is False
    assert parents["S"]["hets"] is None
    assert (
        breeder.post(
            f"/animals/{sire['id']}/transfer",
            json={"organisation_id": str(breeder.organisation_id)},
        ).status_code
        == 422
    )
    assert (
        rival.post(
            f"/animals/{sire['id']}/transfer", json={"organisation_id": str(rival.organisation_id)}
        ).status_code
        == 404
    )
