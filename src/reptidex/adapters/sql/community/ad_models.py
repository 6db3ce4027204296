"""repti-community's advertising tables: campaigns, their days, organisations' ad credits and
the purchases that fed them, and the sightings that filter duplicate impressions and clicks.

Spend and credits are integers in thousandths of a minor unit (millis), 64-bit, with ``CHECK``
constraints that keep spend within the budget and credits at zero or more: the database
refuses what a racing charge might otherwise get past the application.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import JsonB
from sqlalchemy import BigInteger, CheckConstraint, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommunityModel


class AdCampaignRow(CommunityModel):
    """A campaign with its terms and its total spend."""

    __tablename__ = "ad_campaign"
    __table_args__ = (
        CheckConstraint("spent_millis >= 0", name="spent"),
        CheckConstraint("spent_millis <= total_budget_amount * 1000", name="within_budget"),
        Index("ix_ad_campaign_organisation", "organisation_id", "created_at"),
        Index("ix_ad_campaign_running", "status", "starts_on", "ends_on"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(120))
    boost: Mapped[str] = mapped_column(String(10))
    listing_ids: Mapped[list[Any]] = mapped_column(JsonB)
    status: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    daily_budget_amount: Mapped[int] = mapped_column(BigInteger)
    total_budget_amount: Mapped[int] = mapped_column(BigInteger)
    cpm: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    species: Mapped[list[Any]] = mapped_column(JsonB)
    genes: Mapped[list[Any]] = mapped_column(JsonB)
    countries: Mapped[list[Any]] = mapped_column(JsonB)
    spent_millis: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class AdCampaignDayRow(CommunityModel):
    """One UTC day of a campaign: impressions charged, clicks counted, spend."""

    __tablename__ = "ad_campaign_day"
    __table_args__ = (
        UniqueConstraint("campaign_id", "day", name="uq_ad_campaign_day"),
        CheckConstraint("spent_millis >= 0", name="spent"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column()
    organisation_id: Mapped[uuid.UUID] = mapped_column()
    day: Mapped[dt.date] = mapped_column(Date)
    impressions: Mapped[int] = mapped_column(BigInteger, default=0)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_millis: Mapped[int] = mapped_column(BigInteger, default=0)


class AdCreditAccountRow(CommunityModel):
    """An organisation's ad credits in one currency."""

    __tablename__ = "ad_credit_account"
    __table_args__ = (
        UniqueConstraint("organisation_id", "currency", name="uq_ad_credit_account"),
        CheckConstraint("balance_millis >= 0", name="balance"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    balance_millis: Mapped[int] = mapped_column(BigInteger, default=0)


class AdCreditPurchaseRow(CommunityModel):
    """A paid purchase of ad credits, credited once (its payment is unique)."""

    __tablename__ = "ad_credit_purchase"
    __table_args__ = (UniqueConstraint("payment_ref", name="uq_ad_credit_purchase_payment"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    payment_ref: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class AdSightingRow(CommunityModel):
    """A viewer's impression or click of a campaign's slot in one dedup window."""

    __tablename__ = "ad_sighting"
    __table_args__ = (
        UniqueConstraint("campaign_id", "kind", "slot", "viewer", "bucket", name="uq_ad_sighting"),
        Index("ix_ad_sighting_bucket", "bucket"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column()
    organisation_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(10))
    slot: Mapped[int] = mapped_column(Integer)
    viewer: Mapped[str] = mapped_column(String(64))
    bucket: Mapped[int] = mapped_column(BigInteger)
