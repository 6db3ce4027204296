"""The bulk-import CSV layout partner marketplaces take: written for the feed, read from a
partner's export (columns in any order, found by their name or a common alias, without case,
spaces, dashes or underscores). Cells that a spreadsheet would run as a formula are written
with a leading apostrophe and read back without it (:mod:`reptidex.domain.spreadsheet_text`).

>>> read_export("SKU,Animal Code,Name,Species,Price,Currency\\r\\nmm-1,BP-1,Pastel,"
...             "Ball python,150.00,EUR\\r\\n")[0].title
'Pastel'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from reptidex.domain.errors import InvalidInput
from reptidex.domain.integrations.marketplaces.model import FeedListing, PartnerRow
from reptidex.domain.spreadsheet_text import defused, restored

FEED_COLUMNS = (
    "listing_id",
    "animal_id",
    "title",
    "species",
    "sex",
    "birth_date",
    "traits",
    "price",
    "currency",
    "quantity",
    "description",
    "country",
    "shipping",
    "status",
)
"""The layout's columns, in the feed's order."""
ALIASES: dict[str, tuple[str, ...]] = {
    "listing_id": ("listing id", "id", "sku", "external id", "item id", "reference", "ref"),
    "animal_id": ("animal id", "animal", "animal code", "code", "serial"),
    "title": ("title", "name", "listing title", "headline"),
    "species": ("species", "category", "common name"),
    "sex": ("sex", "gender"),
    "birth_date": ("birth date", "hatch date", "dob", "date of birth", "born", "hatched"),
    "traits": ("traits", "genes", "genetics", "morph", "morphs"),
    "price": ("price", "asking price", "amount"),
    "currency": ("currency", "currency code"),
    "quantity": ("quantity", "qty"),
    "description": ("description", "details", "notes"),
    "country": ("country", "country code"),
    "shipping": ("shipping", "shipping available", "ships"),
    "status": ("status", "state", "availability"),
}
"""The headers each column is found by in a partner's export (its own name included)."""
REQUIRED = ("listing_id", "animal_id", "title", "price")
"""Columns an export must have (``species``, ``currency``, ``country`` may come per row or
from the import's defaults)."""
MAX_FILE_BYTES = 1_000_000
"""The largest export an import reads, in bytes of UTF-8."""
MAX_ROWS = 1_000
"""The most listing rows one export may hold."""
MAX_CELL = 5_000
"""The longest cell kept (a description's length)."""
TRAIT_SEPARATOR = "; "


def folded(header: str) -> str:
    """A header as columns are matched: lower case letters and digits only.

    >>> folded("Animal_ID"), folded(" hatch-date ")
    ('animalid', 'hatchdate')
    """
    return "".join(ch for ch in header.casefold() if ch.isalnum())


_BY_HEADER = {
    folded(alias): column for column, aliases in ALIASES.items() for alias in (column, *aliases)
}


def feed_header() -> str:
    """The feed's header line."""
    return _line(FEED_COLUMNS)


def _line(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(list(cells))
    return out.getvalue()


def feed_lines(listings: Iterable[FeedListing]) -> str:
    """The feed's lines of ``listings``, every text cell defused (a seller's text)."""
    return "".join(_line(defused(cell) for cell in _cells(x)) for x in listings)


def _cells(listing: FeedListing) -> tuple[str, ...]:
    return (
        str(listing.listing_id),
        str(listing.animal_id),
        listing.title,
        listing.species,
        listing.sex,
        "" if listing.birth_date is None else listing.birth_date.isoformat(),
        TRAIT_SEPARATOR.join(listing.traits),
        listing.price,
        listing.currency,
        "1",
        listing.description,
        listing.country,
        "true" if listing.shipping else "false",
        listing.status,
    )


def check_size(text: str) -> None:
    """:class:`InvalidInput` for an export over :data:`MAX_FILE_BYTES` (before parsing)."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"The export is larger than {MAX_FILE_BYTES:,} bytes; split it.",
            field_errors={"csv": f"over {MAX_FILE_BYTES} bytes"},
        )


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for at, cell in enumerate(header):
        column = _BY_HEADER.get(folded(cell))
        if column is None:
            continue
        if column in found:
            raise InvalidInput(
                f"Two columns of the header are {column!r} ({cell!r}).",
                field_errors={"csv": f"column {column} twice"},
            )
        found[column] = at
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise InvalidInput(
            f"The header has no column {', '.join(missing)} (nor one of its aliases).",
            field_errors={"csv": f"missing column(s): {', '.join(missing)}"},
        )
    return found


def read_export(text: str) -> list[PartnerRow]:
    """The rows of a partner's export. :class:`InvalidInput` for a file over the size or row
    bound, without a header or a required column, or that the CSV reader refuses. Blank
    lines are skipped (and not counted); cells are trimmed and restored from their
    formula-safe form.

    >>> [r.line for r in read_export("id,animal,title,price\\r\\n\\r\\n1,a,t,1\\r\\n")]
    [3]
    """
    check_size(text)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        return list(_rows(reader))
    except csv.Error as error:
        raise InvalidInput(
            f"The CSV cannot be read at line {reader.line_num}: {error}.",
            field_errors={"csv": f"at line {reader.line_num}: {error}"},
        ) from error


def _rows(reader: Iterator[list[str]]) -> Iterator[PartnerRow]:
    header = next(reader, None)
    if header is None:
        raise InvalidInput("The export is empty.", field_errors={"csv": "empty"})
    index = _columns(header)
    count, last = 0, reader.line_num  # type: ignore[attr-defined]
    for cells in reader:
        line, last = last + 1, reader.line_num  # type: ignore[attr-defined]
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise InvalidInput(
                f"The export has more than {MAX_ROWS:,} listings; split it.",
                field_errors={"csv": f"over {MAX_ROWS} rows"},
            )

        def cell(column: str, cells: list[str] = cells) -> str:
            at = index.get(column)
            text = cells[at].strip()[:MAX_CELL] if at is not None and at < len(cells) else ""
            return restored(text)

        yield PartnerRow(
            line=line,
            listing_id=cell("listing_id"),
            animal=cell("animal_id"),
            title=cell("title"),
            species=cell("species"),
            sex=cell("sex"),
            price=cell("price"),
            currency=cell("currency"),
            quantity=cell("quantity"),
            description=cell("description"),
            country=cell("country"),
            shipping=cell("shipping"),
            status=cell("status"),
        )
