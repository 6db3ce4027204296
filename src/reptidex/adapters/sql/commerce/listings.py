"""Listings in SQL: the marketplace's search and the sellers' own listings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlalchemy import ColumnElement, Select, column, delete, func, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession

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
_LISTING_GENE = table("listing_gene", column("gene"), column("zygosity"), column("listing_id"))
"""The genes of the available listings by zygosity (PostgreSQL, migration ``commerce_0014``)."""


def _has_gene(query: ListingQuery, postgres: bool) -> ColumnElement[bool]:
    """The listings with ``query``'s gene in its zygosity (``any``: in one of them). On
    PostgreSQL by equality in ``listing_gene`` (row-level security keeps ``LIKE``, which is not
    leakproof, from any index); on SQLite in the index columns."""
    zygosities = list(_INDEX_COLUMNS) if query.zygosity == "any" else [query.zygosity]
    if postgres:
        return ListingRow.id.in_(
            select(_LISTING_GENE.c.listing_id).where(
                _LISTING_GENE.c.gene == query.gene, _LISTING_GENE.c.zygosity.in_(zygosities)
            )
        )
    needle = f"%|{query.gene}|%"
    return or_(*(_INDEX_COLUMNS[z].like(needle) for z in zygosities))


def _filters(query: ListingQuery, postgres: bool) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [
        ListingRow.state == ListingState.AVAILABLE.value,
        or_(ListingRow.expires_at.is_(None), ListingRow.expires_at > query.now),
    ]
    if query.species:
        found.append(ListingRow.species == query.species)
    if query.gene:
        found.append(_has_gene(query, postgres))
    if query.sex:
        found.append(ListingRow.sex == query.sex)
    if query.min_price is not None:
        found.append(ListingRow.price_amount >= query.min_price)
    if query.max_price is not None:
        found.append(ListingRow.price_amount <= query.max_price)
    if query.currency:
        found.append(ListingRow.currency == query.currency)
    if query.seller:
        found.append(ListingRow.organisation_id == query.seller)
    if query.country:
        found.append(ListingRow.country == query.country)
    if query.shipping_available is not None:
        found.append(ListingRow.shipping_available == query.shipping_available)
    if query.text:
        text = query.text.lower()
        found.append(
            or_(
                func.lower(ListingRow.title).contains(text, autoescape=True),
                func.lower(ListingRow.description).contains(text, autoescape=True),
            )
        )
    return found


def _ordered(
    statement: Select[tuple[ListingRow]], query: ListingQuery
) -> Select[tuple[ListingRow]]:
    newest = (ListingRow.created_at.desc(), ListingRow.id)
    if query.sort == "price":
        return statement.order_by(ListingRow.price_amount, *newest)
    if query.sort == "-price":
        return statement.order_by(ListingRow.price_amount.desc(), *newest)
    if query.sort == "ending_soon":
        return statement.order_by(ListingRow.expires_at.is_(None), ListingRow.expires_at, *newest)
    return statement.order_by(*newest)


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
        filters = _filters(query, self.session.bind.dialect.name == "postgresql")
        total = await self.session.scalar(
            select(func.count()).select_from(ListingRow).where(*filters)
        )
        statement = _ordered(select(ListingRow).where(*filters), query)
        rows = await self.session.scalars(statement.limit(query.limit).offset(query.offset))
        return [listing_of(r) for r in rows], int(total or 0)

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
