"""``/integrations/marketplaces``: an organisation's partner marketplaces, the feed of its
available listings in their bulk-import CSV layout (for its owners and admins, or the partner
with the feed's token), and the import of a partner's export into its listings."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from reptidex.domain.errors import NotAuthenticated
from reptidex.domain.identity.model import Role
from reptidex.domain.integrations.marketplaces.layout import (
    FEED_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    feed_header,
    feed_lines,
)
from reptidex.domain.integrations.marketplaces.model import FeedListing
from reptidex.domain.integrations.marketplaces.use_cases import (
    MAX_FEED_LISTINGS,
    feed_pages,
    import_listings,
    list_feeds,
    partner_feed,
    read_feed,
)
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, OptionalPrincipal, requires_role
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem
from reptidex.services.ops.access import Marketplaces, manager_of
from reptidex.services.ops.marketplace_schemas import (
    ListingImportRequest,
    ListingImportView,
    MarketplaceList,
    MarketplaceView,
    listing_import_view,
    marketplace_view,
)

CSV = "text/csv; charset=utf-8"  # streamed: Litestar adds no charset to a stream
ADMIN = [requires_role(Role.ADMIN)]


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


def _bearer(request: Request[Any, Any, Any]) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


_ACCESS = {
    401: _problem("No valid access token."),
    403: _problem("Not an owner or admin of the active organisation."),
}
_ONE = {**_ACCESS, 404: _problem("No such partner marketplace in the organisation.")}
FeedToken = Annotated[
    str | None,
    QueryParameter(
        min_length=1,
        max_length=200,
        description="The feed's token (a partner's poll); without it, an owner's or admin's "
        "bearer token.",
    ),
]


class MarketplaceController(Controller):
    """Partner marketplaces of the caller's active organisation."""

    path = "/integrations/marketplaces"
    tags = ("integrations",)

    @get(
        "/",
        guards=ADMIN,
        security=BEARER,
        summary="The organisation's partner marketplaces",
        responses=_ACCESS,
    )
    async def list_all(
        self, principal: CurrentPrincipal, marketplaces: Marketplaces
    ) -> MarketplaceList:
        """Every partner marketplace, oldest first (never a token)."""
        manager = manager_of(principal)
        async with marketplaces.unit_of_work(manager.organisation_id) as uow:
            found = await list_feeds(uow, manager)
        return MarketplaceList([marketplace_view(f) for f in found])

    @get(
        "/{feed_id:uuid}",
        guards=ADMIN,
        security=BEARER,
        summary="A partner marketplace",
        responses=_ONE,
    )
    async def read(
        self, principal: CurrentPrincipal, marketplaces: Marketplaces, feed_id: FromPath[uuid.UUID]
    ) -> MarketplaceView:
        """One partner marketplace."""
        manager = manager_of(principal)
        async with marketplaces.unit_of_work(manager.organisation_id) as uow:
            return marketplace_view(await read_feed(uow, manager, feed_id))

    @get(
        "/{feed_id:uuid}/feed.csv",
        security=BEARER,
        summary="The feed of the organisation's available listings",
        description="The organisation's open listings (available, not past their end), "
        f"newest first, at most {MAX_FEED_LISTINGS:,}, as CSV with the columns "
        f"{', '.join(f'`{c}`' for c in FEED_COLUMNS)} (`docs/ops.md`); cells a spreadsheet "
        "would run as a formula start with `'`. Read by the organisation's owners and admins "
        "with their bearer token, or by the partner with `?token=` (the feed's token: it "
        "opens this feed only). Listings are read from repti-commerce 100 at a time.",
        responses={
            200: ResponseSpec(
                data_container=str, description="The feed (CSV).", media_type="text/csv"
            ),
            **_ONE,
            503: _problem("repti-commerce could not be reached."),
        },
    )
    async def feed(
        self,
        optional_principal: OptionalPrincipal,
        marketplaces: Marketplaces,
        feed_id: FromPath[uuid.UUID],
        token: FeedToken = None,
    ) -> Stream:
        """The feed, streamed a page of listings at a time."""
        if token is not None:
            feed = await partner_feed(marketplaces, feed_id, token)
        elif optional_principal is None:
            raise NotAuthenticated("This needs the feed's token or an access token.")
        else:
            manager = manager_of(optional_principal)
            async with marketplaces.unit_of_work(manager.organisation_id) as uow:
                feed = await read_feed(uow, manager, feed_id)
        pages = feed_pages(marketplaces.listings, feed.organisation_id)
        first: list[FeedListing] = await anext(
            pages, []
        )  # repti-commerce down: a 503 before the stream starts

        async def lines() -> AsyncIterator[str]:
            yield feed_header() + feed_lines(first)
            async for page in pages:
                yield feed_lines(page)

        return Stream(
            lines(),
            headers={
                "content-type": CSV,
                "content-disposition": 'attachment; filename="listings.csv"',
                "cache-control": "no-store",
            },
        )

    @post(
        "/{feed_id:uuid}/imports",
        guards=ADMIN,
        security=BEARER,
        status_code=200,
        request_max_body_size=2 * MAX_FILE_BYTES + 64 * 1024,
        summary="Import a partner's export into listings",
        description=f"A CSV (at most {MAX_FILE_BYTES:,} bytes and {MAX_ROWS:,} listings) in the "
        "feed's layout, columns in any order and found by common aliases (`SKU`, `Name`, "
        "`Gender`, `Qty`, ...). Each row names the partner's listing id and an animal of the "
        "organisation's collection (its id or code). A dry run (the default) reports every "
        "row's outcome and changes nothing; each bad row says why (no title, a bad price, "
        "an unknown species, another animal's species, ...). The real import lists each good "
        "row in repti-commerce with the caller's token, under the partner's listing id: a "
        "row imported before is `unchanged`, never listed twice. Then audits the import "
        "(`marketplace_import`) and publishes `integration.marketplace_listings_imported`.",
        responses={
            **_ONE,
            413: _problem("The body is too large."),
            422: _problem(
                "The file cannot be read: too large, too many rows, no header or a required "
                "column missing, text the CSV reader refuses."
            ),
            503: _problem("repti-animal or repti-commerce could not be reached."),
        },
    )
    async def import_file(
        self,
        request: Request[Any, Any, Any],
        principal: CurrentPrincipal,
        marketplaces: Marketplaces,
        feed_id: FromPath[uuid.UUID],
        data: JSONBody[ListingImportRequest],
    ) -> ListingImportView:
        """Import (or check) a partner's export."""
        report = await import_listings(
            marketplaces,
            manager_of(principal),
            feed_id,
            data.csv,
            dry_run=data.dry_run,
            currency=data.currency,
            country=data.country,
            credential=_bearer(request),
        )
        return listing_import_view(report)
