"""repti-ops' table of partner marketplace feeds (migration ``ops_0007``)."""

from __future__ import annotations

import uuid

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import OpsModel


class MarketplaceFeedRow(OpsModel):
    """An organisation's feed for one partner marketplace: the digest of its token."""

    __tablename__ = "marketplace_feed"
    __table_args__ = (
        Index("uq_marketplace_feed_partner", "organisation_id", "partner_key", unique=True),
        Index("uq_marketplace_feed_token", "token_digest", unique=True),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    partner: Mapped[str] = mapped_column(String(100))
    partner_key: Mapped[str] = mapped_column(String(100))
    """The partner's name folded (one feed per partner and organisation)."""
    token_digest: Mapped[str] = mapped_column(String(64))
    """The hex SHA-256 of the feed's token (the token itself is never stored)."""
