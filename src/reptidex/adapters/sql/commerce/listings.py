"""Listings in SQL: the marketplace's search and the sellers' own listings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
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
    column,
    delete,
    func,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from reptidex.adapters.sql.commerce.mapping import listing_columns, listing_of
from reptidex.adapters.sql.commerce.models import ListingRow
from reptidex.adapters.sql.commerce.versioned import compare_and_set
from reptidex.domain.commerce.listing_model import Listing, ListingState
from reptidex.domain.commerce.ports import ListingQuery

_INDEX_COLUMNS = {
    "visual": ListingRow.visual_index,
    "het": ListingRow.het_index,
    "possible_het": ListingRow.possible_het_index,
}
"""Each zygosity's gene index column (``|pastel|clown|``)."""
_SEARCH = table(
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
(PostgreSQL, migration ``commerce_0015``)."""


_Columns = ReadOnlyColumnCollection[str, Any]
"""The columns a search filters and sorts on (of ``listing`` or ``listing_search``)."""

_LISTING = ListingRow.__table__.c
"""The listing table's columns: a search reads its rows without the ORM's bookkeeping."""


def _has_gene(query: ListingQuery) -> ColumnElement[bool]:
    """The listings with ``query``'s gene in its zygosity (``any``: in one of them), by the
    gene index columns (``|pastel|clown|``; SQLite)."""
    zygosities = list(_INDEX_COLUMNS) if query.zygosity == "any" else [query.zygosity]
    needle = f"%|{query.gene}|%"
    return or_(*(_INDEX_COLUMNS[z].like(needle) for z in zygosities))


def _text(query: ListingQuery) -> ColumnElement[bool]:
    """Title or description contains the text (case-insensitive, ``%`` and ``_`` literal)."""
    text = (query.text or "").lower()
    return or_(
        func.lower(ListingRow.title).contains(text, autoescape=True),
        func.lower(ListingRow.description).contains(text, autoescape=True),
    )


def _filters(query: ListingQuery, of: _Columns) -> list[ColumnElement[bool]]:
    """Every filter but the gene, the state and the text, on the columns ``of``."""
    found: list[ColumnElement[bool]] = [
        or_(of.expires_at.is_(None), of.expires_at > query.now),
    ]
    if query.species:
        found.append(of.species == query.species)
    if query.sex:
        found.append(of.sex == query.sex)
    if query.min_price is not None:
        found.append(of.price_amount >= query.min_price)
    if query.max_price is not None:
        found.append(of.price_amount <= query.max_price)
    if query.currency:
        found.append(of.currency == query.currency)
    if query.seller:
        found.append(of.organisation_id == query.seller)
    if query.country:
        found.append(of.country == query.country)
    if query.shipping_available is not None:
        found.append(of.shipping_available == query.shipping_available)
    return found


def _order(query: ListingQuery, of: _Columns, ident: ColumnElement[uuid.UUID]) -> list[Any]:
    """The sort keys of ``query`` on the columns ``of`` (ties: newest first, then by id)."""
    newest = [of.created_at.desc(), ident]
    if query.sort == "price":
        return [of.price_amount, *newest]
    if query.sort == "-price":
        return [of.price_amount.desc(), *newest]
    if query.sort == "ending_soon":
        return [of.expires_at.is_(None), of.expires_at, *newest]
    return newest


async def _page_and_total(
    session: AsyncSession, page: Select[Any], count: Select[tuple[int]], query: ListingQuery
) -> tuple[list[Row[Any]], int]:
    """The rows of ``page`` and the total ``count`` finds, read together in one statement
    (one snapshot, one round trip); ``count`` alone only for a page past the end."""
    rows = list(await session.execute(page.add_columns(count.scalar_subquery().label("total"))))
    if rows:
        return rows, int(rows[0].total)
    if query.offset == 0:
        return rows, 0
    return rows, int(await session.scalar(count) or 0)


async def _search_listing(session: AsyncSession, query: ListingQuery) -> tuple[list[Row[Any]], int]:
    """A page and the total, read from ``listing`` (SQLite)."""
    found = [ListingRow.state == ListingState.AVAILABLE.value, *_filters(query, _LISTING)]
    if query.gene:
        found.append(_has_gene(query))
    if query.text:
        found.append(_text(query))
    page = (
        select(*_LISTING)
        .where(*found)
        .order_by(*_order(query, _LISTING, _LISTING.id))
        .limit(query.limit)
        .offset(query.offset)
    )
    count = select(func.count()).select_from(ListingRow).where(*found)
    return await _page_and_total(session, page, count, query)


async def _search_index(session: AsyncSession, query: ListingQuery) -> tuple[list[Row[Any]], int]:
    """A page and the total, found in ``listing_search`` (PostgreSQL): the count in it alone
    (with the listings' text when searched), the page in the index of its sort, and only the
    page's listings read."""
    by = _SEARCH.c
    found = [
        by.gene == (query.gene or ""),
        by.zygosity == (query.zygosity if query.gene else "any"),
        *_filters(query, by),
    ]
    order = _order(query, by, by.listing_id)
    if query.text:
        # the text is in the listing: join it, with its state as a guard
        found += [ListingRow.state == ListingState.AVAILABLE.value, _text(query)]
        joined = _SEARCH.join(ListingRow, ListingRow.id == by.listing_id)
        count = select(func.count()).select_from(joined).where(*found)
        page = (
            select(*_LISTING)
            .select_from(joined)
            .where(*found)
            .order_by(*order)
            .limit(query.limit)
            .offset(query.offset)
        )
        return await _page_and_total(session, page, count, query)
    count = select(func.count()).select_from(_SEARCH).where(*found)
    ids = (
        select(by.listing_id, by.price_amount, by.created_at, by.expires_at)
        .where(*found)
        .order_by(*order)
        .limit(query.limit)
        .offset(query.offset)
        .subquery("page")
    )
    page = (
        select(*_LISTING)
        .join_from(ListingRow, ids, ListingRow.id == ids.c.listing_id)
        .order_by(*_order(query, ids.c, ids.c.listing_id))
    )
    return await _page_and_total(session, page, count, query)


class SqlListings:
    """The :class:`~reptidex.domain.commerce.ports.Listings` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, listing_id: uuid.UUID) -> Listing | None:
        """The listing, if the transaction may see it."""
        row = await self.session.get(ListingRow, listing_id, populate_existing=True)
        return None if row is None else listing_of(row)

    async def add(self, listing: Listing) -> Listing:
        """Store a new listing."""
        row = ListingRow(id=listing.id, version=listing.version, **listing_columns(listing))
        if listing.created_at is not None:
            row.created_at = row.updated_at = listing.created_at
        self.session.add(row)
        await self.session.flush()
        return listing_of(row)

    async def update(self, listing: Listing) -> Listing:
        """Store a changed listing if nobody changed it since it was read."""
        version = await compare_and_set(
            self.session, ListingRow, listing.id, listing.version, listing_columns(listing),
            "listing",
        )  # fmt: skip
        return dataclasses.replace(listing, version=version)

    async def remove(self, listing: Listing) -> None:
        """Delete a listing."""
        await self.session.execute(delete(ListingRow).where(ListingRow.id == listing.id))

    async def search(self, query: ListingQuery) -> tuple[list[Listing], int]:
        """A page of the open listings matching ``query``, and the total."""
        if self.session.bind.dialect.name == "postgresql":
            rows, total = await _search_index(self.session, query)
        else:
            rows, total = await _search_listing(self.session, query)
        return [listing_of(r) for r in rows], total

    async def next_end(self, after: dt.datetime) -> dt.datetime | None:
        """The earliest end after ``after`` of an available listing."""
        end: dt.datetime | None = await self.session.scalar(
            select(func.min(ListingRow.expires_at)).where(
                ListingRow.state == ListingState.AVAILABLE.value, ListingRow.expires_at > after
            )
        )
        return end

    async def of_seller(
        self, organisation_id: uuid.UUID, state: ListingState | None, limit: int, offset: int
    ) -> tuple[list[Listing], int]:
        """A page of the organisation's listings, newest first, and the total."""
        filters = [ListingRow.organisation_id == organisation_id]
        if state is not None:
            filters.append(ListingRow.state == state.value)
        total = await self.session.scalar(
            select(func.count()).select_from(ListingRow).where(*filters)
        )
        rows = await self.session.scalars(
            select(ListingRow)
            .where(*filters)
            .order_by(ListingRow.created_at.desc(), ListingRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [listing_of(r) for r in rows], int(total or 0)

    async def current_for_animal(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID
    ) -> Listing | None:
        """The organisation's listing of the animal that is neither sold nor expired."""
        row = await self.session.scalar(
            select(ListingRow)
            .where(
                ListingRow.organisation_id == organisation_id,
                ListingRow.animal_id == animal_id,
                ListingRow.state.not_in((ListingState.SOLD.value, ListingState.EXPIRED.value)),
            )
            .limit(1)
        )
        return None if row is None else listing_of(row)
