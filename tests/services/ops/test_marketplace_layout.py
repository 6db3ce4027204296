"""The partner marketplaces' CSV layout and rules, without a service: reading an export
(columns in any order, aliases, quoted cells, blank lines, bounds), each row's checks, the
feed's cells (formula-safe, read back as written) and its paging through repti-commerce."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import uuid

import pytest

from reptidex.domain.errors import InvalidInput
from reptidex.domain.integrations.labs.model import LabAnimal
from reptidex.domain.integrations.marketplaces import use_cases
from reptidex.domain.integrations.marketplaces.checks import against_animal, check_row
from reptidex.domain.integrations.marketplaces.layout import (
    FEED_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    feed_header,
    feed_lines,
    read_export,
)
from reptidex.domain.integrations.marketplaces.model import (
    FeedListing,
    ListingOffer,
    PartnerRow,
)


def listing(title: str = "Pastel", **changes: object) -> FeedListing:
    fields: dict[str, object] = {
        "listing_id": uuid.uuid4(),
        "animal_id": uuid.uuid4(),
        "title": title,
        "species": "ball_python",
        "sex": "female",
        "birth_date": dt.date(2025, 6, 1),
        "traits": ("Pastel", "het Clown", "67% het Pied"),
        "price": "150.00",
        "currency": "EUR",
        "description": 'Line one\nline two, with "quotes"',
        "country": "DE",
        "shipping": True,
        "status": "available",
    }
    fields.update(changes)
    return FeedListing(**fields)  # type: ignore[arg-type]


def row(**cells: str) -> PartnerRow:
    fields = {
        "line": 2, "listing_id": "p-1", "animal": "BP-1", "title": "Pastel", "species": "Ball python",
        "sex": "", "price": "150", "currency": "EUR", "quantity": "", "description": "",
        "country": "DE", "shipping": "", "status": "",
    }  # fmt: skip
    fields.update(cells)
    return PartnerRow(**fields)  # type: ignore[arg-type]


def test_the_feed_defuses_formula_cells_and_an_import_reads_them_back() -> None:
    dangerous = listing("=cmd|' /C calc'!A0", description="@SUM(1)", country="+1")
    text = feed_header() + feed_lines([dangerous, listing()])
    parsed = list(csv.reader(io.StringIO(text)))
    assert tuple(parsed[0]) == FEED_COLUMNS
    cells = dict(zip(FEED_COLUMNS, parsed[1], strict=True))
    assert cells["title"] == "'=cmd|' /C calc'!A0"
    assert cells["description"] == "'@SUM(1)"
    assert cells["country"] == "'+1"
    assert (cells["traits"], cells["birth_date"], cells["shipping"], cells["quantity"]) == (
        "Pastel; het Clown; 67% het Pied", "2025-06-01", "true", "1",
    )  # fmt: skip
    first, second = read_export(text)
    assert first.title == "=cmd|' /C calc'!A0"
    assert first.description == "@SUM(1)"
    assert second.description == 'Line one\nline two, with "quotes"'
    assert (first.line, second.line) == (2, 3)
    # a cell that merely starts with an apostrophe stays as written
    (plain,) = read_export("id,animal,title,price\r\n1,a,'quoted,2\r\n")
    assert plain.title == "'quoted"


def test_an_export_is_read_in_any_column_order_by_aliases() -> None:
    text = (
        "\ufeffQTY, Price ,Gender,SKU,Animal_Code,NAME,Hatch Date,Unknown column\r\n"
        "\r\n"
        '1,10.5,F,x-1,BP-9,"Pastel, female",2025-01-01,ignored\r\n'
    )
    (only,) = read_export(text)
    assert (only.line, only.listing_id, only.animal, only.title) == (
        3,
        "x-1",
        "BP-9",
        "Pastel, female",
    )
    assert (only.price, only.sex, only.quantity, only.currency) == ("10.5", "F", "1", "")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("sku,name,price\r\n", "missing column(s): animal_id"),
        ("sku,id,animal,title,price\r\n", "column listing_id twice"),
        ("id,animal,title,price\r\n1,a," + "t" * 200_000 + ",1\r\n", "at line 2"),
    ],
)
def test_an_export_that_cannot_be_read_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_export(text)
    assert reason in str(refused.value.field_errors["csv"])


def test_an_export_is_bounded_before_it_is_parsed() -> None:
    header = "id,animal,title,price\r\n"
    assert len(read_export(header + "1,a,t,1\r\n" * MAX_ROWS)) == MAX_ROWS
    with pytest.raises(InvalidInput, match="more than"):
        read_export(header + "1,a,t,1\r\n" * (MAX_ROWS + 1))
    with pytest.raises(InvalidInput, match="larger than"):
        read_export(header + "é" * (MAX_FILE_BYTES // 2 + 1))


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"listing_id": ""}, "no listing id"),
        ({"animal": ""}, "no animal id"),
        ({"title": ""}, "no title"),
        ({"title": "x" * 201}, "title longer than 200 characters"),
        ({"price": ""}, "no price"),
        ({"price": "1,50"}, "bad price '1,50': not an amount of EUR"),
        ({"price": "0"}, "bad price '0': not above zero"),
        ({"price": "-5"}, "bad price '-5': not above zero"),
        ({"currency": "XYZ"}, "unknown currency 'XYZ'"),
        ({"currency": ""}, "no currency"),
        ({"price": "1.5", "currency": "JPY"}, "bad price '1.5': not an amount of JPY"),
        ({"species": "Dragon snake"}, "unknown species 'Dragon snake'"),
        ({"species": ""}, "no species"),
        ({"quantity": "2"}, "quantity '2': a listing offers one animal"),
        ({"status": "sold"}, "status 'sold': only available or draft listings are imported"),
        ({"country": "Germany"}, "bad country 'GERMANY'"),
        ({"country": ""}, "no country"),
        ({"sex": "both"}, "unknown sex 'both'"),
        ({"shipping": "maybe"}, "shipping 'maybe' is not yes or no"),
    ],
)
def test_each_bad_row_says_why(cells: dict[str, str], reason: str) -> None:
    assert check_row(row(**cells), None, None) == reason


def test_a_good_row_and_the_imports_defaults() -> None:
    offer = check_row(
        row(species="python regius", sex="1.0", price=" 1 500.5 ", currency="", country="",
            status="Draft", shipping="yes"),
        "eur",
        "fr",
    )  # fmt: skip
    assert offer == ListingOffer(
        external_ref="p-1", animal="BP-1", title="Pastel", species="ball_python", sex="male",
        amount=150050, currency="EUR", description="", country="FR", shipping=True, publish=False,
    )  # fmt: skip
    assert isinstance(offer, ListingOffer)
    animal = LabAnimal(uuid.uuid4(), "BP-1", "ball_python", "male", "Pastel", (), (), {})
    assert against_animal(offer, animal) == ""
    assert against_animal(offer, None) == "no animal 'BP-1' in the organisation's collection"
    corn = LabAnimal(animal.id, "BP-1", "corn_snake", "male", "Amel", (), (), {})
    assert against_animal(offer, corn) == "the animal is a corn_snake, not a ball_python"
    female = LabAnimal(animal.id, "BP-1", "ball_python", "female", "Pastel", (), (), {})
    assert against_animal(offer, female) == "the animal is female, not male"


class PagedListings:
    """repti-commerce's open listings of one seller, newest first, with every page asked."""

    def __init__(self, count: int, *, arrival: bool = False) -> None:
        self.listings = [listing(f"L{i}") for i in range(count)]
        self.asked: list[tuple[int, int]] = []
        self.arrival = arrival

    async def open_page(
        self, organisation_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[list[FeedListing], int]:
        self.asked.append((limit, offset))
        if self.arrival and len(self.asked) == 2:  # a new listing between pages: all shift
            self.listings.insert(0, listing("newest"))
        return self.listings[offset : offset + limit], len(self.listings)


def _read_feed(source: PagedListings) -> list[list[FeedListing]]:
    async def read() -> list[list[FeedListing]]:
        return [page async for page in use_cases.feed_pages(source, uuid.uuid4())]  # type: ignore[arg-type]

    return asyncio.run(read())


def test_the_feed_reads_bounded_pages_and_writes_each_listing_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(use_cases, "FEED_PAGE", 3)
    source = PagedListings(7, arrival=True)
    pages = _read_feed(source)
    titles = [x.title for page in pages for x in page]
    assert titles == [f"L{i}" for i in range(7)]  # L2 shifted onto page two: written once
    assert source.asked == [(3, 0), (3, 3), (3, 6)]
    monkeypatch.setattr(use_cases, "MAX_FEED_LISTINGS", 5)
    capped = PagedListings(50)
    assert sum(len(p) for p in _read_feed(capped)) == 5
    assert capped.asked == [(3, 0), (2, 3)]
    assert _read_feed(PagedListings(0)) == []
