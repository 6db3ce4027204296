"""Searching, and keeping the index: what the controllers, the event consumers, the reindex
command and other contexts (forums) call."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reptidex.domain.community.search.documents import KINDS, SearchDocument, words
from reptidex.domain.community.search.genes import GeneNames, builtin_articles
from reptidex.domain.community.search.ports import Generation, PageSource, SearchIndex
from reptidex.domain.community.search.query import (
    SearchRequest,
    TermGroup,
    matched_words,
    term_groups,
)
from reptidex.domain.community.search.snippets import highlight
from reptidex.domain.errors import InvalidInput, NotFound


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: what it is, its title, a snippet with the matched words marked, where to
    read it, and its facets."""

    kind: str
    id: str
    title: str
    snippet: str
    link: str
    species: str | None
    genes: tuple[str, ...]
    price_band: str | None
    country: str | None
    score: float
    organisation_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of results, how many match, the facets, and the words the query matched."""

    hits: Sequence[Hit]
    total: int
    limit: int
    offset: int
    facets: Mapping[str, Sequence[tuple[str, int]]]
    matched: frozenset[str]
    generation: Generation = field(default_factory=Generation)
    """The index's generation before the results were found."""


def _snippet_source(document: SearchDocument, marked: frozenset[str]) -> str:
    """The body when it holds a matched word, else the title."""
    if document.body and marked.intersection(words(document.body)):
        return document.body
    return document.title or document.body


async def search(index: SearchIndex, genes: GeneNames, request: SearchRequest) -> SearchResults:
    """Run ``request`` (checked first): gene names and aliases matched by all their names,
    words no document holds by the stored words closest to them."""
    request.check()
    return await search_groups(index, term_groups(request.text, genes), request)


async def search_groups(
    index: PageSource, groups: Sequence[TermGroup], request: SearchRequest
) -> SearchResults:
    """Run a checked ``request`` whose words make ``groups``."""
    found = await index.match(groups, request.filters, limit=request.limit, offset=request.offset)
    marked = matched_words(tuple(found.groups))
    hits = [
        Hit(
            kind=d.kind,
            id=d.source_id,
            title=d.title,
            snippet=highlight(_snippet_source(d, marked), marked),
            link=d.link,
            species=d.species,
            genes=d.genes,
            price_band=d.price_band,
            country=d.country,
            score=h.score,
            organisation_id=d.organisation_id,
        )
        for h in found.hits
        for d in (h.document,)
    ]
    return SearchResults(
        hits, found.total, request.limit, request.offset, found.facets, marked, found.generation
    )


async def index_document(index: SearchIndex, document: SearchDocument) -> bool:
    """Make ``document`` searchable (or replace its older version): the port any context
    calls to be found (the forums for a thread or a post: ``kind`` ``thread`` or ``post``,
    ``source_id`` its id, ``link`` its page, ``changed_at`` the time of the change)."""
    if document.kind not in KINDS:
        raise InvalidInput(f"kind is one of {', '.join(KINDS)}.")
    return await index.upsert([document]) == 1


async def remove_document(index: SearchIndex, kind: str, source_id: str, at: dt.datetime) -> bool:
    """Take a document out of every search (a thread deleted or hidden by a moderator)."""
    return await index.remove(kind, source_id, at)


async def index_articles(index: SearchIndex) -> int:
    """Store the knowledge articles of the built-in catalogs; how many changed."""
    return await index.upsert(builtin_articles())


async def article(index: SearchIndex, article_id: str) -> SearchDocument:
    """A knowledge article; :class:`NotFound` when there is none by that id."""
    found = await index.get("article", article_id)
    if found is None:
        raise NotFound(f"No article {article_id}.")
    return found
