"""The bodies of the partner marketplace endpoints."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from reptidex.domain.integrations.marketplaces.layout import MAX_FILE_BYTES
from reptidex.domain.integrations.marketplaces.model import (
    ImportReport,
    MarketplaceFeed,
    RowReport,
)

PartnerName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]


def feed_path(feed_id: uuid.UUID) -> str:
    """Where the feed is read (a partner adds ``?token=``)."""
    return f"/integrations/marketplaces/{feed_id}/feed.csv"


class MarketplaceConfigure(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="partner_marketplace",
):
    """A partner marketplace's feed to enable (``kind``: ``partner_marketplace``; one per
    partner, by name), or, with ``rotate_token``, a new token for it (the old one stops)."""

    partner: PartnerName
    rotate_token: bool = False


class MarketplaceView(msgspec.Struct, frozen=True):
    """A partner marketplace integration (never its token)."""

    id: uuid.UUID
    kind: str
    partner: str
    feed_path: str
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


class MarketplaceAnswer(MarketplaceView, frozen=True):
    """The integration; whether it was made now (``created``); and, when it was made or its
    token replaced, the feed token (``feed_token``), **shown this once**: the partner reads
    ``feed_path?token=<feed_token>``."""

    created: bool = False
    feed_token: str | None = None


class MarketplaceList(msgspec.Struct, frozen=True):
    """The organisation's partner marketplaces."""

    items: list[MarketplaceView]


def marketplace_view(feed: MarketplaceFeed) -> MarketplaceView:
    """The body of an integration."""
    return MarketplaceView(
        feed.id,
        "partner_marketplace",
        feed.partner,
        feed_path(feed.id),
        feed.created_at,
        feed.updated_at,
    )


CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{3}$")]
CountryCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2}$")]


class ListingImportRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A partner's export as CSV text; ``dry_run`` (the default) only reports. ``currency``
    and ``country`` stand for the rows' empty cells."""

    csv: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_FILE_BYTES)]
    dry_run: bool = True
    currency: CurrencyCode | None = None
    country: CountryCode | None = None


class ListingRowView(msgspec.Struct, frozen=True):
    """A row's outcome: ``applied`` (listed; on a dry run: would be), ``unchanged`` (its
    partner listing id was imported before), ``bad`` (with the reason) or ``failed``
    (repti-commerce refused)."""

    line: int
    outcome: str
    detail: str
    partner_listing_id: str
    animal: str
    animal_id: uuid.UUID | None
    listing_id: uuid.UUID | None


class ListingImportView(msgspec.Struct, frozen=True):
    """What an import did (or, on a dry run, would do): rows per outcome, and every row."""

    feed_id: uuid.UUID
    partner: str
    dry_run: bool
    summary: dict[str, int]
    rows: list[ListingRowView]


def _row_view(row: RowReport) -> ListingRowView:
    return ListingRowView(
        row.line,
        row.outcome.value,
        row.detail,
        row.partner_listing_id,
        row.animal,
        row.animal_id,
        row.listing_id,
    )


def listing_import_view(report: ImportReport) -> ListingImportView:
    """The body of an import's report."""
    return ListingImportView(
        report.feed_id,
        report.partner,
        report.dry_run,
        report.summary(),
        [_row_view(row) for row in report.rows],
    )
