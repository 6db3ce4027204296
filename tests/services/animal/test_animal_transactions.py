"""A write of repti-animal is whole or nothing: the use case commits its change with its events
at its end, and a request that fails after a first step has written leaves nothing behind (no
animal, no count, no event), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
from animal_testkit import Breeder
from sqlalchemy import text

from reptidex.services.kernel.app import kernel_of


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def outbox_count(breeder: Breeder) -> int:
    """How many domain events the animal service's outbox holds (its audit records are
    checked in test_animal_audit)."""
    engine = kernel_of(breeder.client.app).engine

    async def count() -> int:
        async with engine.connect() as connection:
            return int(
                (
                    await connection.execute(
                        text(
                            "SELECT count(*) FROM outbox_message "
                            "WHERE event_type != 'audit.recorded'"
                        )
                    )
                ).scalar_one()
            )

    with breeder.client.portal() as portal:
        return portal.call(count)


def codes(breeder: Breeder) -> list[str]:
    page = ok(breeder.get("/animals?limit=500&sort=code"))
    return [a["code"] for a in page["items"]]


def test_hatchlings_whose_second_fails_leave_nothing(breeder: Breeder) -> None:
    sire = breeder.add(name="Zeus", sex="male", hatch_date="2020-05-01")
    dam = breeder.add(name="Hera", sex="female", hatch_date="2020-06-01", code="TAKEN")
    pair = ok(
        breeder.post(
            "/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"], "season": "2026"}
        ),
        201,
    )
    clutch = ok(
        breeder.post(
            "/breeding/clutches",
            json={"pair_id": pair["id"], "laid_on": "2026-04-01", "eggs": 4},
        ),
        201,
    )
    before_codes, before_events = codes(breeder), outbox_count(breeder)

    # The first hatchling is written, then the second's code is taken: a 409, and the first
    # must not stay (nor the clutch's hatched count, nor any event).
    refused = breeder.post(
        f"/breeding/clutches/{clutch['id']}/hatchlings",
        json={"hatchlings": [{"code": "NEW-1"}, {"code": "TAKEN"}]},
    )
    assert refused.status_code == 409, refused.text

    assert codes(breeder) == before_codes
    assert outbox_count(breeder) == before_events
    assert ok(breeder.get(f"/breeding/clutches/{clutch['id']}"))["hatched"] == 0

    # The same request without the clash is written whole, with its events.
    babies = ok(
        breeder.post(
            f"/breeding/clutches/{clutch['id']}/hatchlings",
            json={"hatchlings": [{"code": "NEW-1"}, {"code": "NEW-2"}]},
        ),
        201,
    )
    assert [b["code"] for b in babies] == ["NEW-1", "NEW-2"]
    assert ok(breeder.get(f"/breeding/clutches/{clutch['id']}"))["hatched"] == 2
    # per hatchling animal.created and lineage.changed, then breeding.hatched
    assert outbox_count(breeder) == before_events + 5


def test_an_import_with_a_bad_row_writes_none_of_the_good_ones(breeder: Breeder) -> None:
    breeder.add(code="DUP")
    before_events = outbox_count(breeder)
    csv = "code,species,sex\nIM-1,ball_python,male\nIM-2,ball_python,female\nDUP,ball_python,male\n"
    refused = breeder.post("/animals/import", json={"csv": csv, "dry_run": False})
    assert refused.status_code == 422, refused.text
    assert codes(breeder) == ["DUP"]
    assert outbox_count(breeder) == before_events


def test_a_refused_change_leaves_the_animal_as_it_was(breeder: Breeder) -> None:
    sire = breeder.add(name="Sire", sex="male")
    kid = breeder.add(name="Kid", sire_id=sire["id"])
    before_events = outbox_count(breeder)
    # the sex change is refused (the animal has offspring), and the name change with it
    refused = breeder.patch(f"/animals/{sire['id']}", json={"name": "Renamed", "sex": "female"})
    assert refused.status_code == 409, refused.text
    assert ok(breeder.get(f"/animals/{sire['id']}"))["name"] == "Sire"
    assert outbox_count(breeder) == before_events
    assert ok(breeder.get(f"/animals/{kid['id']}"))["sire_id"] == sire["id"]


def test_reads_write_nothing(breeder: Breeder) -> None:
    breeder.add(name="Only")
    before_events = outbox_count(breeder)
    for url in ("/animals", "/animals/export", "/animals/id-code-template", "/breeding/pairs"):
        assert breeder.get(url).status_code == 200
    assert outbox_count(breeder) == before_events
