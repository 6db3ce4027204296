"""Partner marketplaces end to end: repti-ops (SQLite, then PostgreSQL) with a real
repti-animal and repti-commerce in process. Enabling a feed (its token shown once, stored as a
digest), who may read the feed (owners and admins, or the partner with its own feed's token),
what the feed holds (the open listings only, formula cells defused), the import's dry run
(every bad row with its line and reason, nothing listed), the real import, idempotent per
partner listing id, and the export's bounds."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from marketplace_testkit import Market, market
from sqlalchemy import text

from outbox_payloads import staged_payloads
from reptidex.domain.integrations.marketplaces.layout import FEED_COLUMNS, MAX_ROWS
from reptidex.domain.integrations.marketplaces.model import token_digest
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings


@pytest.fixture
def platform(make_settings: Callable[..., Settings], ops_database: str) -> Iterator[Market]:
    settings = make_settings(ops_database_url=ops_database)
    with market(settings, settings) as running:
        yield running


def outbox(platform: Market, kind: str) -> list[dict[str, Any]]:
    """Payloads of ``kind`` in repti-ops' outbox, oldest first."""
    return staged_payloads(platform.ops, kind)


def stored_digests(platform: Market) -> list[str]:
    engine = kernel_of(platform.ops.app).engine

    async def read() -> list[str]:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT token_digest FROM marketplace_feed"))
            return [str(d) for (d,) in rows]

    with platform.ops.portal() as portal:
        return portal.call(read)


def feed_rows(answer: Any) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(answer.text))
    assert tuple(reader.fieldnames or ()) == FEED_COLUMNS
    return list(reader)


def test_enabling_a_feed_shows_its_token_once_and_stores_only_its_digest(
    platform: Market,
) -> None:
    made = platform.configure()
    token = made["feed_token"]
    assert made["created"] is True
    assert token.startswith("rdxfeed_")
    assert made["feed_path"] == f"/integrations/marketplaces/{made['id']}/feed.csv"
    again = platform.configure(partner="example  MARKET")
    assert (again["id"], again["created"], again["feed_token"]) == (made["id"], False, None)
    assert stored_digests(platform) == [token_digest(token)]
    listed = platform.ops.get("/integrations/marketplaces", headers=platform.headers("owner"))
    assert [f["id"] for f in listed.json()["items"]] == [made["id"]]
    assert token not in listed.text
    one = platform.ops.get(f"/integrations/marketplaces/{made['id']}", headers=platform.headers())
    assert one.json()["partner"] == "Example Market"

    rotated = platform.configure(rotate_token=True)
    assert rotated["feed_token"] not in (None, token)
    path = made["feed_path"]
    assert platform.ops.get(path, params={"token": token}).status_code == 404
    assert platform.ops.get(path, params={"token": rotated["feed_token"]}).status_code == 200

    created, rotation = outbox(platform, "audit.recorded")
    assert (created["resource_kind"], created["action"]) == ("marketplace_feed", "created")
    assert created["after"] == {"partner": "Example Market"}
    assert rotation["action"] == "token_rotated"
    assert created["withheld"] == rotation["withheld"] == ["feed_token"]
    assert token not in json.dumps([created, rotation])
    events = outbox(platform, "integration.marketplace_feed_configured")
    assert [e["token_rotated"] for e in events] == [False, True]


def test_who_reads_the_feed_and_manages_marketplaces(platform: Market) -> None:
    mine = platform.configure()
    path = mine["feed_path"]
    theirs = platform.ops.post(
        "/integrations/configure",
        json={"kind": "partner_marketplace", "partner": "Example Market"},
        headers=platform.headers("owner", platform.other),
    ).json()
    body = {"kind": "partner_marketplace", "partner": "Another"}
    for role in ("member", "viewer"):
        headers = platform.headers(role)
        assert (
            platform.ops.post("/integrations/configure", json=body, headers=headers).status_code
            == 403
        )
        assert platform.ops.get("/integrations/marketplaces", headers=headers).status_code == 403
        assert platform.ops.get(path, headers=headers).status_code == 403
        refused = platform.import_file(
            mine["id"], "id,animal,title,price\r\n", dry_run=True, role=role
        )
        assert refused.status_code == 403, refused.text
    assert platform.ops.get(path).status_code == 401
    assert platform.ops.get("/integrations/marketplaces").status_code == 401
    # another organisation's admin: the feed is not theirs
    stranger = platform.headers("owner", platform.other)
    assert platform.ops.get(path, headers=stranger).status_code == 404
    assert (
        platform.ops.get(f"/integrations/marketplaces/{mine['id']}", headers=stranger).status_code
        == 404
    )
    elsewhere = platform.ops.post(
        f"/integrations/marketplaces/{mine['id']}/imports",
        json={"csv": "id,animal,title,price\r\n1,a,t,1\r\n"},
        headers=stranger,
    )
    assert elsewhere.status_code == 404, elsewhere.text
    # a token opens its own feed only
    assert platform.ops.get(path, params={"token": theirs["feed_token"]}).status_code == 404
    assert (
        platform.ops.get(theirs["feed_path"], params={"token": theirs["feed_token"]}).status_code
        == 200
    )
    assert platform.ops.get(path, params={"token": "rdxfeed_guess"}).status_code == 404
    assert platform.ops.get(path, params={"token": mine["feed_token"]}).status_code == 200


def test_the_feed_holds_the_open_listings_with_formula_cells_defused(platform: Market) -> None:
    feed = platform.configure()
    shown = platform.list_animal(platform.add_animal("BP-1"), '=HYPERLINK("x") Pastel')
    platform.list_animal(platform.add_animal("BP-2"), "A draft", publish=False)
    platform.list_animal(
        platform.add_animal("BP-3", org=platform.other), "Not ours", org=platform.other
    )
    by_partner = feed_rows(
        platform.ops.get(feed["feed_path"], params={"token": feed["feed_token"]})
    )
    by_admin = feed_rows(platform.ops.get(feed["feed_path"], headers=platform.headers("owner")))
    assert by_partner == by_admin
    (row,) = by_partner
    assert row["listing_id"] == shown["id"]
    assert row["animal_id"] == shown["animal"]["animal_id"]
    assert row["title"] == '\'=HYPERLINK("x") Pastel'
    assert (row["species"], row["sex"], row["price"], row["currency"]) == (
        "ball_python", "male", "150.50", "EUR",
    )  # fmt: skip
    assert row["traits"] == "Pastel; het Clown"
    assert (row["quantity"], row["country"], row["shipping"], row["status"]) == (
        "1", "DE", "false", "available",
    )  # fmt: skip
    # the feed reads commerce's public search, a page at a time, without anyone's token
    assert any("commerce GET /marketplace/listings" in c for c in platform.transport.calls)


EXPORT = (
    "Qty,SKU,Name,Animal Code,Species,Price,Currency,Gender,Status,Description\r\n"
    "1,mm-1,Pastel het Clown male,BP-1,Ball Python,150.00,EUR,M,available,Nice\r\n"
    ",mm-2,Unknown species,BP-2,Dragon snake,80,EUR,,,\r\n"
    ",mm-3,Bad price,BP-2,ball_python,12.345,EUR,,,\r\n"
    ",mm-4,,BP-2,ball_python,10,EUR,,,\r\n"
    ",mm-5,No such animal,BP-404,ball_python,10,EUR,,,\r\n"
    ",mm-6,Wrong species,BP-2,Corn snake,10,EUR,,,\r\n"
    "3,mm-7,Three of them,BP-2,ball_python,10,EUR,,,\r\n"
    ",mm-8,A draft,BP-3,Python regius,99,,,draft,\r\n"
)


def test_a_dry_run_reports_every_row_and_lists_nothing(platform: Market) -> None:
    feed = platform.configure()
    for code in ("BP-1", "BP-2", "BP-3"):
        platform.add_animal(code)
    platform.add_animal("BP-404", org=platform.other)  # another's animal is unknown
    answer = platform.import_file(feed["id"], EXPORT, dry_run=True, currency="EUR", country="de")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    outcomes = {r["line"]: (r["outcome"], r["detail"]) for r in report["rows"]}
    assert outcomes == {
        2: ("applied", "would be listed (available)"),
        3: ("bad", "unknown species 'Dragon snake'"),
        4: ("bad", "bad price '12.345': not an amount of EUR"),
        5: ("bad", "no title"),
        6: ("bad", "no animal 'BP-404' in the organisation's collection"),
        7: ("bad", "the animal is a ball_python, not a corn_snake"),
        8: ("bad", "quantity '3': a listing offers one animal"),
        9: ("applied", "would be listed (draft)"),
    }
    assert report["summary"] == {"rows": 8, "applied": 2, "unchanged": 0, "bad": 6, "failed": 0}
    assert platform.seller_listings() == []
    assert outbox(platform, "integration.marketplace_listings_imported") == []


def test_the_import_lists_each_good_row_once_however_often_it_is_imported(
    platform: Market,
) -> None:
    feed = platform.configure()
    for code in ("BP-1", "BP-2", "BP-3"):
        platform.add_animal(code)
    first = platform.import_file(feed["id"], EXPORT, dry_run=False, currency="EUR", country="DE")
    assert first.status_code == 200, first.text
    applied = {
        r["partner_listing_id"]: r for r in first.json()["rows"] if r["outcome"] == "applied"
    }
    assert set(applied) == {"mm-1", "mm-8"}
    listings = {x["external_ref"]: x for x in platform.seller_listings()}
    assert set(listings) == {"mm-1", "mm-8"}
    assert listings["mm-1"]["id"] == applied["mm-1"]["listing_id"]
    assert (listings["mm-1"]["state"], listings["mm-8"]["state"]) == ("available", "draft")
    assert listings["mm-1"]["price"]["amount"] == 15000
    assert listings["mm-8"]["price"] == {
        "amount": 9900, "currency": "EUR", "exponent": 2, "display": "99.00 EUR",
    }  # fmt: skip

    again = platform.import_file(feed["id"], EXPORT, dry_run=False, currency="EUR", country="DE")
    rows = {r["partner_listing_id"]: r for r in again.json()["rows"]}
    assert (rows["mm-1"]["outcome"], rows["mm-1"]["listing_id"]) == (
        "unchanged", applied["mm-1"]["listing_id"],
    )  # fmt: skip
    assert rows["mm-8"]["outcome"] == "unchanged"
    assert len(platform.seller_listings()) == 2
    dry = platform.import_file(feed["id"], EXPORT, dry_run=True, currency="EUR", country="DE")
    assert dry.json()["summary"]["unchanged"] == 2

    imported = outbox(platform, "integration.marketplace_listings_imported")
    assert [e["summary"]["applied"] for e in imported] == [2, 0]
    records = [
        r for r in outbox(platform, "audit.recorded") if r["resource_kind"] == "marketplace_import"
    ]
    assert [(r["action"], r["after"]["applied"], r["after"]["partner"]) for r in records] == [
        ("imported", 2, "Example Market"), ("imported", 0, "Example Market"),
    ]  # fmt: skip


def test_a_row_commerce_refuses_is_failed_and_a_repeated_id_is_bad(platform: Market) -> None:
    feed = platform.configure()
    listed = platform.add_animal("BP-1")
    platform.list_animal(listed, "Listed by hand")
    platform.add_animal("BP-2")
    export = (
        "listing_id,animal_id,title,species,price,currency,country\r\n"
        "a-1,BP-1,Again,ball_python,10,EUR,DE\r\n"
        "a-2,BP-2,Twice,ball_python,10,EUR,DE\r\n"
        "a-2,BP-2,Twice,ball_python,10,EUR,DE\r\n"
    )
    report = platform.import_file(feed["id"], export, dry_run=False).json()
    outcomes = [(r["line"], r["outcome"]) for r in report["rows"]]
    assert outcomes == [(2, "failed"), (3, "bad"), (4, "bad")]
    assert "409" in report["rows"][0]["detail"]
    assert report["rows"][1]["detail"] == "another row of the file has this listing id"


def test_the_exports_bounds(platform: Market) -> None:
    feed = platform.configure()
    header = "listing_id,animal_id,title,price\r\n"
    too_many = header + "".join(f"{i},BP-{i},T,1\r\n" for i in range(MAX_ROWS + 1))
    answer = platform.import_file(feed["id"], too_many, dry_run=True)
    assert answer.status_code == 422, answer.text
    assert "more than" in answer.json()["detail"]
    missing = platform.import_file(feed["id"], "sku,name\r\n1,x\r\n", dry_run=True)
    assert missing.status_code == 422
    assert "animal_id" in missing.json()["detail"]
    huge = platform.ops.post(
        f"/integrations/marketplaces/{feed['id']}/imports",
        content=b'{"csv": "' + b"x" * 2_200_000 + b'"}',
        headers={**platform.headers(), "content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("application/problem+json")
    assert not any(c.startswith("commerce POST") for c in platform.transport.calls)
