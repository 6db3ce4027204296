"""Listings in SQL: the marketplace's search and the sellers' own listings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.listing_documents import current_document, document_columns
from reptidex.adapters.sql.commerce.listing_search import (
    FIELDS,
    LISTING,
    price_rows,
    search_documents_rows,
    search_rows,
)
from reptidex.adapters.sql.commerce.mapping import listing_columns, listing_of
from reptidex.adapters.sql.commerce.models import ListingRow
from reptidex.adapters.sql.commerce.versioned import compare_and_set
from reptidex.domain.commerce.listing_model import Listing, ListingState
from reptidex.domain.commerce.ports import ListingQuery, ListingRenderer
from reptidex.domain.errors import Conflict


class SqlListings:
    """The :class:`~reptidex.domain.commerce.ports.Listings` port on one session; with
    ``documents``, every listing written keeps its public document beside its row."""

    def __init__(self, session: AsyncSession, documents: ListingRenderer | None = None) -> None:
        self.session = session
        self.documents = documents

    async def get(self, listing_id: uuid.UUID) -> Listing | None:
        """The listing, if the transaction may see it."""
        row = await self.session.get(ListingRow, listing_id, populate_existing=True)
        return None if row is None else listing_of(row)

    async def add(self, listing: Listing) -> Listing:
        """Store a new listing."""
        at = listing.created_at or dt.datetime.now(dt.UTC)
        columns = listing_columns(listing)
        if self.documents is not None:
            columns |= document_columns(
                self.documents, listing.id, listing.version, at, at, columns
            )
        row = ListingRow(id=listing.id, version=listing.version, **columns)
        row.created_at = row.updated_at = at
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError:  # the only unique rule of a listing: its external reference
            raise Conflict(
                f"The organisation already has a listing imported as {listing.external_ref!r}."
            ) from None
        return listing_of(row)

    async def update(self, listing: Listing) -> Listing:
        """Store a changed listing if nobody changed it since it was read."""
        at = dt.datetime.now(dt.UTC)
        columns = listing_columns(listing)
        if self.documents is not None:
            columns |= document_columns(
                self.documents, listing.id, listing.version + 1, listing.created_at, at, columns
            )
        version = await compare_and_set(
            self.session, ListingRow, listing.id, listing.version, columns, "listing", at=at
        )
        return dataclasses.replace(listing, version=version)

    async def remove(self, listing: Listing) -> None:
        """Delete a listing."""
        await self.session.execute(delete(ListingRow).where(ListingRow.id == listing.id))

    async def search(self, query: ListingQuery) -> tuple[list[Listing], int]:
        """A page of the open listings matching ``query``, and the total."""
        postgres = self.session.bind.dialect.name == "postgresql"
        rows, total = await search_rows(self.session, query, postgres)
        return [listing_of(r) for r in rows], total

    async def search_documents(
        self, query: ListingQuery, *, counted: bool = True
    ) -> tuple[list[bytes], int | None]:
        """A page of the open listings matching ``query`` as their public documents, and
        the total (``None`` unless ``counted``): the kept documents of the rows
        (PostgreSQL), the others rendered from their rows."""
        documents = self.documents
        if documents is None:
            raise RuntimeError("the listings were opened without the service's renderer")
        if self.session.bind.dialect.name != "postgresql":
            listings, total = await self.search(query)
            return [documents.render(listing) for listing in listings], total if counted else None
        rows, counted_total = await search_documents_rows(self.session, query, counted)
        found = [current_document(documents, row["document"], row["document_tag"]) for row in rows]
        stale = [row["id"] for row, document in zip(rows, found, strict=True) if document is None]
        if stale:
            fresh = {
                row.id: documents.render(listing_of(row))
                for row in await self.session.execute(select(*FIELDS).where(LISTING.id.in_(stale)))
            }
            # a row changed since the page was read is left out, as a later read would
            found = [
                fresh.get(row["id"]) if document is None else document
                for row, document in zip(rows, found, strict=True)
            ]
        return [document for document in found if document is not None], counted_total

    async def prices(
        self, query: ListingQuery, at_most: int
    ) -> list[tuple[int, dt.datetime | None]]:
        """The price and end of every available listing matching ``query`` but its price
        bounds (not its text), cheapest first, at most ``at_most`` of them."""
        return await price_rows(self.session, query, at_most)

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

    async def by_external_refs(
        self, organisation_id: uuid.UUID, refs: Sequence[str]
    ) -> list[Listing]:
        """The organisation's listings imported under any of ``refs``."""
        if not refs:
            return []
        rows = await self.session.scalars(
            select(ListingRow).where(
                ListingRow.organisation_id == organisation_id,
                ListingRow.external_ref.in_(list(refs)),
            )
        )
        return [listing_of(r) for r in rows]
