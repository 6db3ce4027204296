"""``/community/saved-listings``: the marketplace listings a user keeps an eye on; a price
drop on one notifies them (``listing.price_dropped``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from reptidex.domain.notifications.audience import MAX_SAVED, save_listing, unsave_listing
from reptidex.services.community.notification_access import NotificationsDependency
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_user
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Items per page (1-100).")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_SAVED, description="Items to skip.")]


class SavedListing(msgspec.Struct, frozen=True):
    """A saved listing and when it was saved."""

    listing_id: uuid.UUID
    saved_at: dt.datetime


class SavedListingPage(msgspec.Struct, frozen=True):
    """A page of saved listings, newest first."""

    items: list[SavedListing]
    total: int
    limit: int
    offset: int


class SaveOutcome(msgspec.Struct, frozen=True):
    """Whether this call saved the listing (``false``: it was saved already)."""

    listing_id: uuid.UUID
    saved: bool


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


_USER = {401: _problem("No valid access token."), 403: _problem("Not a user's token.")}


class SavedListingController(Controller):
    """The caller's saved listings."""

    path = "/community/saved-listings"
    tags = ("notifications",)
    security = BEARER
    guards = [requires_user]  # noqa: RUF012 (Litestar's declaration)

    @get("/", summary="The caller's saved listings", responses=_USER)
    async def list_saved(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> SavedListingPage:
        """A page."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            found, total = await uow.saved_listings.of_user(user_id, limit, offset)
        return SavedListingPage([SavedListing(*item) for item in found], total, limit, offset)

    @put(
        "/{listing_id:uuid}",
        status_code=200,
        summary="Save a listing",
        description="Idempotent. A price drop on the listing (`listing.updated` with a lower "
        f"price) then notifies the caller. At most {MAX_SAVED} saved listings.",
        responses={**_USER, 409: _problem(f"Already {MAX_SAVED} saved listings.")},
    )
    async def save(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        listing_id: FromPath[uuid.UUID],
    ) -> SaveOutcome:
        """Save."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            saved = await save_listing(uow, user_id, listing_id, notifications.clock())
        return SaveOutcome(listing_id, saved)

    @delete(
        "/{listing_id:uuid}",
        status_code=204,
        summary="Forget a saved listing",
        responses={**_USER, 404: _problem("The listing is not among the caller's saved ones.")},
    )
    async def unsave(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        listing_id: FromPath[uuid.UUID],
    ) -> None:
        """Forget."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            await unsave_listing(uow, user_id, listing_id, notifications.clock())
