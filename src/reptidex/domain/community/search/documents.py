"""What the search index keeps: one document per public thing, and the words it is found by."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from reptidex.domain.commerce.money import MINOR_UNITS

ANIMAL = "animal"
LISTING = "listing"
BREEDER = "breeder"
ARTICLE = "article"
THREAD = "thread"
POST = "post"
KINDS: tuple[str, ...] = (ANIMAL, LISTING, BREEDER, ARTICLE, THREAD, POST)
"""The kinds of document (``thread`` and ``post``: forum threads and posts, indexed by the
forums through :func:`~reptidex.domain.community.search.use_cases.index_document`)."""

MAX_TITLE = 300
MAX_BODY = 20_000
"""Characters of a document's title and body the index keeps (the rest is cut)."""

PRICE_BANDS: tuple[tuple[int, str], ...] = (
    (100, "under 100"),
    (250, "100-250"),
    (500, "250-500"),
    (1_000, "500-1000"),
    (2_500, "1000-2500"),
    (5_000, "2500-5000"),
)
"""Upper bounds (in major units, exclusive) of the price bands; above the last: ``5000+``."""

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of ``text`` as the index reads them: runs of letters and digits, case-folded,
    accents removed; both databases' full-text engines are given these and nothing else, so
    that they find the same things.

    >>> words("Blue-Eyed Leucistic, 100% Het Clown!")
    ['blue', 'eyed', 'leucistic', '100', 'het', 'clown']
    >>> words("Pastèl")
    ['pastel']
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(plain)


def terms(text: str) -> str:
    """``text``'s :func:`words` joined by spaces: what the full-text column holds."""
    return " ".join(words(text))


def price_band(amount: int, currency: str) -> str:
    """The price band of ``amount`` minor units of ``currency``, with the currency: prices in
    different currencies are never counted together.

    >>> price_band(19_999, "EUR")
    '100-250 EUR'
    >>> price_band(900_000, "JPY")
    '5000+ JPY'
    """
    code = currency.upper()
    major = amount // 10 ** MINOR_UNITS.get(code, 2)
    for bound, label in PRICE_BANDS:
        if major < bound:
            return f"{label} {code}"
    return f"5000+ {code}"


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """A public thing as the index keeps it.

    ``kind`` and ``source_id`` name it (one document each); ``title`` and ``body`` are what it
    is found by and what the snippet shows; ``keywords`` are found but not shown (a gene's
    aliases); ``link`` is where a reader goes; the rest are facets. ``changed_at`` is when the
    news it comes from happened: older news than the index holds is ignored.
    """

    kind: str
    source_id: str
    title: str
    link: str
    changed_at: dt.datetime
    body: str = ""
    keywords: tuple[str, ...] = ()
    organisation_id: uuid.UUID | None = None
    species: str | None = None
    genes: tuple[str, ...] = field(default=())
    price_amount: int | None = None
    currency: str | None = None
    country: str | None = None

    @property
    def price_band(self) -> str | None:
        """The band of the price, if it has one."""
        if self.price_amount is None or self.currency is None:
            return None
        return price_band(self.price_amount, self.currency)

    @property
    def title_terms(self) -> str:
        """What the title is found by."""
        return terms(self.title[:MAX_TITLE])

    @property
    def body_terms(self) -> str:
        """What the rest is found by: body, genes and keywords."""
        return terms(" ".join((self.body[:MAX_BODY], *self.genes, *self.keywords)))


@dataclass(frozen=True, slots=True)
class Removal:
    """News that a document is no longer public (as of ``at``): the index keeps a tombstone."""

    kind: str
    source_id: str
    at: dt.datetime


IndexChange = SearchDocument | Removal
"""What one event does to the index: store a document, or take one out."""


def newest_changes(changes: Sequence[IndexChange]) -> list[IndexChange]:
    """The newest change of each document among ``changes`` (of two of the same time, the
    later one), in the order they first came: what applying them one after the other leaves.

    >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> later = at + dt.timedelta(seconds=1)
    >>> kept = newest_changes([Removal("animal", "a", later), Removal("animal", "a", at)])
    >>> [change.at == later for change in kept]
    [True]
    """
    newest: dict[tuple[str, str], IndexChange] = {}
    for change in changes:
        key = (change.kind, change.source_id)
        kept = newest.get(key)
        if kept is None or _when(change) >= _when(kept):
            newest[key] = change
    return list(newest.values())


def _when(change: IndexChange) -> dt.datetime:
    return change.at if isinstance(change, Removal) else change.changed_at
