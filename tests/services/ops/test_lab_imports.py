"""Genetics lab integrations end to end: repti-ops (SQLite, then PostgreSQL) with a real
repti-animal in process. Configuring a lab (owners and admins; the API key sealed, never
shown), a dry run that reports every row and changes nothing, the real import that proves a
het in repti-animal with the lab and report as the source, conflicts left alone, another
organisation's animals refused, the file's bounds, and the formula-safe CSV answer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from lab_testkit import Platform, lab_platform
from sqlalchemy import text

from outbox_payloads import staged_payloads
from reptidex.domain.integrations.labs.model import api_key_context
from reptidex.domain.integrations.labs.reading import MAX_ROWS
from reptidex.services.kernel.app import components_of, kernel_of
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.wiring import OpsComponents

HEADER = "Animal,Test,Result,Report,Date\r\n"
COLUMNS = {
    "animal": "Animal",
    "test": "Test",
    "result": "Result",
    "report_id": "Report",
    "report_date": "Date",
}


@pytest.fixture
def platform(make_settings: Callable[..., Settings], ops_database: str) -> Iterator[Platform]:
    settings = make_settings(ops_database_url=ops_database)
    with lab_platform(settings, settings) as running:
        yield running


def outbox(platform: Platform, kind: str) -> list[dict[str, Any]]:
    """Payloads of ``kind`` in repti-ops' outbox, oldest first."""
    return staged_payloads(platform.ops, kind)


def animal_audits(platform: Platform) -> list[dict[str, Any]]:
    """repti-animal's audit records of updated animals, oldest first."""
    engine = kernel_of(platform.animal.app).engine

    async def read() -> list[dict[str, Any]]:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT payload FROM outbox_message WHERE event_type = 'audit.recorded' "
                    "ORDER BY occurred_at"
                )
            )
            payloads = [json.loads(p) if isinstance(p, str) else p for (p,) in rows]
            return [p for p in payloads if p["action"] == "updated"]

    with platform.animal.portal() as portal:
        return portal.call(read)


def test_configuring_a_lab_seals_its_key_audits_and_publishes(platform: Platform) -> None:
    made = platform.configure(columns=COLUMNS, api_key="lab-key-123")
    assert made["created"] is True
    assert made["has_api_key"] is True
    assert "lab-key-123" not in json.dumps(made)
    changed = platform.configure(lab="example  genetics", columns={"animal": "Sample Animal"})
    assert changed["id"] == made["id"]
    assert changed["created"] is False
    assert changed["lab"] == "Example Genetics"
    assert changed["has_api_key"] is True
    assert changed["columns"]["animal"] == "Sample Animal"
    same = platform.configure(lab="Example Genetics", columns={"animal": "Sample Animal"})
    assert same["updated_at"] == changed["updated_at"]

    listed = platform.ops.get("/integrations/labs", headers=platform.headers("owner"))
    assert [i["id"] for i in listed.json()["items"]] == [made["id"]]
    assert "lab-key-123" not in listed.text

    ops = components_of(platform.ops.app, OpsComponents)
    engine = kernel_of(platform.ops.app).engine

    async def sealed() -> bytes:
        async with engine.connect() as connection:
            row = await connection.execute(text("SELECT api_key_ciphertext FROM lab_integration"))
            return bytes(row.scalar_one())

    with platform.ops.portal() as portal:
        ciphertext = portal.call(sealed)
        assert b"lab-key-123" not in ciphertext
        context = api_key_context(platform.org, uuid.UUID(made["id"]))
        opened = portal.call(ops.labs.keys.decrypt, ciphertext, context)
    assert opened == b"lab-key-123"

    created, updated = [r for r in outbox(platform, "audit.recorded")]
    assert (created["resource_kind"], created["action"]) == ("lab_integration", "created")
    assert created["withheld"] == ["api_key"]
    assert "lab-key-123" not in json.dumps(created)
    assert updated["action"] == "updated"
    assert updated["before"]["columns"]["animal"] == "Animal"
    events = outbox(platform, "integration.lab_configured")
    assert [e["has_api_key"] for e in events] == [True, True]


def test_only_owners_and_admins_of_the_organisation_configure_and_import(
    platform: Platform,
) -> None:
    made = platform.configure()
    body = {"kind": "genetics_lab", "lab": "Other Lab"}
    for role in ("member", "viewer"):
        refused = platform.ops.post(
            "/integrations/configure", json=body, headers=platform.headers(role)
        )
        assert refused.status_code == 403, refused.text
        assert platform.import_file(made["id"], HEADER, dry_run=True, role=role).status_code == 403
    assert platform.ops.post("/integrations/configure", json=body).status_code == 401
    elsewhere = platform.ops.post(
        f"/integrations/labs/{made['id']}/imports",
        json={"csv": "animal,result\r\nx,het Clown positive\r\n"},
        headers=platform.headers("owner", platform.other),
    )
    assert elsewhere.status_code == 404, elsewhere.text
    assert (
        platform.ops.get(
            f"/integrations/labs/{made['id']}", headers=platform.headers("owner", platform.other)
        ).status_code
        == 404
    )


def _file(platform: Platform) -> tuple[str, dict[str, dict[str, Any]]]:
    animals = {
        "possible": platform.add_animal("BP-1", "Pastel 66% het Clown"),
        "negative": platform.add_animal("BP-2", "Pastel 50% het Clown"),
        "conflict": platform.add_animal("BP-3", "het Clown"),
        "plain": platform.add_animal("BP-4", "Spider"),
        "twice": platform.add_animal("BP-5", "Normal"),
        "theirs": platform.add_animal("THEIRS-1", "66% het Clown", org=platform.other),
    }
    rows = [
        f"{animals['possible']['id']},Clown,het Clown positive,R-1,2026-11-30",
        "BP-2,Clown,Clown negative,R-1,2026-11-30",
        "BP-3,Clown,Clown negative,R-1,2026-11-30",
        "BP-4,Pied,het Piebald positive,R-1,2026-11-30",
        "BP-5,Clown,het Clown positive,R-1,2026-11-30",
        "BP-5,Clown,Clown negative,R-2,2026-11-30",
        "NOPE-9,Clown,het Clown positive,R-1,2026-11-30",
        "THEIRS-1,Clown,het Clown positive,R-1,2026-11-30",
        f"{animals['theirs']['id']},Clown,het Clown positive,R-1,2026-11-30",
        "BP-4,Unicorn,het Unicorn positive,R-1,2026-11-30",
        "BP-4,Clown,positive,R-1,2026-11-30",
        "BP-4,Clown,het Clown positive,R-1,30/11/2026",
        "BP-4,Spider,visual,R-1,2026-11-30",
    ]
    return HEADER + "\r\n".join(rows) + "\r\n", animals


EXPECTED = [
    (2, "applied"),  # possible het proven
    (3, "applied"),  # possible het removed
    (4, "conflict"),  # negative for a recorded het
    (5, "applied"),  # a het the record did not name
    (6, "bad"),  # the file contradicts itself
    (7, "bad"),
    (8, "bad"),  # unknown code
    (9, "bad"),  # another organisation's animal, by code
    (10, "bad"),  # and by id
    (11, "bad"),  # unknown gene
    (12, "bad"),  # ambiguous result
    (13, "bad"),  # unreadable date
    (14, "unchanged"),  # visual, as recorded
]


def test_a_dry_run_reports_every_row_and_changes_nothing(platform: Platform) -> None:
    made = platform.configure(columns=COLUMNS)
    csv_text, animals = _file(platform)
    answer = platform.import_file(made["id"], csv_text, dry_run=True)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert [(r["line"], r["outcome"]) for r in report["rows"]] == EXPECTED, report["rows"]
    first = report["rows"][0]
    assert (first["morph_before"], first["morph_after"]) == (
        "Pastel 66% het Clown",
        "Pastel het Clown",
    )
    assert report["rows"][1]["morph_after"] == "Pastel"
    assert "unknown gene" in report["rows"][9]["detail"]
    assert report["summary"] == {
        "rows": 13,
        "applied": 3,
        "unchanged": 1,
        "conflict": 1,
        "bad": 8,
        "failed": 0,
    }
    assert platform.morph(animals["possible"]["id"]) == "Pastel 66% het Clown"
    assert platform.morph(animals["theirs"]["id"], platform.other) == "66% het Clown"
    assert animal_audits(platform) == []
    assert outbox(platform, "integration.lab_results_imported") == []


def test_the_import_proves_hets_with_the_lab_as_source_and_leaves_conflicts(
    platform: Platform,
) -> None:
    made = platform.configure(columns=COLUMNS)
    csv_text, animals = _file(platform)
    answer = platform.import_file(made["id"], csv_text, dry_run=False)
    assert answer.status_code == 200, answer.text
    assert [(r["line"], r["outcome"]) for r in answer.json()["rows"]] == EXPECTED
    assert platform.morph(animals["possible"]["id"]) == "Pastel het Clown"
    assert platform.morph(animals["negative"]["id"]) == "Pastel"
    assert platform.morph(animals["conflict"]["id"]) == "het Clown"
    assert platform.morph(animals["plain"]["id"]) == "Spider het Piebald"
    assert platform.morph(animals["theirs"]["id"], platform.other) == "66% het Clown"

    proven = animal_audits(platform)[0]
    assert proven["resource_id"] == animals["possible"]["id"]
    assert proven["after"]["genotype_source"] == {
        "kind": "lab",
        "lab": "Example Genetics",
        "report_id": "R-1",
        "test": "Clown",
        "report_date": "2026-11-30",
    }
    assert len(animal_audits(platform)) == 3
    (record,) = [
        r for r in outbox(platform, "audit.recorded") if r["resource_kind"] == "lab_import"
    ]
    assert record["action"] == "imported"
    assert record["after"]["applied"] == 3
    (event,) = outbox(platform, "integration.lab_results_imported")
    assert event["summary"]["conflict"] == 1

    again = platform.import_file(made["id"], csv_text, dry_run=False).json()
    assert again["rows"][0]["outcome"] == "unchanged"
    assert len(animal_audits(platform)) == 3


def test_a_change_since_the_read_fails_the_row_instead_of_overwriting(
    platform: Platform,
) -> None:
    made = platform.configure()
    animal = platform.add_animal("BP-1", "66% het Clown")
    original = platform.transport.handle_async_request

    async def racing(request: Any) -> Any:
        if request.method == "PATCH":  # a breeder's edit lands between the read and the change
            platform.animal.patch(
                f"/animals/{animal['id']}",
                json={"morph": "Pastel 66% het Clown"},
                headers=platform.headers("member"),
            )
        return await original(request)

    platform.transport.handle_async_request = racing  # type: ignore[method-assign]
    answer = platform.import_file(
        made["id"], "animal,test,result\r\nBP-1,Clown,het Clown positive\r\n", dry_run=False
    )
    row = answer.json()["rows"][0]
    assert row["outcome"] == "failed", row
    assert "409" in row["detail"], row
    assert platform.morph(animal["id"]) == "Pastel 66% het Clown"


def test_the_file_is_bounded_before_any_animal_is_asked(platform: Platform) -> None:
    made = platform.configure()
    many = "animal,result\r\n" + "BP-1,het Clown positive\r\n" * (MAX_ROWS + 1)
    calls = len(platform.transport.calls)
    too_many = platform.import_file(made["id"], many, dry_run=True)
    assert too_many.status_code == 422
    assert "rows" in too_many.text
    no_column = platform.import_file(made["id"], "code,outcome\r\nBP-1,x\r\n", dry_run=True)
    assert no_column.status_code == 422
    assert "animal" in no_column.text
    huge = platform.import_file(made["id"], "animal,result\r\n" + "x" * 1_100_000, dry_run=True)
    assert huge.status_code in (413, 422)
    assert len(platform.transport.calls) == calls


def test_the_csv_answer_defuses_formulas(platform: Platform) -> None:
    made = platform.configure()
    answer = platform.import_file(
        made["id"],
        'animal,result,report_id\r\n"=HYPERLINK(""http://x"")",het Clown positive,+R1\r\n',
        dry_run=True,
        format="csv",
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    lines = answer.text.splitlines()
    assert lines[0].startswith("line,outcome,detail,animal")
    assert "'=HYPERLINK" in lines[1]
    assert ",'+R1," in lines[1]
    assert "\n=" not in answer.text
    assert ",=" not in answer.text
