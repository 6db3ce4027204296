"""A genotype changed on a genetics lab's evidence (``genotype_source`` on ``PATCH
/animals/{id}``): the lab and report are kept in the audit record and the ``animal.updated``
event; ``expected_morph`` refuses a change computed from an outdated read (SQLite and
PostgreSQL)."""

from __future__ import annotations

from typing import Any

from animal_testkit import Breeder
from test_animal_audit import audit_payloads

from outbox_payloads import staged_payloads

SOURCE = {"lab": "Example Genetics", "report_id": "R-1001", "test": "Clown"}


def updated_events(breeder: Breeder) -> list[dict[str, Any]]:
    """The ``animal.updated`` payloads in repti-animal's outbox, oldest first."""
    return staged_payloads(breeder.client, "animal.updated")


def test_a_lab_proven_het_is_audited_and_published_with_its_source(breeder: Breeder) -> None:
    animal = breeder.add(name="Pip", sex="male", morph="Pastel 66% het Clown")
    changed = breeder.patch(
        f"/animals/{animal['id']}",
        json={
            "morph": "Pastel het Clown",
            "expected_morph": "Pastel 66% het Clown",
            "genotype_source": {**SOURCE, "report_date": "2026-11-30"},
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["genotype"]["hets"] == ["Clown"]
    record = audit_payloads(breeder)[-1]
    source = {**SOURCE, "kind": "lab", "report_date": "2026-11-30"}
    assert record["before"] == {"morph": "Pastel 66% het Clown", "genotype_source": None}
    assert record["after"] == {"morph": "Pastel het Clown", "genotype_source": source}
    (event,) = updated_events(breeder)
    assert event["genotype_source"] == source


def test_an_outdated_expected_morph_is_a_conflict_and_changes_nothing(breeder: Breeder) -> None:
    animal = breeder.add(name="Pip", sex="male", morph="Pastel het Clown")
    refused = breeder.patch(
        f"/animals/{animal['id']}",
        json={"morph": "Pastel", "expected_morph": "Pastel 66% het Clown"},
    )
    assert refused.status_code == 409, refused.text
    assert "expected_morph" in refused.text
    again = breeder.get(f"/animals/{animal['id']}")
    assert again.json()["genotype"]["morph"] == "Pastel het Clown"
    assert updated_events(breeder) == []


def test_a_source_without_a_morph_is_refused(breeder: Breeder) -> None:
    animal = breeder.add(name="Pip", sex="male", morph="Pastel")
    refused = breeder.patch(
        f"/animals/{animal['id']}", json={"name": "Pippin", "genotype_source": SOURCE}
    )
    assert refused.status_code == 422, refused.text
    assert "genotype_source" in refused.text
    assert breeder.get(f"/animals/{animal['id']}").json()["name"] == "Pip"


def test_a_blank_lab_is_a_validation_error(breeder: Breeder) -> None:
    animal = breeder.add(name="Pip", sex="male", morph="Pastel")
    refused = breeder.patch(
        f"/animals/{animal['id']}",
        json={"morph": "Pastel het Clown", "genotype_source": {**SOURCE, "lab": " "}},
    )
    assert refused.status_code == 422, refused.text
