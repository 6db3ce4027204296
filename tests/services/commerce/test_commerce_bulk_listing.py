"""Listings from a CSV file (``POST /marketplace/seller/listings/import``), on SQLite and
PostgreSQL: a dry run reports each row's listing or every problem and writes nothing; a clean
file lists every animal in one transaction, each with its event and audit record; a file with
any problem writes nothing; the work is bounded before it is done."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from commerce_fakes import FakeListings, FakeUnitOfWork, Store
from commerce_testkit import FakeAnimals, Trader, outbox_events
from litestar import Litestar
from litestar.testing import TestClient

from core_tokens import mint_token
from reptidex.domain.audit import AUDIT_EVENT
from reptidex.domain.commerce.listing_csv import (
    MAX_ROWS,
    import_listings,
    look_up_animals,
    read_listing_rows,
)
from reptidex.domain.commerce.listing_model import Listing
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.ports import AnimalsUnavailable, CatalogueAnimal
from reptidex.services.commerce.listing_import import MAX_CSV_BYTES

URL = "/marketplace/seller/listings/import"
HEADER = "animal_id,title,price,currency,country,description,region,shipping_available,"
HEADER += "pickup_available,expires_at,publish"
LATER = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).replace(microsecond=0)
PROBLEM = "application/problem+json"


def upload(
    trader: Trader, content: str | bytes, dry_run: str | None = "true", **headers: str
) -> httpx.Response:
    """Send a CSV file to the import (``dry_run`` as the query says; None leaves it out)."""
    body = content.encode() if isinstance(content, str) else content
    return trader.client.post(
        URL,
        params={} if dry_run is None else {"dry_run": dry_run},
        files={"file": ("listings.csv", body, "text/csv")},
        headers={**trader.headers, **headers},
    )


def csv_of(*rows: Sequence[object], header: str = HEADER) -> str:
    """A CSV file: the header and each row's cells joined by commas (no quoting)."""
    return "\n".join([header, *(",".join(str(c) for c in row) for row in rows)]) + "\n"


def mine(trader: Trader) -> list[dict[str, Any]]:
    """The trader's listings in every state."""
    response = trader.get("/marketplace/seller/listings")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def created_events(client: TestClient[Litestar]) -> list[dict[str, Any]]:
    return [payload for kind, payload in outbox_events(client) if kind == "listing.created"]


def audit_records(client: TestClient[Litestar]) -> list[dict[str, Any]]:
    return [
        payload
        for kind, payload in outbox_events(client)
        if kind == AUDIT_EVENT and payload["resource_kind"] == "listing"
    ]


def errors_of(report: dict[str, Any]) -> dict[int, dict[str, str]]:
    """A report's problems: line → {column: message}."""
    return {
        r["line"]: {e["field"]: e["message"] for e in r["errors"]}
        for r in report["results"]
        if r["errors"]
    }


def test_a_clean_file_is_checked_then_listed_in_one_go(
    seller: Trader, animals: FakeAnimals, any_client: TestClient[Litestar]
) -> None:
    pastel = animals.add(
        seller.organisation_id, morph="Pastel", traits=("Pastel",), hets=("Clown",)
    )
    female = animals.add(seller.organisation_id, sex="female")
    ghost = animals.add(seller.organisation_id)
    text = csv_of(
        (pastel, "Pastel het Clown", "199.99", "EUR", "de", "Proven feeder", "Bavaria", "true",
         "false", LATER.isoformat(), "true"),
        (female, "Normal female", "500", "jpy", "JP", "", "", "", "", "", ""),
        (ghost, "Ghost", "1.005", "KWD", "KW", "", "", "no", "yes", "", "1"),
    )  # fmt: skip

    checked = upload(seller, text)  # dry run
    assert checked.status_code == 200, checked.text
    report = checked.json()
    assert (report["rows"], report["dry_run"], report["valid"], report["created"]) == (
        3, True, True, 0
    )  # fmt: skip
    first, second, third = report["results"]
    assert [r["line"] for r in report["results"]] == [2, 3, 4]
    assert first["animal_id"] == str(pastel)
    assert first["errors"] == []
    assert first["listing"]["id"] is None  # nothing stored
    assert first["listing"]["state"] == "available"
    assert first["listing"]["price"] == {
        "amount": 19999, "currency": "EUR", "exponent": 2, "display": "199.99 EUR"
    }  # fmt: skip
    assert (first["listing"]["country"], first["listing"]["region"]) == ("DE", "Bavaria")
    assert first["listing"]["shipping_available"] is True
    assert first["listing"]["pickup_available"] is False
    assert dt.datetime.fromisoformat(first["listing"]["expires_at"]) == LATER
    assert first["listing"]["animal"]["hets"] == ["Clown"]
    assert (second["listing"]["state"], second["listing"]["price"]["amount"]) == ("draft", 500)
    assert (second["listing"]["shipping_available"], second["listing"]["pickup_available"]) == (
        False, True
    )  # fmt: skip
    assert second["listing"]["description"] == ""
    assert second["listing"]["region"] is None
    assert third["listing"]["price"]["amount"] == 1005
    assert third["listing"]["state"] == "available"
    assert mine(seller) == []
    assert created_events(any_client) == []
    assert audit_records(any_client) == []

    imported = upload(seller, text, dry_run="false")
    assert imported.status_code == 200, imported.text
    done = imported.json()
    assert (done["dry_run"], done["valid"], done["created"]) == (False, True, 3)
    ids = [r["listing"]["id"] for r in done["results"]]
    assert None not in ids
    # the report of the real import is the dry run's, with the ids
    for dry, real in zip(report["results"], done["results"], strict=True):
        assert {**real["listing"], "id": None} == dry["listing"]
    stored = {x["id"]: x for x in mine(seller)}
    assert set(stored) == set(ids)
    assert stored[ids[0]]["price"]["amount"] == 19999
    assert stored[ids[0]]["title"] == "Pastel het Clown"
    assert stored[ids[1]]["state"] == "draft"
    assert {e["listing_id"] for e in created_events(any_client)} == set(ids)
    records = audit_records(any_client)
    assert [r["action"] for r in records] == ["created"] * 3
    assert {r["resource_id"] for r in records} == set(ids)
    assert all(r["organisation_id"] == str(seller.organisation_id) for r in records)
    by_id = {r["resource_id"]: r["after"] for r in records}
    assert by_id[ids[2]]["price_amount"] == 1005
    assert by_id[ids[2]]["currency"] == "KWD"
    # repti-animal was asked once per animal and request
    assert sorted(map(str, animals.asked)) == sorted(map(str, [pastel, female, ghost] * 2))

    again = upload(seller, text, dry_run="false")  # every animal is listed now
    assert again.status_code == 422
    assert len(mine(seller)) == 3


def test_every_problem_of_every_row_is_reported_and_nothing_is_written(
    seller: Trader, buyer: Trader, animals: FakeAnimals, any_client: TestClient[Litestar]
) -> None:
    good = animals.add(seller.organisation_id)
    other = animals.add(seller.organisation_id)
    listed = seller.list_animal(30000)["animal"]["animal_id"]
    sold = animals.add(seller.organisation_id, status="sold")
    theirs = animals.add(buyer.organisation_id)
    zero = animals.add(seller.organisation_id)
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    events_before = created_events(any_client)
    asked_before = len(animals.asked)
    text = csv_of(
        (good, "Fine", "100", "EUR", "DE", "", "", "", "", "", "true"),
        (other, "Bad cells", "1e3", "EUR", "Germany", "", "", "perhaps", "", past, ""),
        ("", "", "", "", "", "", "", "", "", "", ""),  # blank: skipped, numbered
        (theirs, "", "10", "EUR", "DE", "", "", "", "", "", ""),
        (good, "Again", "10", "EUR", "DE", "", "", "", "", "", ""),
        (listed, "Listed", "10", "EUR", "DE", "", "", "", "", "", ""),
        (sold, "Sold", "10", "EUR", "DE", "", "", "", "", "", ""),
        (zero, "Free", "0", "EUR", "DE", "", "", "", "", "2026-12-31T10:00:00", "maybe"),
        ("not-an-id", "Odd", "1.999", "EUR", "DE", "", "", "", "", "1900000000", ""),
        (other, "Money", "12", "XXX", "DE", "", "", "", "", "", ""),
    )

    checked = upload(seller, text)
    assert checked.status_code == 200, checked.text
    report = checked.json()
    assert (report["rows"], report["valid"], report["created"]) == (9, False, 0)
    problems = errors_of(report)
    assert set(problems) == {3, 5, 6, 7, 8, 9, 10, 11}  # line 2 is clean, line 4 blank
    assert report["results"][0]["listing"]["title"] == "Fine"
    assert set(problems[3]) == {"price", "country", "shipping_available", "expires_at"}
    assert problems[3]["price"] == "'1e3' is not an amount of EUR."
    assert problems[3]["expires_at"] == "A listing cannot end in the past."
    assert problems[5] == {
        "title": "required",
        "animal_id": f"No animal {theirs} in your collection.",
    }
    assert problems[6] == {"animal_id": "the animal is also on line 2"}
    assert problems[7]["animal_id"].startswith("The animal is already listed")
    assert problems[8] == {"animal_id": "An animal that is sold cannot be listed."}
    assert problems[9] == {
        "price": "A price is more than zero.",
        "expires_at": "expires_at needs a time zone.",
        "publish": "'maybe' is not true or false",
    }
    assert set(problems[10]) == {"animal_id", "price", "expires_at"}
    assert problems[10]["animal_id"] == "Invalid UUID"
    assert problems[10]["price"] == "'1.999' is not an amount of EUR."
    assert problems[10]["expires_at"] == "Invalid RFC3339 encoded datetime"  # not a Unix time
    assert problems[11] == {
        "currency": "'XXX' is not a supported ISO 4217 currency code.",
        "animal_id": "the animal is also on line 3",
    }
    assert all(r["listing"] is None for r in report["results"] if r["errors"])
    # one question per distinct animal: `other` and `good` are on two rows each
    assert len(animals.asked) - asked_before == 6

    refused = upload(seller, text, dry_run="false")
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    problem = refused.json()
    assert problem["detail"] == "8 row(s) have problems; nothing was listed."
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert fields["line 8: animal_id"] == "An animal that is sold cannot be listed."
    assert fields["line 9: price"] == "A price is more than zero."
    assert len(fields) == sum(len(p) for p in problems.values())
    assert [x["animal"]["animal_id"] for x in mine(seller)] == [listed]
    assert created_events(any_client) == events_before


def test_another_organisations_animal_is_refused(
    seller: Trader, buyer: Trader, animals: FakeAnimals
) -> None:
    theirs = animals.add(buyer.organisation_id)
    text = csv_of((theirs, "Not mine", "10", "EUR", "DE", "", "", "", "", "", "true"))
    checked = upload(seller, text).json()
    assert errors_of(checked) == {2: {"animal_id": f"No animal {theirs} in your collection."}}
    refused = upload(seller, text, dry_run="false")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "line 2: animal_id", "message": f"No animal {theirs} in your collection."}
    ]
    assert mine(seller) == []
    assert mine(buyer) == []


def test_a_viewer_is_refused_and_a_token_is_needed(
    seller: Trader, animals: FakeAnimals, any_client: TestClient[Litestar]
) -> None:
    text = csv_of(
        (animals.add(seller.organisation_id), "Fine", "100", "EUR", "DE", "", "", "", "", "", "")
    )
    viewer = Trader(any_client, seller.organisation_id, animals, role="viewer")
    refused = upload(viewer, text, dry_run="false")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith(PROBLEM)
    anonymous = any_client.post(
        URL,
        params={"dry_run": "false"},
        files={"file": ("listings.csv", text.encode(), "text/csv")},
    )
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith(PROBLEM)
    assert animals.asked == []
    assert mine(seller) == []


def test_the_work_is_bounded_before_it_is_done(seller: Trader, animals: FakeAnimals) -> None:
    animal = animals.add(seller.organisation_id)
    row = (animal, "A", "10", "EUR", "DE", "", "", "", "", "", "")
    too_many = csv_of(*[row] * (MAX_ROWS + 1))
    refused = upload(seller, too_many)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["detail"] == f"At most {MAX_ROWS} listings per file; split it."
    assert animals.asked == []  # refused before any animal is looked up
    # the file's bytes: just over the limit, then far over it (the body is not read through)
    for size in (MAX_CSV_BYTES + 1, MAX_CSV_BYTES + 200_000):
        big = (HEADER + "\n").encode().ljust(size, b" ")
        response = upload(seller, big)
        assert response.status_code == 413, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["detail"]
    exactly = upload(seller, (HEADER + "\n").encode().ljust(MAX_CSV_BYTES, b"\n"))
    assert exactly.status_code == 200, exactly.text
    assert exactly.json()["rows"] == 0
    # files that cannot be read
    for content, detail in (
        (b"", "The file is empty."),
        (
            "animal_id,title\n".encode("utf-16"),
            "The file is not UTF-8 text; save the CSV as UTF-8.",
        ),
        (b"animal_id,title,price\n", "missing: currency, country"),
        (b"animal_id,title,price,currency,country,colour\n", "Unknown columns: colour."),
        (b"animal_id,title,price,currency,country,title\n", "Columns named twice: title."),
        (
            f'animal_id,title,price,currency,country\nx,"{"y" * 200_000}"\n'.encode(),
            "cannot be read",
        ),
    ):
        response = upload(seller, content)
        assert response.status_code in (400, 422), response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        assert detail in response.json()["detail"], response.json()
    assert upload(seller, csv_of(row), dry_run="perhaps").status_code in (400, 422)
    assert animals.asked == []
    assert mine(seller) == []


def test_quoted_formula_looking_cells_a_bom_and_crlf_are_read_as_written(
    seller: Trader, animals: FakeAnimals
) -> None:
    a, b, c, d = (animals.add(seller.organisation_id) for _ in range(4))
    lines = [
        "\ufeff Animal_ID ,Title,Description,Price,Currency,Country,Publish",
        f'{a},"=HYPERLINK(""http://evil.example"",""x"")","one, two\r\nthree ""quoted""",'
        "199.99,eur,de,YES",
        "",
        f"{b},+1 Pastel,@SUM(A1),1500,JPY,jp,no",
        f'"{c}",  -2 Clown  ,"\t=cmd",  10.50 ,EUR,DE,TRUE',
    ]
    text = "\r\n".join(lines) + "\r\n"
    imported = upload(seller, text, dry_run="false")
    assert imported.status_code == 200, imported.text
    assert [r["line"] for r in imported.json()["results"]] == [2, 4, 5]
    stored = {x["animal"]["animal_id"]: x for x in mine(seller)}
    assert stored[str(a)]["title"] == '=HYPERLINK("http://evil.example","x")'
    assert stored[str(a)]["description"] == 'one, two\r\nthree "quoted"'
    assert stored[str(a)]["price"]["amount"] == 19999
    assert stored[str(a)]["state"] == "available"
    assert (stored[str(b)]["title"], stored[str(b)]["description"]) == ("+1 Pastel", "@SUM(A1)")
    assert (stored[str(b)]["price"]["amount"], stored[str(b)]["country"]) == (1500, "JP")
    assert stored[str(b)]["state"] == "draft"
    assert stored[str(c)]["title"] == "-2 Clown"
    assert stored[str(c)]["description"] == "=cmd"  # cells are trimmed, tab included
    assert stored[str(c)]["price"]["amount"] == 1050
    # a line break inside a quoted cell does not move the rows' numbers
    late = "\r\n".join([*lines[:2], f"{d},Late,,abc,EUR,DE,"]) + "\r\n"
    problems = errors_of(upload(seller, late).json())
    assert problems[3] == {"price": "'abc' is not an amount of EUR."}
    assert problems[2]["animal_id"].startswith("The animal is already listed")


async def test_an_unreachable_collection_ends_the_import() -> None:
    owner = uuid.uuid4()

    class Unreachable:
        asked = 0

        async def animal(self, animal_id: uuid.UUID, *, credential: str | None) -> CatalogueAnimal:
            self.asked += 1
            await asyncio.sleep(0)
            raise AnimalsUnavailable("repti-animal answered 502 for the animal.")

    twice = uuid.uuid4()
    text = csv_of(
        *[(a, "A", "1", "EUR", "DE") for a in (twice, uuid.uuid4(), twice, uuid.uuid4(), twice)],
        header="animal_id,title,price,currency,country",
    )
    rows = read_listing_rows(text, dt.datetime.now(dt.UTC))
    catalogue = Unreachable()
    with pytest.raises(AnimalsUnavailable):  # the first failure itself, not a group of them
        await look_up_animals(catalogue, Member(owner), rows, credential="token")
    assert catalogue.asked == 3  # three animals, one of them on three rows


class FailingOnThird(FakeListings):
    """Listings whose third addition fails (the database refusing it midway)."""

    added = 0

    async def add(self, listing: Listing) -> Listing:
        self.added += 1
        if self.added == 3:
            raise RuntimeError("the database went away")
        return await super().add(listing)


async def test_the_rows_commit_together_or_not_at_all() -> None:
    seller = Member(uuid.uuid4(), uuid.uuid4())
    animals = FakeAnimals()
    ids = [animals.add(seller.organisation_id) for _ in range(4)]
    text = csv_of(
        *[(a, "A", "10", "EUR", "DE") for a in ids], header="animal_id,title,price,currency,country"
    )
    token = mint_token(seller.organisation_id, "member")
    now = dt.datetime.now(dt.UTC)

    rows = read_listing_rows(text, now)
    found = await look_up_animals(animals, seller, rows, credential=token)
    store = Store()
    uow = FakeUnitOfWork(store)
    uow.listings = FailingOnThird(uow.working)
    with pytest.raises(RuntimeError):
        await import_listings(uow, seller, rows, found, dry_run=False, now=now)
    assert (uow.commits, store.listings, store.events, store.audit) == (0, {}, [], [])

    rows = read_listing_rows(text, now)
    uow = FakeUnitOfWork(store)
    report = await import_listings(uow, seller, rows, found, dry_run=False, now=now)
    assert (report.stored, uow.commits) == (True, 1)
    assert {x.animal.animal_id for x in store.listings.values()} == set(ids)
    assert [e.type for e in store.events] == ["listing.created"] * 4
    assert [r.action for r in store.audit] == ["created"] * 4
