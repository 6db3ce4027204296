"""The commerce use cases' unit of work in SQL: listings, orders, ledger, idempotency keys,
ownership transfer requests, the listings past their end, seller profiles, ratings,
inquiries, listing views, supplies and their reservations, a breeder's listings by state, the
animals' pedigree carrier odds and the outbox on one session."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.breeder_listings import SqlBreederListings
from reptidex.adapters.sql.commerce.het_odds import SqlKeptHetOdds
from reptidex.adapters.sql.commerce.idempotency import SqlIdempotencyKeys
from reptidex.adapters.sql.commerce.inquiries import SqlInquiries, SqlListingViews
from reptidex.adapters.sql.commerce.ledger import SqlLedger
from reptidex.adapters.sql.commerce.listing_expiry import SqlEndedListings
from reptidex.adapters.sql.commerce.listings import SqlListings
from reptidex.adapters.sql.commerce.orders import SqlOrders
from reptidex.adapters.sql.commerce.ownership import SqlOwnershipTransfers
from reptidex.adapters.sql.commerce.reputation import SqlRatings, SqlSellerProfiles
from reptidex.adapters.sql.commerce.reservations import SqlDueReservations, SqlReservations
from reptidex.adapters.sql.commerce.sales_records import SqlSalesRecords
from reptidex.adapters.sql.commerce.supplies import SqlSupplies
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.commerce.ports import ListingRenderer
from reptidex.domain.errors import Conflict


class SqlCommerceUnitOfWork:
    """The commerce use cases' unit of work on one session: the use case commits it. With
    ``documents``, listings written keep their public documents."""

    def __init__(self, session: AsyncSession, documents: ListingRenderer | None = None) -> None:
        self.session = session
        self.listings = SqlListings(session, documents)
        self.orders = SqlOrders(session)
        self.ledger = SqlLedger(session)
        self.idempotency = SqlIdempotencyKeys(session)
        self.ownership = SqlOwnershipTransfers(session)
        self.ended = SqlEndedListings(session)
        self.profiles = SqlSellerProfiles(session)
        self.ratings = SqlRatings(session)
        self.inquiries = SqlInquiries(session)
        self.views = SqlListingViews(session)
        self.sales = SqlSalesRecords(session)
        self.supplies = SqlSupplies(session)
        self.reservations = SqlReservations(session)
        self.due_reservations = SqlDueReservations(session)
        self.breeder_listings = SqlBreederListings(session)
        self.het_odds = SqlKeptHetOdds(session)
        self.outbox = SqlOutbox(session, "commerce")

    async def commit(self) -> None:
        """Commit the changes and the staged events together; a unique rule broken at commit
        (a racing order) is a :class:`Conflict`."""
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise Conflict("Another request changed the same thing first; try again.") from None

    async def bind_organisation(self, organisation_id: uuid.UUID) -> None:
        """Scope this transaction to ``organisation_id`` for PostgreSQL's row-level security
        (a transaction-local setting, passed as a bound parameter); a no-op on SQLite."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT set_config('reptidex.organisation_id', :organisation, true)"),
                {"organisation": str(organisation_id)},
            )
