"""Sponsored results beside a search: the search's context for advertising (species, genes
and country, from its filters and facets) and the slots advertising chooses for it.

The results never wait on advertising for long nor fail because of it: a lookup that fails
or takes longer than :data:`LOOKUP_SECONDS` leaves the page without sponsored slots.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Protocol

import structlog

from reptidex.domain.ads.serving import AdContext, SponsoredSlot
from reptidex.domain.community.search.query import Filters

MAX_SPONSORED = 3
"""The most sponsored slots one search shows."""
LOOKUP_SECONDS = 1.0
"""How long a search waits for its sponsored slots."""

_log = structlog.get_logger("reptidex.community.search")


class Sponsors(Protocol):
    """Advertising, as search asks it for slots."""

    async def choose(self, context: AdContext, slots: int) -> list[SponsoredSlot]:
        """Up to ``slots`` sponsored slots for ``context``."""
        ...


def _key(value: str) -> str:
    """A facet value as the catalogs key it (``Het Clown`` -> ``het_clown``)."""
    return re.sub(r"[^a-z0-9]+", "_", value.casefold()).strip("_")


def _most_frequent(facet: Sequence[tuple[str, int]]) -> str | None:
    return facet[0][0] if facet else None


def ad_context(
    filters: Filters,
    facets: Mapping[str, Sequence[tuple[str, int]]],
    viewer_organisation: uuid.UUID | None = None,
) -> AdContext:
    """What a search is about, for targeting: the species and country it is narrowed to (else
    the most frequent among its results), the gene it is narrowed to and the genes of its
    results.

    >>> facets = {"species": [("ball_python", 3), ("corn_snake", 1)], "genes": [("Clown", 2)]}
    >>> context = ad_context(Filters(gene="pastel"), facets)
    >>> context.species, sorted(context.genes), context.country
    ('ball_python', ['clown', 'pastel'], None)
    """
    genes = {_key(value) for value, _ in facets.get("genes", ())}
    if filters.gene:
        genes.add(_key(filters.gene))
    country = filters.country or _most_frequent(facets.get("country", ()))
    return AdContext(
        species=filters.species or _most_frequent(facets.get("species", ())),
        genes=frozenset(genes - {""}),
        country=country.upper() if country else None,
        viewer_organisation=viewer_organisation,
    )


async def sponsored_slots(
    sponsors: Sponsors, context: AdContext, slots: int
) -> list[SponsoredSlot]:
    """Up to ``slots`` (0 to :data:`MAX_SPONSORED`) sponsored slots for ``context``; none when
    advertising fails or is slow (logged, never raised)."""
    if slots <= 0:
        return []
    try:
        async with asyncio.timeout(LOOKUP_SECONDS):
            return (await sponsors.choose(context, min(slots, MAX_SPONSORED)))[:MAX_SPONSORED]
    except Exception as exc:  # advertising must never fail a search
        _log.warning("sponsored slots not chosen", error=type(exc).__name__)
        return []
