"""The partner marketplaces' row checks and CSV layout at their edges, with exact values: each
bound at and past its limit, the defaults a row falls back to, every sex and shipping
spelling, and the refusals' messages and fields."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from reptidex.domain.errors import InvalidInput
from reptidex.domain.integrations.marketplaces.checks import check_row
from reptidex.domain.integrations.marketplaces.layout import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    check_size,
    feed_header,
    feed_lines,
    read_export,
)
from reptidex.domain.integrations.marketplaces.model import FeedListing, ListingOffer, PartnerRow


def row(**cells: str) -> PartnerRow:
    fields = {
        "line": 2, "listing_id": "p-1", "animal": "BP-1", "title": "Pastel", "species": "Ball python",
        "sex": "", "price": "150", "currency": "EUR", "quantity": "", "description": "",
        "country": "DE", "shipping": "", "status": "",
    }  # fmt: skip
    fields.update(cells)
    return PartnerRow(**fields)  # type: ignore[arg-type]


def offer(**cells: str) -> ListingOffer:
    made = check_row(row(**cells), None, None)
    assert isinstance(made, ListingOffer), made
    return made


@pytest.mark.parametrize(
    ("column", "limit", "reason"),
    [
        ("listing_id", 200, "listing id longer than 200 characters"),
        ("title", 200, "title longer than 200 characters"),
        ("description", 5_000, "description longer than 5000 characters"),
    ],
)
def test_each_length_bound_admits_its_limit(column: str, limit: int, reason: str) -> None:
    at_limit = offer(**{column: "x" * limit})
    assert getattr(at_limit, {"listing_id": "external_ref"}.get(column, column)) == "x" * limit
    assert check_row(row(**{column: "x" * (limit + 1)}), None, None) == reason


def test_the_smallest_price_and_one_animal_are_accepted() -> None:
    assert offer(price="0.01").amount == 1
    assert offer(price="0.02", quantity="1").amount == 2
    assert check_row(row(price="0.00"), None, None) == "bad price '0.00': not above zero"


def test_a_row_without_a_sex_lists_none() -> None:
    assert offer(sex="").sex is None


# --- the layout ----------------------------------------------------------------------------


def feed_listing(**changes: object) -> FeedListing:
    fields: dict[str, object] = {
        "listing_id": uuid.UUID(int=1),
        "animal_id": uuid.UUID(int=2),
        "title": "Pastel",
        "species": "ball_python",
        "sex": "female",
        "birth_date": dt.date(2025, 6, 1),
        "traits": ("Pastel", "het Clown"),
        "price": "150.00",
        "currency": "EUR",
        "description": "Calm",
        "country": "DE",
        "shipping": True,
        "status": "available",
    }
    fields.update(changes)
    return FeedListing(**fields)  # type: ignore[arg-type]


ONE = "00000000-0000-0000-0000-000000000001"
TWO = "00000000-0000-0000-0000-000000000002"


def test_the_feed_writes_each_listing_on_its_line_exactly() -> None:
    assert feed_header() == (
        "listing_id,animal_id,title,species,sex,birth_date,traits,price,currency,quantity,"
        "description,country,shipping,status\r\n"
    )
    text = feed_lines([feed_listing(), feed_listing(birth_date=None, traits=(), shipping=False)])
    assert text == (
        f"{ONE},{TWO},Pastel,ball_python,female,2025-06-01,Pastel; het Clown,150.00,EUR,1,"
        "Calm,DE,true,available\r\n"
        f"{ONE},{TWO},Pastel,ball_python,female,,,150.00,EUR,1,Calm,DE,false,available\r\n"
    )
    assert feed_lines([]) == ""


def refusal(text: str) -> tuple[str, dict[str, str]]:
    with pytest.raises(InvalidInput) as refused:
        read_export(text)
    return refused.value.detail, refused.value.field_errors


def test_the_size_bound_admits_its_limit_in_characters_and_in_bytes() -> None:
    over = ("The export is larger than 1,000,000 bytes; split it.", {"csv": "over 1000000 bytes"})
    check_size("x" * MAX_FILE_BYTES)
    check_size("é" * (MAX_FILE_BYTES // 2))
    for text in ("x" * (MAX_FILE_BYTES + 1), "é" * (MAX_FILE_BYTES // 2) + "x"):
        with pytest.raises(InvalidInput) as refused:
            check_size(text)
        assert (refused.value.detail, refused.value.field_errors) == over
    assert refusal("é" * (MAX_FILE_BYTES // 2 + 1)) == over


def test_a_header_that_cannot_be_used_is_refused_exactly() -> None:
    assert refusal("") == ("The export is empty.", {"csv": "empty"})
    assert refusal("sku,id,animal,title,price\r\n") == (
        "Two columns of the header are 'listing_id' ('id').",
        {"csv": "column listing_id twice"},
    )
    assert refusal("notes,species\r\n") == (
        "The header has no column listing_id, animal_id, title, price (nor one of its aliases).",
        {"csv": "missing column(s): listing_id, animal_id, title, price"},
    )


def test_unknown_columns_anywhere_are_skipped() -> None:
    (only,) = read_export("remarks,id,extra,animal,title,price,more\r\nr,1,e,a,t,2,m\r\n")
    assert (only.listing_id, only.animal, only.title, only.price) == ("1", "a", "t", "2")


def test_every_column_is_read_from_its_cell() -> None:
    header = "Status,Shipping,Country,Description,QTY,Currency,Price,Gender,Species,Name,Animal,SKU"
    cells = "draft,yes,fr,Calm,1,eur,150,F,Ball python,Pastel,BP-1,p-1"
    (only,) = read_export(f"{header}\r\n{cells}\r\n")
    assert only == PartnerRow(
        line=2, listing_id="p-1", animal="BP-1", title="Pastel", species="Ball python",
        sex="F", price="150", currency="eur", quantity="1", description="Calm",
        country="fr", shipping="yes", status="draft",
    )  # fmt: skip


def test_a_short_row_has_empty_cells_past_its_end() -> None:
    (only,) = read_export("id,animal,title,price,notes\r\n1,a,t,2\r\n1,a\r\n")[:1]
    assert (only.price, only.description) == ("2", "")
    short = read_export("id,animal,title,price\r\n1,a\r\n")[0]
    assert (short.listing_id, short.animal, short.title, short.price) == ("1", "a", "", "")


def test_a_quoted_cell_keeps_its_line_breaks() -> None:
    (only,) = read_export('id,animal,title,price,notes\r\n1,a,t,2,"one\r\ntwo"\r\n')
    assert only.description == "one\r\ntwo"


def test_a_byte_order_mark_before_a_quoted_header_cell_is_dropped() -> None:
    (only,) = read_export('\ufeff"notes, id",id,animal,title,price\r\nn,1,a,t,2\r\n')
    assert (only.listing_id, only.description) == ("1", "")


def test_an_unreadable_export_says_where() -> None:
    text = "id,animal,title,price\r\n1,a,t,1\r\n1,a," + "t" * 200_000 + ",1\r\n"
    assert refusal(text) == (
        "The CSV cannot be read at line 3: field larger than field limit (131072).",
        {"csv": "at line 3: field larger than field limit (131072)"},
    )


def test_the_row_bound_says_so_exactly() -> None:
    text = "id,animal,title,price\r\n" + "1,a,t,1\r\n" * (MAX_ROWS + 1)
    assert refusal(text) == (
        "The export has more than 1,000 listings; split it.",
        {"csv": "over 1000 rows"},
    )


def test_lines_may_end_in_a_carriage_return_alone() -> None:
    rows = read_export("id,animal,title,price\r1,a,t,2\r3,b,u,4\r")
    assert [(r.line, r.listing_id, r.price) for r in rows] == [(2, "1", "2"), (3, "3", "4")]
