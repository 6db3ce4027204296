"""Many listings at once from a CSV file, with a dry run that reports every row.

Columns (a header row names them, in any order; only the first five are required):
``animal_id, title, price, currency, country, description, region, shipping_available,
pickup_available, expires_at, publish``. ``price`` is a decimal number in the currency's major
units (``199.99`` EUR), read exactly (:func:`~reptidex.domain.commerce.money_text.
parse_decimal_text`); flags are ``true``/``false`` (also ``yes``/``no``, ``1``/``0``);
``expires_at`` is an RFC 3339 time with its zone.

An import is three steps, like one listing's: :func:`read_listing_rows` reads and checks the
text; :func:`look_up_animals` asks the catalogue for each distinct animal once (outside any
transaction); :func:`import_listings` checks what the store knows (the animal listed already)
and, unless it is a dry run or a row has a problem, stores every listing with its
``listing.created`` event and audit record (:func:`~reptidex.domain.commerce.listings.
add_listing`) and commits them together. Every problem of every row is reported at once; a
file with any problem writes nothing.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from reptidex.domain.commerce.listing_fields import Country, Description, Region, Title
from reptidex.domain.commerce.listing_model import AnimalSnapshot, Listing
from reptidex.domain.commerce.listings import (
    ListingDraft,
    add_listing,
    check_expiry,
    check_price,
    listable,
    new_listing,
    require_unlisted,
)
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.money import Currency, Money
from reptidex.domain.commerce.money_text import parse_decimal_text
from reptidex.domain.commerce.ports import AnimalCatalogue, CatalogueAnimal, CommerceUnitOfWork
from reptidex.domain.errors import DomainError, InvalidInput, NotFound

REQUIRED = ("animal_id", "title", "price", "currency", "country")
COLUMNS = (
    *REQUIRED,
    "description",
    "region",
    "shipping_available",
    "pickup_available",
    "expires_at",
    "publish",
)
MAX_ROWS = 1000
"""The most listings one file holds (blank rows aside)."""
LOOKUPS_AT_ONCE = 8
"""How many animals are asked of the catalogue at the same time."""
_FLAGS = {"true": True, "yes": True, "y": True, "1": True}
_FLAGS |= {"false": False, "no": False, "n": False, "0": False}


@dataclass(slots=True)
class ListingRow:
    """One data row: what it says, its problems by column, and the listing it makes.

    ``line`` is its row number in the file, the header's being 1 (blank rows count; a line
    break inside a quoted cell does not).
    """

    line: int
    animal: str
    """The ``animal_id`` cell as written."""
    animal_id: uuid.UUID | None = None
    draft: ListingDraft | None = None
    """The row's terms, when every cell reads."""
    errors: dict[str, str] = field(default_factory=dict)
    listing: Listing | None = None
    """The listing the row makes (stored unless a dry run)."""


@dataclass(frozen=True, slots=True)
class ListingImport:
    """What an import found, and whether it stored the rows' listings."""

    rows: list[ListingRow]
    dry_run: bool
    stored: bool

    @property
    def problems(self) -> list[ListingRow]:
        """The rows with problems."""
        return [r for r in self.rows if r.errors]

    @property
    def valid(self) -> bool:
        """Whether every row can be listed."""
        return not self.problems


class _Cells:
    """A row's cells by column, read into values; each problem kept under its column."""

    def __init__(self, cells: dict[str, str], errors: dict[str, str]) -> None:
        self._cells = cells
        self.errors = errors

    def text(self, name: str) -> str:
        return (self._cells.get(name) or "").strip()

    def typed(self, name: str, kind: Any, default: Any = None) -> Any:
        """The cell as ``kind`` (msgspec's checks); ``default`` when it is empty (a problem
        for a required column) or wrong."""
        text = self.text(name)
        if not text:
            if name in REQUIRED:
                self.errors[name] = "required"
            return default
        try:
            return msgspec.convert(text, kind)  # strict: a number is no time
        except msgspec.ValidationError as error:
            self.errors[name] = str(error)
            return default

    def flag(self, name: str, default: bool) -> bool:
        text = self.text(name).lower()
        if not text:
            return default
        if text not in _FLAGS:
            self.errors[name] = f"{self.text(name)!r} is not true or false"
            return default
        return _FLAGS[text]

    def checked(self, name: str, check: Callable[..., None], *args: Any) -> None:
        """Run a domain check of the value; its problem goes under ``name``."""
        try:
            check(*args)
        except InvalidInput as error:
            self.errors.setdefault(name, error.detail)


def _price(cells: _Cells) -> Money | None:
    code = cells.text("currency")
    currency = None
    if code:
        try:
            currency = Currency.of(code)
        except InvalidInput as error:
            cells.errors["currency"] = error.detail
    else:
        cells.errors["currency"] = "required"
    text = cells.text("price")
    if not text:
        cells.errors["price"] = "required"
        return None
    if currency is None:
        return None  # read in its currency's minor units only
    try:
        price = parse_decimal_text(text, currency.code)
    except InvalidInput as error:
        cells.errors["price"] = error.detail
        return None
    cells.checked("price", check_price, price)
    return price


def _read_row(line: int, raw: dict[str, str], now: dt.datetime) -> ListingRow:
    row = ListingRow(line, (raw.get("animal_id") or "").strip())
    cells = _Cells(raw, row.errors)
    row.animal_id = cells.typed("animal_id", uuid.UUID)
    title = cells.typed("title", Title)
    price = _price(cells)
    country = cells.typed("country", Country)
    description = cells.typed("description", Description, "")
    region = cells.typed("region", Region)
    shipping = cells.flag("shipping_available", False)
    pickup = cells.flag("pickup_available", True)
    publish = cells.flag("publish", False)
    expires_at = cells.typed("expires_at", dt.datetime)
    if expires_at is not None:
        cells.checked("expires_at", check_expiry, expires_at, now)
    if row.errors or row.animal_id is None or price is None:
        return row
    row.draft = ListingDraft(
        animal_id=row.animal_id,
        title=title,
        price=price,
        country=country,
        description=description,
        region=region,
        shipping_available=shipping,
        pickup_available=pickup,
        expires_at=expires_at,
        publish=publish,
    )
    return row


def _header(reader: Iterator[list[str]]) -> list[str]:
    header = [h.strip().lower() for h in next(reader, [])]
    expected = {"csv": f"columns: {', '.join(COLUMNS)}"}
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(
            f"The CSV needs a header row with the columns {', '.join(REQUIRED)} "
            f"(missing: {', '.join(missing)}).",
            field_errors=expected,
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(f"Unknown columns: {', '.join(unknown)}.", field_errors=expected)
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise InvalidInput(f"Columns named twice: {', '.join(twice)}.", field_errors=expected)
    return header


def _read(reader: Iterator[list[str]], now: dt.datetime) -> list[ListingRow]:
    header = _header(reader)
    rows: list[ListingRow] = []
    seen: dict[uuid.UUID, int] = {}
    for number, cells in enumerate(reader, start=2):  # a blank row keeps its number
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(
                f"At most {MAX_ROWS} listings per file; split it.",
                field_errors={"csv": f"more than {MAX_ROWS} rows"},
            )
        row = _read_row(number, dict(zip(header, cells, strict=False)), now)
        if len(cells) > len(header):
            row.errors["row"] = "more cells than columns"
        if row.animal_id is not None:
            first = seen.setdefault(row.animal_id, number)
            if first != number:
                row.errors["animal_id"] = f"the animal is also on line {first}"
        rows.append(row)
    return rows


def read_listing_rows(text: str, now: dt.datetime) -> list[ListingRow]:
    r"""Read the CSV text into rows with their problems (the cells, the price in its currency,
    the end after ``now``, an animal on two rows); :class:`InvalidInput` for a file that
    cannot be read at all (no header, unknown or missing columns, more than
    :data:`MAX_ROWS` rows, text the CSV reader refuses), before any row past the limit is read.

    >>> rows = read_listing_rows(
    ...     "animal_id,title,price,currency,country\r\nnope,Pastel,199.999,EUR,DE\r\n",
    ...     dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    ... )
    >>> [(r.line, sorted(r.errors)) for r in rows]
    [(2, ['animal_id', 'price'])]
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        return _read(reader, now)
    except csv.Error as error:
        raise InvalidInput(
            f"The CSV cannot be read at line {reader.line_num}: {error}.",
            field_errors={"csv": f"at line {reader.line_num}: {error}"},
        ) from error


async def look_up_animals(
    catalogue: AnimalCatalogue,
    actor: Member,
    rows: list[ListingRow],
    *,
    credential: str | None,
) -> dict[uuid.UUID, CatalogueAnimal | NotFound]:
    """The catalogue's answer for each distinct animal the rows name, asked once each,
    :data:`LOOKUPS_AT_ONCE` at a time (an animal not in the collection is its
    :class:`NotFound`). Any other failure (the collection unreachable) ends the import."""
    actor.require_writer()
    wanted = list(dict.fromkeys(r.animal_id for r in rows if r.animal_id is not None))
    found: dict[uuid.UUID, CatalogueAnimal | NotFound] = {}
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def look_up(animal_id: uuid.UUID) -> None:
        async with gate:
            try:
                found[animal_id] = await catalogue.animal(animal_id, credential=credential)
            except NotFound as missing:
                found[animal_id] = missing

    try:
        async with asyncio.TaskGroup() as group:
            for animal_id in wanted:
                group.create_task(look_up(animal_id))
    except ExceptionGroup as failed:  # the first failure; the other lookups are cancelled
        raise failed.exceptions[0] from None
    return found


def _snapshot(
    actor: Member, row: ListingRow, animals: dict[uuid.UUID, CatalogueAnimal | NotFound]
) -> AnimalSnapshot | None:
    if row.animal_id is None or row.animal_id not in animals:
        return None
    answer = animals[row.animal_id]
    try:
        if isinstance(answer, NotFound):
            raise answer
        return listable(actor, row.animal_id, answer)
    except DomainError as error:
        row.errors.setdefault("animal_id", error.detail)
        return None


async def import_listings(
    uow: CommerceUnitOfWork,
    actor: Member,
    rows: list[ListingRow],
    animals: dict[uuid.UUID, CatalogueAnimal | NotFound],
    *,
    dry_run: bool,
    now: dt.datetime,
) -> ListingImport:
    """Check each row's animal (the actor's, listable, not listed already) and make its
    listing; unless ``dry_run`` or a row has a problem, store them all and commit once."""
    actor.require_writer()
    snapshots: dict[int, AnimalSnapshot] = {}
    listed: dict[uuid.UUID, str | None] = {}  # each animal's listing problem, read once
    for row in rows:
        snapshot = _snapshot(actor, row, animals)
        if snapshot is None:
            continue
        if snapshot.animal_id not in listed:
            try:
                await require_unlisted(uow, actor, snapshot.animal_id)
                listed[snapshot.animal_id] = None
            except DomainError as error:
                listed[snapshot.animal_id] = error.detail
        problem = listed[snapshot.animal_id]
        if problem is not None:
            row.errors.setdefault("animal_id", problem)
            continue
        snapshots[row.line] = snapshot
    for row in rows:
        if not row.errors and row.draft is not None:
            row.listing = new_listing(actor, snapshots[row.line], row.draft, now)
    if dry_run or any(r.errors for r in rows):
        return ListingImport(rows, dry_run, stored=False)
    for row in rows:
        assert row.listing is not None  # every row is clean
        row.listing = await add_listing(uow, actor, row.listing)
    await uow.commit()
    return ListingImport(rows, dry_run, stored=True)


def report_errors(report: ListingImport) -> dict[str, str]:
    """The report's problems as field errors (``line 3: price``)."""
    return {
        f"line {row.line}: {name}": message
        for row in report.problems
        for name, message in row.errors.items()
    }
