"""A partner marketplace integration of an organisation, its feed token, and what an
import makes of a partner's rows."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field

TOKEN_PREFIX = "rdxfeed_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True, slots=True)
class MarketplaceFeed:
    """An organisation's integration with one partner marketplace: the partner's name and
    the SHA-256 digest of the token a partner reads the feed with (never the token)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    partner: str
    token_digest: str
    created_at: dt.datetime | None = field(default=None, compare=False)
    updated_at: dt.datetime | None = field(default=None, compare=False)


def new_feed_token() -> str:
    """A fresh feed token: the prefix and 32 random bytes, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The hex SHA-256 of a token, as stored and looked up.

    >>> len(token_digest("rdxfeed_x")), token_digest("a") == token_digest("a")
    (64, True)
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class FeedListing:
    """An available listing as the feed writes it (price as decimal text in major units)."""

    listing_id: uuid.UUID
    animal_id: uuid.UUID
    title: str
    species: str
    sex: str
    birth_date: dt.date | None
    traits: tuple[str, ...]
    price: str
    currency: str
    description: str
    country: str
    shipping: bool
    status: str


@dataclass(frozen=True, slots=True)
class PartnerRow:
    """One row of a partner's export as read: its line (the header is line 1) and cells."""

    line: int
    listing_id: str
    animal: str
    title: str
    species: str
    sex: str
    price: str
    currency: str
    quantity: str
    description: str
    country: str
    shipping: str
    status: str


@dataclass(frozen=True, slots=True)
class ListingOffer:
    """A row checked: what the listing to make offers (``amount`` in minor units)."""

    external_ref: str
    animal: str
    title: str
    species: str
    sex: str | None
    amount: int
    currency: str
    description: str
    country: str
    shipping: bool
    publish: bool


class Outcome(enum.StrEnum):
    """What became of a row: applied (a listing made; a dry run: would be), unchanged (its
    listing was imported before), bad (the row cannot be used), failed (repti-commerce
    refused the listing)."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    BAD = "bad"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RowReport:
    """A row's outcome and why; the listing it made or found, and the animal it names."""

    line: int
    outcome: Outcome
    detail: str
    partner_listing_id: str
    animal: str
    animal_id: uuid.UUID | None = None
    listing_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    """A partner's export's rows and how many ended each way."""

    feed_id: uuid.UUID
    partner: str
    dry_run: bool
    rows: list[RowReport]

    def summary(self) -> dict[str, int]:
        """Rows in all and per outcome."""
        counts = {o.value: sum(1 for r in self.rows if r.outcome is o) for o in Outcome}
        return {"rows": len(self.rows), **counts}
