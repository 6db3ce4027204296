"""repti-animal's audit records: each change stages its record in the outbox of the change's own
transaction, so a change and its record commit together or not at all (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx
from animal_testkit import Breeder, transfer

from outbox_payloads import staged_payloads
from reptidex.domain.audit import AUDIT_EVENT


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def audit_payloads(breeder: Breeder) -> list[dict[str, Any]]:
    """The audit records in repti-animal's outbox, oldest first."""
    return staged_payloads(breeder.client, AUDIT_EVENT)


def test_a_genotype_change_is_recorded_with_its_request(breeder: Breeder) -> None:
    animal = breeder.add(name="Pip", sex="male", morph="Pastel")
    changed = breeder.client.patch(
        f"/animals/{animal['id']}",
        json={"morph": "Pastel het Clown"},
        headers={**breeder.headers, "X-Request-ID": "req-genotype-1"},
    )
    assert changed.status_code == 200, changed.text
    created, updated = audit_payloads(breeder)
    assert (created["action"], created["resource_id"]) == ("created", animal["id"])
    assert updated["action"] == "updated"
    assert updated["request_id"] == "req-genotype-1"
    assert updated["organisation_id"] == str(breeder.organisation_id)
    assert updated["before"] == {"morph": "Pastel"}
    assert updated["after"] == {"morph": "Pastel het Clown"}


def test_a_failed_change_leaves_no_record_and_a_whole_one_leaves_all(breeder: Breeder) -> None:
    sire = breeder.add(name="Zeus", sex="male", hatch_date="2020-05-01")
    dam = breeder.add(name="Hera", sex="female", hatch_date="2020-06-01", code="TAKEN")
    pair = ok(
        breeder.post("/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"]}), 201
    )
    clutch = ok(
        breeder.post(
            "/breeding/clutches", json={"pair_id": pair["id"], "laid_on": "2026-04-01", "eggs": 4}
        ),
        201,
    )
    before = audit_payloads(breeder)
    # the first hatchling's record is staged, then the second's code is taken: both go
    refused = breeder.post(
        f"/breeding/clutches/{clutch['id']}/hatchlings",
        json={"hatchlings": [{"code": "NEW-1"}, {"code": "TAKEN"}]},
    )
    assert refused.status_code == 409, refused.text
    assert audit_payloads(breeder) == before

    ok(
        breeder.post(
            f"/breeding/clutches/{clutch['id']}/hatchlings",
            json={"hatchlings": [{"code": "NEW-1"}, {"code": "NEW-2"}]},
        ),
        201,
    )
    added = audit_payloads(breeder)[len(before) :]
    assert [(r["resource_kind"], r["action"]) for r in added] == [
        ("animal", "created"),
        ("animal", "created"),
        ("clutch", "updated"),
    ]
    assert added[2]["before"]["hatched"] == 0
    assert added[2]["after"]["hatched"] == 2
    kinds = [(r["resource_kind"], r["action"]) for r in before]
    assert ("breeding_pair", "created") in kinds
    assert ("clutch", "created") in kinds
    assert ("breeding_pair", "updated") in kinds  # the pair moved to "laid"


def test_husbandry_and_transfer_are_recorded_for_both_organisations(
    breeder: Breeder, rival: Breeder
) -> None:
    animal = breeder.add(name="Kid", sex="female")
    weight = {"occurred_on": "2026-01-01", "details": {"kind": "weight", "grams": 50}}
    entry = ok(breeder.post(f"/animals/{animal['id']}/logs", json=weight), 201)
    transfer(breeder, animal, rival, share_lineage=False)
    records = audit_payloads(breeder)
    logged = next(r for r in records if r["resource_kind"] == "husbandry_log")
    assert logged["resource_id"] == entry["id"]
    assert logged["after"]["details"] == {"kind": "weight", "grams": 50}
    moved = [r for r in records if r["action"] == "transferred"]
    assert {r["organisation_id"] for r in moved} == {
        str(breeder.organisation_id),
        str(rival.organisation_id),
    }
    assert moved[0]["after"]["organisation_id"] == str(rival.organisation_id)
