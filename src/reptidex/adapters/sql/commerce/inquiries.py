"""Inquiries and listing views in SQL. Views are rows of their own (one per view, counted on
read), so that anyone may add one without being able to change another's counts."""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Index, Text, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommerceModel
from reptidex.domain.commerce.inquiries import Inquiry, Side
from reptidex.domain.commerce.listing_model import Listing


class InquiryRow(CommerceModel):
    """A buyer's question about a listing, and the seller's answer."""

    __tablename__ = "listing_inquiry"
    __table_args__ = (
        Index("ix_listing_inquiry_seller", "seller_organisation_id", "listing_id"),
        Index("ix_listing_inquiry_buyer", "buyer_organisation_id"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column()
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column()
    buyer_organisation_id: Mapped[uuid.UUID] = mapped_column()
    message: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )


class ListingViewRow(CommerceModel):
    """One view of a listing by someone other than its seller."""

    __tablename__ = "listing_view"
    __table_args__ = (Index("ix_listing_view_listing", "listing_id"),)

    listing_id: Mapped[uuid.UUID] = mapped_column()
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column()
    viewed_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


def _inquiry(row: InquiryRow) -> Inquiry:
    return Inquiry(
        row.id,
        row.listing_id,
        row.seller_organisation_id,
        row.buyer_organisation_id,
        row.message,
        row.asked_at,
        row.answer,
        row.answered_at,
    )


class SqlInquiries:
    """The :class:`~reptidex.domain.commerce.inquiries.Inquiries` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, inquiry: Inquiry) -> None:
        """Keep a new inquiry."""
        self.session.add(
            InquiryRow(
                id=inquiry.id,
                listing_id=inquiry.listing_id,
                seller_organisation_id=inquiry.seller_organisation_id,
                buyer_organisation_id=inquiry.buyer_organisation_id,
                message=inquiry.message,
                asked_at=inquiry.asked_at,
            )
        )
        await self.session.flush()

    async def get(self, inquiry_id: uuid.UUID) -> Inquiry | None:
        """The inquiry, if the transaction may see it."""
        row = await self.session.get(InquiryRow, inquiry_id, populate_existing=True)
        return None if row is None else _inquiry(row)

    async def answer(self, inquiry: Inquiry) -> bool:
        """Store the answer unless one is there already (two racing answers make one)."""
        result = await self.session.execute(
            update(InquiryRow)
            .where(InquiryRow.id == inquiry.id, InquiryRow.answer.is_(None))
            .values(
                answer=inquiry.answer,
                answered_at=inquiry.answered_at,
                updated_at=dt.datetime.now(dt.UTC),
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def of_organisation(
        self,
        organisation_id: uuid.UUID,
        side: Side | None,
        listing_id: uuid.UUID | None,
        answered: bool | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Inquiry], int]:
        """A page of the organisation's inquiries, newest first, and the total."""
        sides = {
            "buyer": InquiryRow.buyer_organisation_id == organisation_id,
            "seller": InquiryRow.seller_organisation_id == organisation_id,
        }
        filters = [sides[side] if side is not None else (sides["buyer"] | sides["seller"])]
        if listing_id is not None:
            filters.append(InquiryRow.listing_id == listing_id)
        if answered is not None:
            filters.append(
                InquiryRow.answer.is_not(None) if answered else InquiryRow.answer.is_(None)
            )
        total = await self.session.scalar(
            select(func.count()).select_from(InquiryRow).where(*filters)
        )
        rows = await self.session.scalars(
            select(InquiryRow)
            .where(*filters)
            .order_by(InquiryRow.asked_at.desc(), InquiryRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [_inquiry(r) for r in rows], int(total or 0)

    async def counts(self, listing_id: uuid.UUID) -> tuple[int, int]:
        """The listing's inquiries and the unanswered ones (as the transaction sees them)."""
        total, unanswered = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count().filter(InquiryRow.answer.is_(None)),
                ).where(InquiryRow.listing_id == listing_id)
            )
        ).one()
        return int(total), int(unanswered)


class SqlListingViews:
    """The :class:`~reptidex.domain.commerce.inquiries.ListingViews` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self, listing: Listing, at: dt.datetime) -> None:
        """Add a view of the listing."""
        self.session.add(
            ListingViewRow(
                listing_id=listing.id,
                seller_organisation_id=listing.organisation_id,
                viewed_at=at,
            )
        )
        await self.session.flush()

    async def of_listing(self, listing_id: uuid.UUID) -> int:
        """How often the listing was viewed (as the transaction sees its views)."""
        found = await self.session.scalar(
            select(func.count())
            .select_from(ListingViewRow)
            .where(ListingViewRow.listing_id == listing_id)
        )
        return int(found or 0)
