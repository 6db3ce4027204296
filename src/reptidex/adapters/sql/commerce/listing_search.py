"""The marketplace search's statements: on PostgreSQL in ``listing_search`` (migration
``commerce_0015``), on SQLite in ``listing``; each built once per shape (which filters, which
sort) with its values as parameters, so a search only binds them."""

from __future__ import annotations

import datetime as dt
import functools
import operator
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Row,
    Select,
    String,
    Text,
    Uuid,
    bindparam,
    column,
    func,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from reptidex.adapters.sql.commerce.models import ListingRow
from reptidex.adapters.sql.driver import DriverStatement, driver_of
from reptidex.domain.commerce.listing_model import ListingState
from reptidex.domain.commerce.ports import ListingQuery

SEARCH = table(
    "listing_search",
    column("gene", Text),
    column("zygosity", String),
    column("listing_id", Uuid),
    column("price_amount", BigInteger),
    column("currency", String),
    column("created_at", DateTime(timezone=True)),
    column("expires_at", DateTime(timezone=True)),
    column("species", String),
    column("sex", String),
    column("organisation_id", Uuid),
    column("country", String),
    column("shipping_available", Boolean),
)
"""What the search filters and sorts on, a row per available listing and gene key in each of
its zygosities and ``any``, and with the gene ``""`` (``any``) for every search without a gene
(PostgreSQL)."""
LISTING = ListingRow.__table__.c
"""The listing table's columns: a search reads its rows without the ORM's bookkeeping."""
DOCUMENT = (LISTING.id, LISTING.document, LISTING.document_tag)
"""What a search for documents reads of a listing."""
FIELDS = tuple(c for c in LISTING if c.key not in ("document", "document_tag"))
"""What a search for listings reads of a listing: all but its document."""
INDEX_COLUMNS = {
    "visual": LISTING.visual_index,
    "het": LISTING.het_index,
    "possible_het": LISTING.possible_het_index,
}
"""Each zygosity's gene index column (``|pastel|clown|``; SQLite)."""
FILTERS: dict[str, tuple[str, Callable[[Any, Any], ColumnElement[bool]]]] = {
    "species": ("species", operator.eq),
    "sex": ("sex", operator.eq),
    "min_price": ("price_amount", operator.ge),
    "max_price": ("price_amount", operator.le),
    "currency": ("currency", operator.eq),
    "seller": ("organisation_id", operator.eq),
    "country": ("country", operator.eq),
    "shipping_available": ("shipping_available", operator.eq),
}
"""Each optional filter of :class:`ListingQuery`: the column it compares, and how."""
ESCAPE = "/"
"""The escape character of the text search's ``LIKE`` pattern."""

Columns = ReadOnlyColumnCollection[str, Any]


@dataclass(frozen=True, slots=True)
class Shape:
    """What a search's statement depends on besides its values."""

    postgres: bool
    filters: tuple[str, ...]
    gene: bool
    zygosity: str
    text: bool
    sort: str
    documents: bool = False
    """Whether the page reads the rows' documents (their ids, documents and tags) rather than
    every column."""
    counted: bool = True
    """Whether the page carries the ``total`` (else the caller counts it)."""


def shape_of(
    query: ListingQuery, postgres: bool, documents: bool = False, counted: bool = True
) -> Shape:
    """The shape of ``query``'s statement (reading the rows' documents with ``documents``,
    without the total unless ``counted``)."""
    return Shape(
        postgres=postgres,
        filters=tuple(name for name in FILTERS if _given(getattr(query, name))),
        gene=bool(query.gene),
        # on PostgreSQL the zygosity is a value like the gene; on SQLite it picks the columns
        zygosity="" if postgres else query.zygosity,
        text=bool(query.text),
        sort=query.sort,
        documents=documents,
        counted=counted,
    )


def _given(value: object) -> bool:
    return value is not None and value != ""


def values_of(query: ListingQuery) -> dict[str, Any]:
    """The parameters of ``query``'s statement."""
    values: dict[str, Any] = {
        name: getattr(query, name) for name in FILTERS if _given(getattr(query, name))
    }
    values.update(
        now=query.now,
        gene=query.gene or "",
        zygosity=query.zygosity if query.gene else "any",
        needle=f"%|{query.gene or ''}|%",
        limit=query.limit,
        offset=query.offset,
    )
    if query.text:
        escaped = query.text.lower()
        for special in (ESCAPE, "%", "_"):
            escaped = escaped.replace(special, ESCAPE + special)
        values["text"] = f"%{escaped}%"
    return values


def _filters(shape: Shape, of: Columns, *, ends: bool = True) -> list[ColumnElement[bool]]:
    """The end (unless not ``ends``) and the optional filters, on the columns ``of``."""
    found = [or_(of.expires_at.is_(None), of.expires_at > bindparam("now"))] if ends else []
    for name in shape.filters:
        column_name, compare = FILTERS[name]
        found.append(compare(of[column_name], bindparam(name)))
    return found


def _text() -> ColumnElement[bool]:
    """Title or description contains the text (case-insensitive, ``%`` and ``_`` literal)."""
    return or_(
        *(
            func.lower(c).like(bindparam("text"), escape=ESCAPE)
            for c in (LISTING.title, LISTING.description)
        )
    )


def _order(shape: Shape, of: Columns, ident: ColumnElement[uuid.UUID]) -> list[Any]:
    """The sort keys on the columns ``of`` (ties: newest first, then by id)."""
    newest = [of.created_at.desc(), ident]
    if shape.sort == "price":
        return [of.price_amount, *newest]
    if shape.sort == "-price":
        return [of.price_amount.desc(), *newest]
    if shape.sort == "ending_soon":
        return [of.expires_at.is_(None), of.expires_at, *newest]
    return newest


@functools.lru_cache(maxsize=512)
def statements(shape: Shape) -> tuple[Select[Any], Select[tuple[int]]]:
    """The statement of a page of ``shape`` (the listings' columns and the ``total``) and of
    its count alone."""
    if not shape.postgres:
        return _listing_statements(shape)
    by = SEARCH.c
    wanted = DOCUMENT if shape.documents else FIELDS
    found = _let_through(shape)
    order = _order(shape, by, by.listing_id)
    if shape.text:
        # the text is in the listing: join it, with its state as a guard
        found += [LISTING.state == ListingState.AVAILABLE.value, _text()]
        joined = SEARCH.join(ListingRow, LISTING.id == by.listing_id)
        count = select(func.count()).select_from(joined).where(*found)
        page = select(*wanted).select_from(joined).where(*found).order_by(*order)
        page = page.limit(bindparam("limit")).offset(bindparam("offset"))
    else:
        count = select(func.count()).select_from(SEARCH).where(*found)
        ids = (
            select(by.listing_id, by.price_amount, by.created_at, by.expires_at)
            .where(*found)
            .order_by(*order)
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
            .subquery("page")
        )
        page = (
            select(*wanted)
            .join_from(ListingRow, ids, LISTING.id == ids.c.listing_id)
            .order_by(*_order(shape, ids.c, ids.c.listing_id))
        )
    return _with_total(shape, page, count), count


def _with_total(shape: Shape, page: Select[Any], count: Select[tuple[int]]) -> Select[Any]:
    """``page`` with the ``total`` column if ``shape`` is counted."""
    return page.add_columns(count.scalar_subquery().label("total")) if shape.counted else page


def _let_through(shape: Shape, *, ends: bool = True) -> list[ColumnElement[bool]]:
    """What a search of ``shape`` lets through but its text: on PostgreSQL the rows of
    ``listing_search`` of its gene and zygosity, on SQLite the available rows of ``listing``
    with the gene in its index columns; then the end (unless not ``ends``) and the filters."""
    if shape.postgres:
        by = SEARCH.c
        found = [by.gene == bindparam("gene"), by.zygosity == bindparam("zygosity")]
        return found + _filters(shape, by, ends=ends)
    found = [LISTING.state == ListingState.AVAILABLE.value, *_filters(shape, LISTING, ends=ends)]
    if shape.gene:
        zygosities = list(INDEX_COLUMNS) if shape.zygosity == "any" else [shape.zygosity]
        found.append(or_(*(INDEX_COLUMNS[z].like(bindparam("needle")) for z in zygosities)))
    return found


def _listing_statements(shape: Shape) -> tuple[Select[Any], Select[tuple[int]]]:
    """The statements in ``listing`` itself (SQLite): the gene in its index columns."""
    found = _let_through(shape)
    if shape.text:
        found.append(_text())
    count = select(func.count()).select_from(ListingRow).where(*found)
    page = (
        select(*FIELDS)
        .where(*found)
        .order_by(*_order(shape, LISTING, LISTING.id))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return _with_total(shape, page, count), count


PRICE_BOUNDS = ("min_price", "max_price")
"""The filters a table of prices leaves to its counts."""


def prices_shape(query: ListingQuery, postgres: bool) -> Shape:
    """The shape of the prices of ``query``'s listings: its filters but the price bounds."""
    shape = shape_of(query, postgres)
    kept = tuple(name for name in shape.filters if name not in PRICE_BOUNDS)
    return Shape(shape.postgres, kept, shape.gene, shape.zygosity, False, "price")


@functools.lru_cache(maxsize=512)
def prices_statement(shape: Shape) -> Select[tuple[int, dt.datetime | None]]:
    """The price and end of every available listing that ``shape``'s filters (not the end,
    not a text) let through, cheapest first, at most ``rows`` of them."""
    of = SEARCH.c if shape.postgres else LISTING
    return (
        select(of.price_amount, of.expires_at)
        .where(*_let_through(shape, ends=False))
        .order_by(of.price_amount)
        .limit(bindparam("rows"))
    )


async def search_rows(
    session: AsyncSession, query: ListingQuery, postgres: bool
) -> tuple[list[Row[Any]], int]:
    """The rows of ``query``'s page and the total, read together in one statement (one
    snapshot, one round trip); the count alone only for a page past the end."""
    page, count = statements(shape_of(query, postgres))
    values = values_of(query)
    rows = list(await session.execute(page, values))
    if rows:
        return rows, int(rows[0].total)
    if query.offset == 0:
        return rows, 0
    return rows, int(await session.scalar(count, values) or 0)


@functools.lru_cache(maxsize=512)
def driver_statements(shape: Shape) -> tuple[DriverStatement, DriverStatement]:
    """The page and count statements of ``shape`` as asyncpg runs them."""
    page, count = (DriverStatement.of(s) for s in statements(shape))
    return page, count


async def search_documents_rows(
    session: AsyncSession, query: ListingQuery, counted: bool = True
) -> tuple[list[Mapping[str, Any]], int | None]:
    """:func:`search_rows` of the listings' documents on PostgreSQL, run by asyncpg itself on
    the session's connection: the page needs neither the ORM's result processing nor a
    transaction of its own (one statement is one snapshot), so it is one round trip. Without
    the total (``None``) unless ``counted``."""
    page, count = driver_statements(shape_of(query, True, True, counted))
    values = values_of(query)
    driver = await driver_of(session)
    rows: list[Mapping[str, Any]] = await driver.fetch(page.text, *page.arguments(values))
    if not counted:
        return rows, None
    if rows:
        return rows, int(rows[0]["total"])
    if query.offset == 0:
        return rows, 0
    return rows, int(await driver.fetchval(count.text, *count.arguments(values)) or 0)


async def price_rows(
    session: AsyncSession, query: ListingQuery, at_most: int
) -> list[tuple[int, dt.datetime | None]]:
    """The rows of :func:`prices_statement` for ``query``; on PostgreSQL run by asyncpg
    itself."""
    postgres = session.bind.dialect.name == "postgresql"
    shape = prices_shape(query, postgres)
    values = {**values_of(query), "rows": at_most}
    if not postgres:
        return [(row[0], row[1]) for row in await session.execute(prices_statement(shape), values)]
    prices = price_statements(shape)
    driver = await driver_of(session)
    return [(row[0], row[1]) for row in await driver.fetch(prices.text, *prices.arguments(values))]


@functools.lru_cache(maxsize=512)
def price_statements(shape: Shape) -> DriverStatement:
    """:func:`prices_statement` of ``shape`` as asyncpg runs it."""
    return DriverStatement.of(prices_statement(shape))
