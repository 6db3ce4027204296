"""A search request, bounded before any work, and the words it matches."""

from __future__ import annotations

from dataclasses import dataclass

from reptidex.domain.community.search.documents import KINDS, words
from reptidex.domain.community.search.genes import GeneNames, Phrase
from reptidex.domain.errors import InvalidInput

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 8
MAX_LIMIT = 50
MAX_OFFSET = 1_000
"""Bounds of a request: longer queries and deeper pages are refused before any work."""

MIN_TYPO_WORD = 4
"""Words shorter than this are matched as written (a typo in three letters is another word)."""


@dataclass(frozen=True, slots=True)
class Filters:
    """Facet values a search is narrowed to (none: everything)."""

    kind: str | None = None
    species: str | None = None
    gene: str | None = None
    price_band: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """What a reader asks: words, facet filters and a page."""

    text: str
    filters: Filters = Filters()
    limit: int = 20
    offset: int = 0

    def check(self) -> None:
        """:class:`InvalidInput` unless the request is within bounds (cheap: before any work)."""
        if len(self.text) > MAX_QUERY_CHARS:
            raise InvalidInput(f"A query has at most {MAX_QUERY_CHARS} characters.")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit is between 1 and {MAX_LIMIT}.")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidInput(f"offset is between 0 and {MAX_OFFSET}.")
        if self.filters.kind is not None and self.filters.kind not in KINDS:
            raise InvalidInput(f"kind is one of {', '.join(KINDS)}.")
        found = words(self.text)
        if not found:
            raise InvalidInput("A query needs at least one word.")
        if len(found) > MAX_QUERY_WORDS:
            raise InvalidInput(f"A query has at most {MAX_QUERY_WORDS} words.")


@dataclass(frozen=True, slots=True)
class TermGroup:
    """One part of a query: a document matches it when it holds any of ``phrases`` (each a
    run of consecutive words). ``typo_word`` is the single word the group came from when close
    stored words may stand in for it."""

    phrases: frozenset[Phrase]
    typo_word: str | None = None

    def with_words(self, similar: frozenset[str]) -> TermGroup:
        """This group, also matched by ``similar`` words."""
        return TermGroup(self.phrases | {(w,) for w in similar}, self.typo_word)


def term_groups(text: str, genes: GeneNames) -> tuple[TermGroup, ...]:
    """The groups of ``text``, every one of which a document must match: each gene name or
    alias (the longest at each place) with all its synonyms, each other word alone.

    >>> from reptidex.domain.community.search.genes import builtin_gene_names
    >>> groups = term_groups("BEL pastle", builtin_gene_names())
    >>> ("lesser", "mojave") in groups[0].phrases, groups[1].typo_word
    (True, 'pastle')
    """
    query = tuple(words(text))
    groups: list[TermGroup] = []
    start = 0
    while start < len(query):
        size, synonyms = genes.match_at(query, start)
        if size:
            groups.append(TermGroup(synonyms))
            start += size
            continue
        word = query[start]
        typo = word if len(word) >= MIN_TYPO_WORD and not word.isdigit() else None
        groups.append(TermGroup(frozenset({(word,)}), typo))
        start += 1
    return tuple(dict.fromkeys(groups))


def matched_words(groups: tuple[TermGroup, ...]) -> frozenset[str]:
    """Every word a group may match (what a snippet highlights)."""
    return frozenset(w for g in groups for phrase in g.phrases for w in phrase)
