"""The ports of partner marketplace integrations: where an organisation's feeds are kept,
and repti-commerce's listings, which the feed reads and an import writes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from reptidex.domain.errors import FeatureUnavailable
from reptidex.domain.events import Outbox
from reptidex.domain.integrations.marketplaces.model import (
    FeedListing,
    ListingOffer,
    MarketplaceFeed,
)


class ListingsUnavailable(FeatureUnavailable):
    """repti-commerce could not be asked, or did not answer as it should (503)."""


class ListingRefused(Exception):
    """repti-commerce refused a listing (its reason is the message)."""


class PartnerListings(Protocol):
    """An organisation's listings in repti-commerce."""

    async def open_page(
        self, organisation_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[list[FeedListing], int]:
        """A page of the organisation's open listings (available, not past their end: what
        anyone may see), newest first, and how many there are.

        Raises:
            ListingsUnavailable: repti-commerce could not be asked.
        """
        ...

    async def imported(
        self, refs: Sequence[str], *, credential: str | None
    ) -> dict[str, uuid.UUID]:
        """The caller's organisation's listings imported under ``refs``: reference → id.

        Raises:
            ListingsUnavailable: repti-commerce could not be asked.
            NotAuthenticated, PermissionDenied: it refused the credential.
        """
        ...

    async def create(
        self, offer: ListingOffer, animal_id: uuid.UUID, *, credential: str | None
    ) -> uuid.UUID:
        """List the animal for the caller's organisation under ``offer.external_ref`` (the
        listing already imported under it, if any); its id.

        Raises:
            ListingRefused: repti-commerce refused it (already listed, a viewer, ...).
            ListingsUnavailable: repti-commerce could not be asked.
        """
        ...


class MarketplaceFeeds(Protocol):
    """An organisation's partner marketplace integrations."""

    async def add(self, feed: MarketplaceFeed) -> None:
        """Store a new one."""
        ...

    async def save(self, feed: MarketplaceFeed) -> None:
        """Store a changed one (its token digest)."""
        ...

    async def get(self, organisation_id: uuid.UUID, feed_id: uuid.UUID) -> MarketplaceFeed | None:
        """One of the organisation's, or ``None``."""
        ...

    async def by_partner(self, organisation_id: uuid.UUID, partner: str) -> MarketplaceFeed | None:
        """The organisation's integration with ``partner`` (case-insensitively), or ``None``."""
        ...

    async def of(self, organisation_id: uuid.UUID) -> list[MarketplaceFeed]:
        """The organisation's integrations, oldest first."""
        ...

    async def by_token(self, digest: str) -> MarketplaceFeed | None:
        """The integration whose token has this digest, or ``None``."""
        ...


class FeedUnitOfWork(Protocol):
    """Marketplace integrations and the outbox in one transaction, scoped to one organisation
    (or, to read a partner's feed, to one token's digest)."""

    @property
    def feeds(self) -> MarketplaceFeeds:
        """The integrations."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox (events and audit records)."""
        ...

    async def commit(self) -> None:
        """Commit the changes and the staged events together."""
        ...
