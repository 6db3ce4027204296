"""repti-animal's ``GET /public/animals`` (lineage-only and public animals, page by page) with
the media service's own token, over the kernel's peer client (timeouts, request id).

A public animal comes with its hets and possible hets; a listing without them (a lineage-only
animal, or a repti-animal from before they were listed) says nothing of what it carries."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import httpx
import msgspec

from reptidex.adapters.peer_calls import PeerGetter, ServiceHeaders
from reptidex.domain.media.embeds import PossibleHet, PublicAnimal
from reptidex.domain.media.lineage import LineageUnavailable
from reptidex.domain.media.ports import SharedAnimal, SharedPage

PAGE_SIZE = 200


class PossibleHetBody(msgspec.Struct, frozen=True):
    """A gene a listed animal may carry: ``probability`` an exact fraction (``"2/3"``)."""

    gene: str
    probability: str


class SharedAnimalBody(msgspec.Struct, frozen=True):
    """An animal of the listing (unknown fields ignored)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    code: str
    name: str | None
    species: str
    sex: str
    phenotype: str
    status: str
    visibility: str
    sire_id: uuid.UUID | None
    dam_id: uuid.UUID | None
    updated_at: dt.datetime
    hets: list[str] | None = None
    possible_hets: list[PossibleHetBody] | None = None


class SharedPageBody(msgspec.Struct, frozen=True):
    """A page of the listing."""

    items: list[SharedAnimalBody]
    next_after: uuid.UUID | None


def _possible_het(body: PossibleHetBody) -> PossibleHet | None:
    try:
        probability = Fraction(body.probability)
    except (ValueError, ZeroDivisionError):
        return None
    return PossibleHet(body.gene, probability) if 0 < probability < 1 else None


def shared_animal(body: SharedAnimalBody) -> SharedAnimal:
    """The domain's view of a listed animal (a possible het whose probability does not read
    as one is left out)."""
    possible = (_possible_het(h) for h in body.possible_hets or ())
    return SharedAnimal(
        PublicAnimal(
            body.id,
            body.organisation_id,
            body.code,
            body.name,
            body.species,
            body.sex,
            body.phenotype,
            body.status,
            body.visibility,
            body.sire_id,
            body.dam_id,
            tuple(body.hets or ()),
            tuple(h for h in possible if h is not None),
        ),
        body.updated_at,
        genetics_listed=body.hets is not None or body.possible_hets is not None,
    )


class HttpSharedAnimals:
    """:class:`~reptidex.domain.media.ports.SharedAnimalSource` on repti-animal."""

    def __init__(
        self,
        peers: Callable[[], PeerGetter],
        service_headers: ServiceHeaders,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._peers = peers
        self._service_headers = service_headers
        self._page_size = page_size

    async def page(
        self,
        *,
        after: uuid.UUID | None,
        updated_since: dt.datetime | None,
        organisation_id: uuid.UUID | None,
    ) -> SharedPage:
        """One page of the listing."""
        params: dict[str, Any] = {"limit": self._page_size}
        if after is not None:
            params["after"] = str(after)
        if updated_since is not None:
            params["updated_since"] = updated_since.isoformat()
        if organisation_id is not None:
            params["organisation_id"] = str(organisation_id)
        try:
            response = await self._peers().get(
                "animal", "/public/animals", params=params, headers=await self._service_headers()
            )
        except httpx.HTTPError as exc:
            raise LineageUnavailable(
                f"repti-animal could not be reached for its animals: {type(exc).__name__}."
            ) from None
        if response.status_code != 200:
            raise LineageUnavailable(
                f"repti-animal answered {response.status_code} for its animals."
            )
        try:
            body = msgspec.json.decode(response.content, type=SharedPageBody)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise LineageUnavailable(f"repti-animal's animals did not parse: {exc}.") from None
        return SharedPage(tuple(shared_animal(i) for i in body.items), body.next_after)
