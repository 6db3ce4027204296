"""repti-community's engagement tables (migration ``community_0007``): the platform's
searches per day and per normalised query, and per organisation the queries whose first page
showed its public things. No user and no address is kept: only words and counts per day."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommunityModel


class SearchDayRow(CommunityModel):
    """A day's searches, those without results, and those whose query was not kept."""

    __tablename__ = "search_day"
    __table_args__ = (UniqueConstraint("day", name="uq_search_day"),)

    day: Mapped[dt.date] = mapped_column(Date())
    searches: Mapped[int] = mapped_column(BigInteger())
    empty: Mapped[int] = mapped_column(BigInteger())
    unrecorded: Mapped[int] = mapped_column(BigInteger())


class SearchQueryDayRow(CommunityModel):
    """A normalised query's searches on a day, and how many found nothing."""

    __tablename__ = "search_query_day"
    __table_args__ = (UniqueConstraint("day", "query", name="uq_search_query_day"),)

    day: Mapped[dt.date] = mapped_column(Date())
    query: Mapped[str] = mapped_column(String(100))
    searches: Mapped[int] = mapped_column(BigInteger())
    empty: Mapped[int] = mapped_column(BigInteger())


class SearchShowingDayRow(CommunityModel):
    """How often a query's first page showed an organisation's things on a day."""

    __tablename__ = "search_showing_day"
    __table_args__ = (
        UniqueConstraint("organisation_id", "day", "query", name="uq_search_showing_day"),
        Index("ix_search_showing_day_day", "day"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    day: Mapped[dt.date] = mapped_column(Date())
    query: Mapped[str] = mapped_column(String(100))
    searches: Mapped[int] = mapped_column(BigInteger())
