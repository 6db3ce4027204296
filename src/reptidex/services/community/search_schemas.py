"""The search endpoints' bodies."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from reptidex.domain.ads.serving import SponsoredSlot
from reptidex.domain.community.search.documents import SearchDocument
from reptidex.domain.community.search.use_cases import Hit, SearchResults
from reptidex.services.community.ad_schemas import SlotView, slot_view


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
    sponsored: list[SlotView]
    """Sponsored results (advertising's campaigns targeting what the search is about),
    shown apart from ``items`` and marked ``sponsored``; each carries the tokens that record
    its impression (``POST /ads/impressions``) and click (``POST /ads/clicks``). Empty when
    none targets the search, or advertising does not answer in time."""


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


def page_of(results: SearchResults, sponsored: Sequence[SponsoredSlot] = ()) -> SearchPage:
    """The body of a search, with its sponsored slots."""
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
        sponsored=[slot_view(slot) for slot in sponsored],
    )


def article_view(document: SearchDocument) -> ArticleView:
    """The body of an article."""
    return ArticleView(
        document.source_id, document.title, document.body, list(document.keywords),
        document.species, list(document.genes),
    )  # fmt: skip
