"""Who sells a listing, from repti-commerce's ``GET /marketplace/listings/{id}``, over HTTP
with timeouts. The advertiser's own bearer token is passed on, so its drafts and hidden
listings count as its own too."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import msgspec

from reptidex.adapters.peer_calls import PeerGetter
from reptidex.domain.errors import FeatureUnavailable


class ListingBody(msgspec.Struct, frozen=True):
    """The part of repti-commerce's ``ListingView`` this needs (the rest is ignored)."""

    id: uuid.UUID
    seller_organisation_id: uuid.UUID


class HttpListingOwners:
    """:class:`~reptidex.domain.ads.ports.ListingOwners` on repti-commerce, through the
    kernel's peer client."""

    def __init__(self, peers: Callable[[], PeerGetter]) -> None:
        self._peers = peers

    async def seller_of(self, listing_id: uuid.UUID, *, credential: str | None) -> uuid.UUID | None:
        """The selling organisation, or ``None`` when repti-commerce shows no such listing."""
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        try:
            response = await self._peers().get(
                "commerce", f"/marketplace/listings/{listing_id}", headers=headers
            )
        except httpx.HTTPError as exc:
            raise FeatureUnavailable(
                f"repti-commerce could not be reached for the listing: {type(exc).__name__}."
            ) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise FeatureUnavailable(
                f"repti-commerce answered {response.status_code} for the listing."
            )
        try:
            return msgspec.json.decode(response.content, type=ListingBody).seller_organisation_id
        except msgspec.ValidationError as exc:
            raise FeatureUnavailable(f"repti-commerce's listing did not parse: {exc}.") from None
