"""The search endpoints' bodies."""

from __future__ import annotations

import msgspec

from reptidex.domain.community.search.documents import SearchDocument
from reptidex.domain.community.search.use_cases import Hit, SearchResults


class ResultView(msgspec.Struct, frozen=True):
    """One result."""

    kind: str
    """``animal``, ``listing``, ``breeder``, ``article``, ``thread`` or ``post``."""
    id: str
    """Its id with the service that owns it (an article's: ``<species>`` or ``<species>.<gene>``)."""
    title: str
    snippet: str
    """HTML: a piece of the document, the matched words in ``<mark>``, the rest escaped."""
    link: str
    """Its page (the owning service's path)."""
    species: str | None
    genes: list[str]
    price_band: str | None
    country: str | None
    score: float


class FacetValue(msgspec.Struct, frozen=True):
    """A value of a facet and how many results have it."""

    value: str
    count: int


class Facets(msgspec.Struct, frozen=True):
    """The values of each facet over all the results (the 20 most frequent each)."""

    kind: list[FacetValue]
    species: list[FacetValue]
    genes: list[FacetValue]
    price_band: list[FacetValue]
    country: list[FacetValue]


class SearchPage(msgspec.Struct, frozen=True):
    """A page of results, how many match in all, the facets, and the words matched (with
    gene synonyms and typo corrections)."""

    items: list[ResultView]
    total: int
    limit: int
    offset: int
    facets: Facets
    matched: list[str]


class ArticleView(msgspec.Struct, frozen=True):
    """A knowledge article from the engine's catalogs."""

    id: str
    title: str
    body: str
    aliases: list[str]
    species: str | None
    genes: list[str]


def _result(hit: Hit) -> ResultView:
    return ResultView(
        hit.kind, hit.id, hit.title, hit.snippet, hit.link, hit.species, list(hit.genes),
        hit.price_band, hit.country, round(hit.score, 6),
    )  # fmt: skip


def page_of(results: SearchResults) -> SearchPage:
    """The body of a search."""
    facets = {
        name: [FacetValue(v, c) for v, c in results.facets.get(name, ())]
        for name in ("kind", "species", "genes", "price_band", "country")
    }
    return SearchPage(
        items=[_result(h) for h in results.hits],
        total=results.total,
        limit=results.limit,
        offset=results.offset,
        facets=Facets(**facets),
        matched=sorted(results.matched),
    )


def article_view(document: SearchDocument) -> ArticleView:
    """The body of an article."""
    return ArticleView(
        document.source_id, document.title, document.body, list(document.keywords),
        document.species, list(document.genes),
    )  # fmt: skip
