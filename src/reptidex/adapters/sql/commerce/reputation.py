"""Seller profiles and ratings in SQL: one profile per organisation, one rating per order and
rating party (a unique constraint, so that two racing ratings make one)."""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import CheckConstraint, Index, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommerceModel
from reptidex.domain.commerce.order_model import Party
from reptidex.domain.commerce.ratings import Rating, RatingSummary
from reptidex.domain.commerce.sellers import SellerProfile, StorePolicy
from reptidex.domain.errors import Conflict


class SellerProfileRow(CommerceModel):
    """An organisation's public profile and store policy."""

    __tablename__ = "seller_profile"

    organisation_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    about: Mapped[str | None] = mapped_column(Text, default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    region: Mapped[str | None] = mapped_column(String(100), default=None)
    shipping_policy: Mapped[str | None] = mapped_column(Text, default=None)
    returns_policy: Mapped[str | None] = mapped_column(Text, default=None)
    payment_policy: Mapped[str | None] = mapped_column(Text, default=None)


class OrderRatingRow(CommerceModel):
    """A party's rating of the other party of a completed order."""

    __tablename__ = "order_rating"
    __table_args__ = (
        UniqueConstraint("order_id", "rater_organisation_id", name="uq_order_rating_rater"),
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_order_rating_score"),
        Index("ix_order_rating_rated", "rated_organisation_id", "rater_party"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column()
    rater_organisation_id: Mapped[uuid.UUID] = mapped_column()
    rated_organisation_id: Mapped[uuid.UUID] = mapped_column()
    rater_party: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    rated_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


def _profile(row: SellerProfileRow) -> SellerProfile:
    return SellerProfile(
        row.organisation_id,
        row.display_name,
        row.about,
        row.country,
        row.region,
        StorePolicy(row.shipping_policy, row.returns_policy, row.payment_policy),
        row.updated_at,
    )


class SqlSellerProfiles:
    """The :class:`~reptidex.domain.commerce.sellers.SellerProfiles` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: uuid.UUID) -> SellerProfile | None:
        """The organisation's profile, if written."""
        row = await self.session.scalar(
            select(SellerProfileRow).where(SellerProfileRow.organisation_id == organisation_id)
        )
        return None if row is None else _profile(row)

    async def save(self, profile: SellerProfile) -> SellerProfile:
        """Create or replace the organisation's profile."""
        row = await self.session.scalar(
            select(SellerProfileRow).where(
                SellerProfileRow.organisation_id == profile.organisation_id
            )
        )
        if row is None:
            row = SellerProfileRow(organisation_id=profile.organisation_id)
            self.session.add(row)
        row.display_name = profile.display_name
        row.about = profile.about
        row.country = profile.country
        row.region = profile.region
        row.shipping_policy = profile.policy.shipping
        row.returns_policy = profile.policy.returns
        row.payment_policy = profile.policy.payment
        if profile.updated_at is not None:
            row.updated_at = profile.updated_at
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict("The profile was written at the same time; try again.") from None
        return _profile(row)


class SqlRatings:
    """The :class:`~reptidex.domain.commerce.ratings.Ratings` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, rating: Rating) -> None:
        """Keep a rating; :class:`Conflict` when the rater rated the order already."""
        self.session.add(
            OrderRatingRow(
                order_id=rating.order_id,
                rater_organisation_id=rating.rater_organisation_id,
                rated_organisation_id=rating.rated_organisation_id,
                rater_party=rating.rater_party.value,
                score=rating.score,
                comment=rating.comment,
                rated_at=rating.rated_at,
            )
        )
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict("You already rated this order.") from None

    async def summary(self, organisation_id: uuid.UUID, *, as_seller: bool) -> RatingSummary:
        """The count and sum of the ratings the organisation received in one role."""
        rater = Party.BUYER if as_seller else Party.SELLER
        count, total = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(OrderRatingRow.score), 0)).where(
                    OrderRatingRow.rated_organisation_id == organisation_id,
                    OrderRatingRow.rater_party == rater.value,
                )
            )
        ).one()
        return RatingSummary(int(count), int(total))
