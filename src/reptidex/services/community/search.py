"""``GET /search``: one search across public animals, marketplace listings, breeders, forum
threads and posts and knowledge articles; ``GET /search/articles/{id}``: an article."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from reptidex.domain.community.search import use_cases
from reptidex.domain.community.search.documents import KINDS
from reptidex.domain.community.search.query import (
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_QUERY_CHARS,
    Filters,
    SearchRequest,
)
from reptidex.domain.community.search.sponsored import MAX_SPONSORED, ad_context, sponsored_slots
from reptidex.services.community.access import Search
from reptidex.services.community.engagement_access import Engagement
from reptidex.services.community.search_schemas import (
    ArticleView,
    SearchPage,
    article_view,
    page_of,
)
from reptidex.services.kernel.auth import OptionalPrincipal

Facet = Annotated[str | None, QueryParameter(min_length=1, max_length=100)]


class SearchController(Controller):
    """The platform's search, readable without a token (only public things are indexed)."""

    path = "/search"
    tags = ("search",)

    @get(
        "/",
        summary="Search the platform",
        description="Public animals, open marketplace listings, breeders' profiles, forum "
        "threads and posts, and knowledge articles (species and genes of the catalogs), best "
        "first. Every word must match; a gene's name or alias matches all its names ('BEL' "
        "finds a Blue-Eyed Leucistic); a word no document holds matches the closest stored "
        "words ('pastle' finds Pastel). Narrow with the facets (`kind`, `species`, `gene`, "
        "`price_band`, `country`), each counted over all results. Beside the results, up to "
        f"`sponsored` (0-{MAX_SPONSORED}) sponsored slots of campaigns targeting the search's "
        "species, genes and country (its filters, else its results' most frequent), marked "
        "`sponsored` with their impression and click tokens; a slow or failing ad lookup "
        "leaves them empty. `q` at most "
        f"{MAX_QUERY_CHARS} characters and 8 words; `limit` 1-{MAX_LIMIT}, `offset` at most "
        f"{MAX_OFFSET}. A first page counts in the engagement analytics by its normalised "
        "words only (no user, no address).",
    )
    async def find(
        self,
        search: Search,
        optional_principal: OptionalPrincipal,
        engagement: Engagement,
        q: Annotated[
            str,
            QueryParameter(min_length=1, max_length=MAX_QUERY_CHARS, description="The words"),
        ],
        kind: Annotated[
            str | None, QueryParameter(description=f"One of {', '.join(KINDS)}", max_length=20)
        ] = None,
        species: Facet = None,
        gene: Facet = None,
        price_band: Facet = None,
        country: Annotated[
            str | None, QueryParameter(min_length=2, max_length=2, description="ISO 3166 alpha-2")
        ] = None,
        limit: Annotated[
            int, QueryParameter(ge=1, le=MAX_LIMIT, description="Results per page")
        ] = 20,
        offset: Annotated[
            int, QueryParameter(ge=0, le=MAX_OFFSET, description="Results to skip")
        ] = 0,
        sponsored: Annotated[
            int,
            QueryParameter(
                ge=0, le=MAX_SPONSORED, description="Sponsored slots wanted beside the results"
            ),
        ] = 2,
    ) -> SearchPage:
        """A page of results with facets, and its sponsored slots."""
        request = SearchRequest(
            q,
            Filters(kind, species, gene, price_band, country.upper() if country else None),
            limit,
            offset,
        )
        results = await search.pages.search(request)
        engagement.searched(results, q)
        viewer = None if optional_principal is None else optional_principal.organisation_id
        context = ad_context(request.filters, results.facets, viewer)
        return page_of(results, await sponsored_slots(search.sponsors, context, sponsored))

    @get(
        "/articles/{article_id:str}",
        summary="Read a knowledge article",
        description="A species (`ball_python`) or one of its genes, compounds or combinations "
        "(`ball_python.pastel`) from the engine's catalogs; 404 for another id.",
    )
    async def show_article(
        self, search: Search, article_id: Annotated[str, FromPath]
    ) -> ArticleView:
        """One article."""
        return article_view(await use_cases.article(search.index, article_id))
