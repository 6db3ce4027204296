"""Where ``reptidex search reindex`` reads the public things from, over the peer client:
repti-animal's ``GET /public/animals`` (with community's service token) and each public
animal's profile (its genes); repti-commerce's open listings (``GET /marketplace/listings``)
and the profiles of their sellers (``GET /marketplace/sellers/{id}``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
import msgspec

from reptidex.adapters.peer_calls import PeerGetter, ServiceHeaders
from reptidex.domain.community.search.documents import ANIMAL, BREEDER, LISTING, SearchDocument
from reptidex.domain.community.search.feed import (
    animal_document,
    breeder_document,
    listing_document,
)

ANIMAL_PAGE = 200
LISTING_PAGE = 100
AT_ONCE = 8
"""Animals listed per page, listings per page, profiles asked for at once."""


class SourceUnavailable(RuntimeError):
    """An owning service did not answer as expected."""


async def _get_json(
    peers: PeerGetter, service: str, path: str, headers: dict[str, str], **params: Any
) -> Any:
    try:
        response = await peers.get(service, path, params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise SourceUnavailable(f"repti-{service} could not be reached: {exc!r}") from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise SourceUnavailable(f"repti-{service} answered {response.status_code} for {path}")
    return msgspec.json.decode(response.content)


def _time(value: Any) -> dt.datetime:
    if value:
        return dt.datetime.fromisoformat(str(value))
    return dt.datetime.now(dt.UTC)


class HttpPublicAnimals:
    """The public animals of every organisation (lineage-only ones are not public)."""

    kind = ANIMAL
    complete = True

    def __init__(self, peers: Callable[[], PeerGetter], headers: ServiceHeaders) -> None:
        self._peers = peers
        self._headers = headers

    async def _profile(
        self, item: dict[str, Any], headers: dict[str, str]
    ) -> SearchDocument | None:
        profile = await _get_json(self._peers(), "animal", f"/public/animals/{item['id']}", headers)
        if profile is None:  # made private meanwhile
            return None
        payload = dict(profile, animal_id=item["id"])
        organisation = uuid.UUID(str(item["organisation_id"]))
        return animal_document(payload, organisation, _time(item.get("updated_at")))

    async def pages(self) -> AsyncIterator[Sequence[SearchDocument]]:
        """A page of public animals at a time, each with its genes."""
        after: str | None = None
        limit = asyncio.Semaphore(AT_ONCE)

        async def one(item: dict[str, Any], headers: dict[str, str]) -> SearchDocument | None:
            async with limit:
                return await self._profile(item, headers)

        while True:
            headers = await self._headers()
            params: dict[str, Any] = {"limit": ANIMAL_PAGE}
            if after:
                params["after"] = after
            page = await _get_json(self._peers(), "animal", "/public/animals", headers, **params)
            if page is None:
                raise SourceUnavailable("repti-animal has no /public/animals")
            public = [i for i in page["items"] if i.get("visibility") == "public"]
            found = await asyncio.gather(*(one(i, headers) for i in public))
            yield [d for d in found if d is not None]
            after = page.get("next_after")
            if not after:
                return


class HttpOpenListings:
    """The open marketplace listings (public, no token needed); the sellers met on the way
    are kept for :class:`HttpSellers`."""

    kind = LISTING
    complete = True

    def __init__(self, peers: Callable[[], PeerGetter]) -> None:
        self._peers = peers
        self.sellers: set[str] = set()

    async def pages(self) -> AsyncIterator[Sequence[SearchDocument]]:
        """A page of open listings at a time."""
        offset = 0
        while True:
            page = await _get_json(
                self._peers(), "commerce", "/marketplace/listings", {},
                limit=LISTING_PAGE, offset=offset,
            )  # fmt: skip
            if page is None:
                raise SourceUnavailable("repti-commerce has no /marketplace/listings")
            documents = []
            for item in page["items"]:
                animal = item["animal"]
                self.sellers.add(str(item["seller_organisation_id"]))
                payload = {
                    "listing_id": item["id"], "state": item["state"], "title": item["title"],
                    "description": item["description"], "country": item["country"],
                    "region": item.get("region"), "price_amount": item["price"]["amount"],
                    "currency": item["price"]["currency"], "species": animal["species"],
                    "sex": animal["sex"], "morph": animal["morph"], "traits": animal["traits"],
                    "hets": animal["hets"],
                }  # fmt: skip
                documents.append(
                    listing_document(
                        payload,
                        uuid.UUID(str(item["seller_organisation_id"])),
                        _time(item.get("updated_at")),
                    )
                )
            yield documents
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return


class HttpSellers:
    """The seller profiles of the organisations ``listings`` met (repti-commerce lists no
    profiles by themselves: a breeder with no open listing keeps what its events stored)."""

    kind = BREEDER
    complete = False

    def __init__(self, peers: Callable[[], PeerGetter], listings: HttpOpenListings) -> None:
        self._peers = peers
        self._listings = listings

    async def pages(self) -> AsyncIterator[Sequence[SearchDocument]]:
        """The profiles, a page of them at a time."""
        sellers = sorted(self._listings.sellers)
        for start in range(0, len(sellers), LISTING_PAGE):
            documents = []
            for organisation in sellers[start : start + LISTING_PAGE]:
                path = f"/marketplace/sellers/{organisation}"
                profile = await _get_json(self._peers(), "commerce", path, {})
                if profile and profile.get("display_name"):
                    documents.append(breeder_document(profile, _time(profile.get("updated_at"))))
            yield documents
