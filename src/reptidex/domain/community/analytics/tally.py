"""Searches counted in memory between two writes to the store: privacy-respecting (the
normalised words of a query, no user, no address) and bounded (a fixed number of distinct
queries and of organisation pairs; beyond them only the day's totals grow)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from reptidex.domain.community.search.documents import words

MAX_QUERY_TEXT = 100
"""Characters of a normalised query that are kept."""
MAX_QUERIES = 5_000
"""Distinct (day, query) pairs a tally holds between two writes."""
MAX_SHOWINGS = 20_000
"""Distinct (day, organisation, query) triples a tally holds between two writes."""


def normalise_query(text: str) -> str:
    """The words of ``text`` as the index reads them, in order, joined by single spaces and
    cut to :data:`MAX_QUERY_TEXT` characters: what is stored of a search.

    >>> normalise_query("  Pastèl   HET-clown! ")
    'pastel het clown'
    """
    return " ".join(words(text))[:MAX_QUERY_TEXT].rstrip()


@dataclass(slots=True)
class QueryCount:
    """How often a query was searched, and how often it found nothing."""

    searches: int = 0
    empty: int = 0


@dataclass(slots=True)
class DayTotals:
    """A day's searches, those without results, and those whose query was not kept (the
    tally or the day's stored queries were full)."""

    searches: int = 0
    empty: int = 0
    unrecorded: int = 0


@dataclass(slots=True)
class SearchTally:
    """Searches since the last :meth:`drain`."""

    max_queries: int = MAX_QUERIES
    max_showings: int = MAX_SHOWINGS
    days: dict[dt.date, DayTotals] = field(default_factory=dict)
    queries: dict[tuple[dt.date, str], QueryCount] = field(default_factory=dict)
    showings: dict[tuple[dt.date, uuid.UUID, str], int] = field(default_factory=dict)

    def record(self, day: dt.date, text: str, total: int, shown: Iterable[uuid.UUID] = ()) -> bool:
        """Count a search on ``day`` for ``text`` that found ``total`` results, the
        organisations in ``shown`` owning some of those on its page; whether its query was
        kept (else only the day's totals count it)."""
        query = normalise_query(text)
        totals = self.days.setdefault(day, DayTotals())
        totals.searches += 1
        totals.empty += total == 0
        if not query:
            totals.unrecorded += 1
            return False
        count = self.queries.get((day, query))
        if count is None:
            if len(self.queries) >= self.max_queries:
                totals.unrecorded += 1
                return False
            count = self.queries[(day, query)] = QueryCount()
        count.searches += 1
        count.empty += total == 0
        for organisation_id in set(shown):
            key = (day, organisation_id, query)
            if key in self.showings or len(self.showings) < self.max_showings:
                self.showings[key] = self.showings.get(key, 0) + 1
        return True

    def drain(self) -> SearchTally:
        """What was counted (this tally starts again empty)."""
        counted = SearchTally(self.max_queries, self.max_showings, self.days, self.queries,
                              self.showings)  # fmt: skip
        self.days, self.queries, self.showings = {}, {}, {}
        return counted

    def absorb(self, other: SearchTally) -> None:
        """Count ``other``'s searches again (a write that failed), within this tally's
        bounds: what finds no room counts only in its day's totals."""
        for day, totals in other.days.items():
            mine = self.days.setdefault(day, DayTotals())
            mine.searches += totals.searches
            mine.empty += totals.empty
            mine.unrecorded += totals.unrecorded
        for key, count in other.queries.items():
            kept = self.queries.get(key)
            if kept is None and len(self.queries) >= self.max_queries:
                self.days[key[0]].unrecorded += count.searches
                continue
            kept = self.queries.setdefault(key, QueryCount())
            kept.searches += count.searches
            kept.empty += count.empty
        for showing, searches in other.showings.items():
            if (showing[0], showing[2]) in self.queries and (
                showing in self.showings or len(self.showings) < self.max_showings
            ):
                self.showings[showing] = self.showings.get(showing, 0) + searches

    def __bool__(self) -> bool:
        return bool(self.days)
