"""An organisation's listings in repti-commerce, for the partner marketplace feed and import:
the open listings read from the public search (``GET /marketplace/listings?seller=``, no
token: what anyone may see), the listings imported under partner ids read from
``GET /marketplace/seller/listings?external_ref=``, and new listings made through
``POST /marketplace/listings`` with ``external_ref`` (idempotent per reference).

The seller's calls carry the caller's own bearer token, so repti-commerce checks the caller's
right to list, asks repti-animal for the animal with it, and its audit records name the
caller."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import httpx
import msgspec

from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.money_text import decimal_text
from reptidex.domain.errors import InvalidInput, NotAuthenticated, PermissionDenied
from reptidex.domain.integrations.marketplaces.model import FeedListing, ListingOffer
from reptidex.domain.integrations.marketplaces.ports import ListingRefused, ListingsUnavailable

T = TypeVar("T")


class Peers(Protocol):
    """The part of the kernel's peer client this adapter uses."""

    async def request(self, method: str, service: str, path: str, **kwargs: Any) -> httpx.Response:
        """``method`` ``path`` on ``service``."""
        ...


class _Price(msgspec.Struct, frozen=True):
    amount: int
    currency: str


class _PossibleHet(msgspec.Struct, frozen=True):
    gene: str
    percent: float


class _Animal(msgspec.Struct, frozen=True):
    animal_id: uuid.UUID
    species: str
    sex: str
    hatch_date: dt.date | None = None
    traits: list[str] = []
    hets: list[str] = []
    possible_hets: list[_PossibleHet] = []


class _Listing(msgspec.Struct, frozen=True):
    id: uuid.UUID
    state: str
    title: str
    description: str
    price: _Price
    country: str
    shipping_available: bool
    animal: _Animal
    external_ref: str | None = None


class _Page(msgspec.Struct, frozen=True):
    items: list[_Listing]
    total: int


def _traits(animal: _Animal) -> tuple[str, ...]:
    possible = [f"{round(h.percent)}% het {h.gene}" for h in animal.possible_hets]
    return (*animal.traits, *(f"het {h}" for h in animal.hets), *possible)


def feed_listing(body: _Listing) -> FeedListing:
    """The feed's row of a listing as repti-commerce shows it."""
    try:
        price = decimal_text(Money.of(body.price.amount, body.price.currency))
    except InvalidInput as error:
        raise ListingsUnavailable(f"repti-commerce answered a price it names: {error}") from None
    return FeedListing(
        listing_id=body.id,
        animal_id=body.animal.animal_id,
        title=body.title,
        species=body.animal.species,
        sex=body.animal.sex,
        birth_date=body.animal.hatch_date,
        traits=_traits(body.animal),
        price=price,
        currency=body.price.currency,
        description=body.description,
        country=body.country,
        shipping=body.shipping_available,
        status=body.state,
    )


class HttpPartnerListings:
    """The :class:`~reptidex.domain.integrations.marketplaces.ports.PartnerListings` port on
    repti-commerce, through the kernel's peer client (timeouts, request id)."""

    def __init__(self, peers: Callable[[], Peers]) -> None:
        self._peers = peers

    async def _call(
        self, method: str, path: str, credential: str | None, *, public: bool = False, **kw: Any
    ) -> httpx.Response:
        headers: dict[str, str] = {}
        if not public:
            if not credential:
                raise NotAuthenticated("An import needs the caller's access token.")
            headers["Authorization"] = f"Bearer {credential}"
        try:
            return await self._peers().request(method, "commerce", path, headers=headers, **kw)
        except httpx.HTTPError as error:
            raise ListingsUnavailable(
                f"repti-commerce could not be reached: {type(error).__name__}."
            ) from None

    @staticmethod
    def _decode(response: httpx.Response, kind: type[T]) -> T:
        if response.status_code == 401:
            raise NotAuthenticated("repti-commerce refused the credentials.")
        if response.status_code == 403:
            raise PermissionDenied("repti-commerce does not let this caller list animals.")
        if response.status_code not in (200, 201):
            raise ListingsUnavailable(f"repti-commerce answered {response.status_code}.")
        try:
            return msgspec.json.decode(response.content, type=kind)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            raise ListingsUnavailable(f"repti-commerce's answer did not parse: {error}.") from None

    async def open_page(
        self, organisation_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[list[FeedListing], int]:
        """A page of the organisation's open listings, newest first, and the total."""
        params = {"seller": str(organisation_id), "limit": limit, "offset": offset}
        response = await self._call(
            "GET", "/marketplace/listings", None, public=True, params=params
        )
        page = self._decode(response, _Page)
        return [feed_listing(x) for x in page.items], page.total

    async def imported(
        self, refs: Sequence[str], *, credential: str | None
    ) -> dict[str, uuid.UUID]:
        """The caller's organisation's listings imported under ``refs``."""
        if not refs:
            return {}
        response = await self._call(
            "GET",
            "/marketplace/seller/listings",
            credential,
            params={"external_ref": list(refs)},
        )
        page = self._decode(response, _Page)
        return {x.external_ref: x.id for x in page.items if x.external_ref is not None}

    async def create(
        self, offer: ListingOffer, animal_id: uuid.UUID, *, credential: str | None
    ) -> uuid.UUID:
        """List the animal under ``offer.external_ref``; the listing's id."""
        body = {
            "animal_id": str(animal_id),
            "title": offer.title,
            "price": {"amount": offer.amount, "currency": offer.currency},
            "country": offer.country,
            "description": offer.description,
            "shipping_available": offer.shipping,
            "publish": offer.publish,
            "external_ref": offer.external_ref,
        }
        response = await self._call("POST", "/marketplace/listings", credential, json=body)
        if response.status_code in (400, 401, 403, 404, 409, 422):
            try:
                detail = str(msgspec.json.decode(response.content).get("detail", ""))
            except (msgspec.DecodeError, AttributeError):
                detail = ""
            raise ListingRefused(
                f"repti-commerce refused the listing ({response.status_code}): {detail}".strip()
            )
        return self._decode(response, _Listing).id
