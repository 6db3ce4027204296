"""``/marketplace/listings``: the public marketplace (no token) and the sellers' changes to
their listings; ``/marketplace/seller/listings``: a seller's own listings in every state."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, MediaType, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.commerce.inquiries import count_view
from reptidex.domain.commerce.listing_model import ListingState, gene_key
from reptidex.domain.commerce.listings import (
    MAX_PAGE,
    ListingChanges,
    ListingDraft,
    change_listing,
    create_listing,
    delete_listing,
    imported_listings,
    listed_animal,
    search_listing_documents,
    seller_listings,
    show_listing,
)
from reptidex.domain.commerce.money import MAX_AMOUNT, Currency
from reptidex.domain.commerce.ports import ListingQuery
from reptidex.services.commerce.access import (
    READ,
    SECURITY,
    WRITE,
    Browsing,
    CallerMember,
    Catalogue,
    OnDemandUnits,
    UnitOfWork,
    bearer_of,
)
from reptidex.services.commerce.schemas import (
    ListingCreate,
    ListingPage,
    ListingPatch,
    ListingStateName,
    ListingView,
    PriceBody,
    listing_page_body,
    listing_view,
)
from reptidex.services.commerce.search_cache import MarketplaceSearch
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import Principal

Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_PAGE, description=f"Items per page (1-{MAX_PAGE}).")
]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Items to skip.")]
Price = Annotated[
    int | None, QueryParameter(ge=0, le=MAX_AMOUNT, description="Integer minor units")
]


def draft_of(data: ListingCreate) -> ListingDraft:
    """The domain draft of a create request."""
    return ListingDraft(
        animal_id=data.animal_id,
        title=data.title,
        price=data.price.to_domain(),
        country=data.country,
        description=data.description,
        region=data.region,
        shipping_available=data.shipping_available,
        pickup_available=data.pickup_available,
        expires_at=data.expires_at,
        publish=data.publish,
        external_ref=data.external_ref,
    )


def changes_of(data: ListingPatch) -> ListingChanges:
    """The domain changes of a patch request (absent fields kept)."""
    values: dict[str, Any] = {}
    for name in data.__struct_fields__:
        value = getattr(data, name)
        if value is msgspec.UNSET:
            continue
        if isinstance(value, PriceBody):
            value = value.to_domain()
        elif name == "state":
            value = ListingState(value)
        values[name] = value
    return ListingChanges(**values)


class ListingController(Controller):
    """The marketplace: public reads, sellers' writes."""

    path = "/marketplace/listings"
    tags = ("marketplace",)

    @get(
        "/",
        summary="Search the marketplace",
        description="The open listings (available, not past their end) of every seller, "
        "without a token. Every filter narrows: `species`, `gene` with `zygosity` (`visual`: "
        "shows it, `het`: certainly carries it, `possible_het`: may carry it, `any`: one of "
        "these), `sex`, `min_price`/`max_price` (minor units; with `currency` to compare like "
        "with like), `currency`, `seller` (organisation id), `country`, `shipping`, `q` (title "
        "or description contains). Sorted by `sort`: `newest`, `price`, `-price`, "
        "`ending_soon`; paged with `limit`/`offset`, with the `total` count. Every caller "
        "gets the same answer; on PostgreSQL a page is answered from memory until a listing "
        "changes or ends.",
        responses={200: ResponseSpec(data_container=ListingPage, description="A page.")},
    )
    async def search(
        self,
        request: Request[Any, Any, Any],
        marketplace: Injected[MarketplaceSearch],
        species: Annotated[str | None, QueryParameter(max_length=60)] = None,
        gene: Annotated[
            str | None, QueryParameter(max_length=60, description="A gene, e.g. clown")
        ] = None,
        zygosity: Annotated[
            Literal["any", "visual", "het", "possible_het"], QueryParameter()
        ] = "any",
        sex: Annotated[Literal["male", "female", "unknown"] | None, QueryParameter()] = None,
        min_price: Price = None,
        max_price: Price = None,
        currency: Annotated[str | None, QueryParameter(pattern=r"^[A-Za-z]{3}$")] = None,
        seller: Annotated[uuid.UUID | None, QueryParameter(description="Organisation")] = None,
        country: Annotated[str | None, QueryParameter(pattern=r"^[A-Za-z]{2}$")] = None,
        shipping: Annotated[
            bool | None, QueryParameter(description="Only listings that ship (or not)")
        ] = None,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        sort: Annotated[
            Literal["newest", "price", "-price", "ending_soon"], QueryParameter()
        ] = "newest",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response[bytes]:
        """Search the open listings (their documents, kept as bytes) through the search
        cache: a page of this query string kept since the last change, or one read for it
        (and for the requests asking for it meanwhile)."""
        now = dt.datetime.now(dt.UTC)
        cache = marketplace.cache

        async def read() -> tuple[bytes, dt.datetime | None]:
            query = ListingQuery(
                now=now,
                species=species,
                gene=(gene_key(gene) or None) if gene else None,
                zygosity=zygosity,
                sex=sex,
                min_price=min_price,
                max_price=max_price,
                currency=Currency.of(currency).code if currency else None,
                seller=seller,
                country=country.upper() if country else None,
                shipping_available=shipping,
                text=q or None,
                sort=sort,
                limit=limit,
                offset=offset,
            )
            async with marketplace.units.open(None) as uow:
                table = await cache.price_table(
                    query, lambda at_most: uow.listings.prices(query, at_most)
                )
                documents, total = await search_listing_documents(uow, query, counted=table is None)
                until = await cache.next_end(now, uow.listings.next_end)
            if table is not None:
                total = table.count(query.min_price, query.max_price, now)
            assert total is not None, "a search is counted by the database or by its table"
            return listing_page_body(documents, total, limit, offset), until

        body = await cache.page(request.scope["query_string"], now, read)
        return Response(body, media_type=MediaType.JSON)

    @get(
        "/{listing_id:uuid}",
        summary="Show a listing",
        description="A listing that is available, on hold or sold, without a token; a "
        "seller also sees its own drafts, hidden and expired listings. 404 otherwise. Each "
        "view by someone other than the seller is counted for the seller's statistics.",
    )
    async def show(
        self,
        uow: Browsing,
        optional_principal: NamedDependency[Principal | None],
        listing_id: FromPath[uuid.UUID],
    ) -> ListingView:
        """One listing (a view of it, unless by its seller, is counted)."""
        viewer = None if optional_principal is None else optional_principal.organisation_id
        listing = await show_listing(uow, viewer, listing_id)
        await count_view(uow, listing, viewer, dt.datetime.now(dt.UTC))
        return listing_view(listing)

    @post(
        "/",
        guards=WRITE,
        security=SECURITY,
        summary="List an animal",
        description="Offer an animal of the caller's collection: repti-animal is asked for it "
        "with the caller's token (404 when it is not theirs; 409 when it is sold, deceased or "
        "on loan, or already listed) and its public data (species, sex, hatch date, morph, "
        "hets with probabilities) is kept with the listing. A draft unless `publish`. Price "
        "in integer minor units of an ISO 4217 currency. Emits `listing.created`. 503 when "
        "repti-animal cannot be reached. With an `external_ref` (an import's partner listing "
        "id) the request is idempotent: when the seller already has a listing of that "
        "reference, it is answered (200) and nothing is made.",
        responses={
            200: ResponseSpec(
                data_container=ListingView,
                description="The seller's listing already imported under `external_ref`.",
            )
        },
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        member: CallerMember,
        catalogue: Catalogue,
        units: OnDemandUnits,
        data: JSONBody[ListingCreate],
    ) -> Response[ListingView]:
        """List an animal (or answer the listing already imported under its reference)."""
        draft = draft_of(data)
        if data.external_ref is not None:
            async with units.open(member.organisation_id) as uow:
                found = await imported_listings(uow, member, [data.external_ref])
            if found:
                return Response(listing_view(found[0]), status_code=200)
        animal = await listed_animal(
            catalogue, member, data.animal_id, credential=bearer_of(request)
        )
        async with units.open(member.organisation_id) as uow:
            listing = await create_listing(uow, member, animal, draft)
        return Response(listing_view(listing), status_code=201)

    @patch(
        "/{listing_id:uuid}",
        guards=WRITE,
        security=SECURITY,
        summary="Change a listing",
        description="Change the given fields of one of the caller's listings (absent ones "
        "stay). Terms change only while it is a draft, available, hidden or expired (409 "
        "while an order holds it or once sold). `state` moves it: draft → available or "
        "hidden; available → on_hold (reserved by the seller), sold, hidden, expired; "
        "on_hold → available (only when no order holds it) or sold; hidden → available, "
        "draft, expired; expired → available, hidden; any other move is a 409. Emits "
        "`listing.updated` and/or `listing.state_changed`. 404 for another seller's listing.",
    )
    async def change(
        self,
        member: CallerMember,
        uow: UnitOfWork,
        listing_id: FromPath[uuid.UUID],
        data: JSONBody[ListingPatch],
    ) -> ListingView:
        """Change a listing."""
        return listing_view(await change_listing(uow, member, listing_id, changes_of(data)))

    @delete(
        "/{listing_id:uuid}",
        guards=WRITE,
        security=SECURITY,
        summary="Delete a listing",
        description="Remove one of the caller's listings; 409 while an order holds it or once "
        "sold (hide it instead). Emits `listing.deleted`. 404 for another seller's listing.",
    )
    async def remove(
        self, member: CallerMember, uow: UnitOfWork, listing_id: FromPath[uuid.UUID]
    ) -> None:
        """Delete a listing."""
        await delete_listing(uow, member, listing_id)


class SellerListingController(Controller):
    """A seller's own listings."""

    path = "/marketplace/seller/listings"
    tags = ("marketplace",)
    security = SECURITY

    @get(
        "/",
        guards=READ,
        summary="List your listings",
        description="The caller's organisation's listings in every state (or one `state`), "
        "newest first, paged with `limit`/`offset` and the `total` count. `external_ref` "
        f"(repeated, at most {MAX_PAGE}) answers instead the listings imported under those "
        "references, in one page.",
    )
    async def mine(
        self,
        member: CallerMember,
        uow: UnitOfWork,
        listing_state: Annotated[
            ListingStateName | None, QueryParameter(name="state", description="Only this state")
        ] = None,
        external_ref: Annotated[
            list[str] | None,
            QueryParameter(description="Only the listings imported under these references"),
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ListingPage:
        """The seller's listings."""
        if external_ref is not None:
            found = await imported_listings(uow, member, external_ref)
            return ListingPage([listing_view(x) for x in found], len(found), MAX_PAGE, 0)
        listings, total = await seller_listings(
            uow, member, ListingState(listing_state) if listing_state else None, limit, offset
        )
        return ListingPage([listing_view(x) for x in listings], total, limit, offset)
