"""The search index port: what the use cases need of the database's full-text engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reptidex.domain.community.search.documents import IndexChange, SearchDocument
from reptidex.domain.community.search.query import Filters, TermGroup

FACETS: tuple[str, ...] = ("kind", "species", "genes", "price_band", "country")
"""The facets every search counts."""


@dataclass(frozen=True, slots=True)
class Generation:
    """How many changes the index has committed, and how many of those took documents out
    (each grows with every such commit, and only then)."""

    changes: int = 0
    removals: int = 0


@dataclass(frozen=True, slots=True)
class StoredHit:
    """A document that matched, as the index returns it."""

    document: SearchDocument
    score: float


@dataclass(frozen=True, slots=True)
class Matches:
    """A page of matches, how many match in all, the facet counts over all of them
    (``facet -> [(value, count)]``, most frequent first), the groups as matched (with
    the stored words that stood in for typos), and the index's generation before they were
    found (no change stored since then is missing from them)."""

    hits: Sequence[StoredHit]
    total: int
    facets: Mapping[str, Sequence[tuple[str, int]]]
    groups: Sequence[TermGroup]
    generation: Generation = field(default_factory=Generation)


class PageSource(Protocol):
    """What a search reads of the index: a page of matches, and the index's generation."""

    async def match(
        self, groups: Sequence[TermGroup], filters: Filters, *, limit: int, offset: int
    ) -> Matches:
        """The documents matching every group and the filters, best first. A group's
        ``typo_word`` that no document holds is also matched by the stored words closest to
        it (trigram similarity of at least 0.3, the three closest)."""
        ...

    async def generation(self) -> Generation:
        """The index's generation: its committed changes and removals so far."""
        ...


class SearchIndex(PageSource, Protocol):
    """The stored documents and their full-text index (one transaction per call)."""

    async def upsert(self, documents: Sequence[SearchDocument]) -> int:
        """Store ``documents`` (replacing each one's older version; a version older than the
        stored one is ignored); how many were written."""
        ...

    async def remove(self, kind: str, source_id: str, at: dt.datetime) -> bool:
        """Take a document out of every search (unless the index holds newer news of it);
        whether it was."""
        ...

    async def apply(self, changes: Sequence[IndexChange]) -> int:
        """Store the documents and take out the removed ones among ``changes`` together, the
        newest news of each document winning (as :meth:`upsert` and :meth:`remove` one after
        the other would leave them); how many were written."""
        ...

    async def get(self, kind: str, source_id: str) -> SearchDocument | None:
        """One searchable document."""
        ...

    async def count(self) -> int:
        """How many searchable documents the index holds."""
        ...
