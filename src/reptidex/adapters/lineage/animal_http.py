"""The lineage source on repti-animal's ``GET /lineage/{animal_id}``, over HTTP with timeouts.

The caller's own bearer token is passed on when there is one, so repti-animal applies the
caller's rights (own animals in full, others' public fields only); without one, the media
service's own service token is sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import httpx
import msgspec

from reptidex.adapters.peer_calls import PeerGetter, ServiceHeaders
from reptidex.domain.errors import NotAuthenticated, NotFound, PermissionDenied
from reptidex.domain.het_labels import read_possible_het
from reptidex.domain.media.lineage import (
    AnimalOrigin,
    ChartAnimal,
    LineagePosition,
    LineageSnapshot,
    LineageUnavailable,
)


class LineageAnimalBody(msgspec.Struct, frozen=True):
    """An animal of repti-animal's lineage response (the fields charts use)."""

    restricted: bool
    own: bool = False
    id: uuid.UUID | None = None
    code: str | None = None
    name: str | None = None
    species: str | None = None
    sex: str | None = None
    phenotype: str | None = None
    hatch_date: dt.date | None = None
    hets: list[str] | None = None
    possible_hets: list[str] | None = None
    """As repti-animal lists them: ``"2/3 Clown"``."""


class TreePositionBody(msgspec.Struct, frozen=True):
    """A position of repti-animal's lineage tree."""

    position: int
    generation: int
    line: str
    repeat_of: int | None
    animal: LineageAnimalBody


class InbreedingBody(msgspec.Struct, frozen=True):
    """The inbreeding coefficient and its depth."""

    coefficient: float
    generations: int


class ClutchBody(msgspec.Struct, frozen=True):
    """The clutch of origin of repti-animal's lineage response."""

    id: uuid.UUID
    laid_on: dt.date | None = None
    organisation_id: uuid.UUID | None = None


class OriginBody(msgspec.Struct, frozen=True):
    """Where the lineage's animal comes from (repti-animal's ``OriginView``)."""

    origin: str = "bred"
    keeper_organisation_id: uuid.UUID | None = None
    breeder_organisation_id: uuid.UUID | None = None
    clutch: ClutchBody | None = None


class LineageBody(msgspec.Struct, frozen=True):
    """repti-animal's ``LineageView`` (unknown fields ignored, so it may grow)."""

    animal: LineageAnimalBody
    generations: int
    tree: list[TreePositionBody]
    inbreeding: InbreedingBody
    origin: OriginBody | None = None


def origin_of(body: OriginBody | None) -> AnimalOrigin | None:
    """The snapshot's origin from the response's."""
    if body is None:
        return None
    clutch = body.clutch
    return AnimalOrigin(
        origin=body.origin,
        keeper_organisation_id=body.keeper_organisation_id,
        breeder_organisation_id=body.breeder_organisation_id,
        clutch_id=None if clutch is None else clutch.id,
        clutch_laid_on=None if clutch is None else clutch.laid_on,
    )


def chart_animal(body: LineageAnimalBody) -> ChartAnimal:
    """The chart's view of an animal of the response."""
    if body.restricted:
        return ChartAnimal(restricted=True)
    return ChartAnimal(
        id=None if body.id is None else str(body.id),
        code=body.code,
        name=body.name,
        species=body.species,
        sex=body.sex,
        morph=body.phenotype,
        hets=tuple(body.hets or ()),
        possible_hets=tuple(read_possible_het(share) for share in body.possible_hets or ()),
        hatch_date=body.hatch_date,
    )


def snapshot_of(animal_id: uuid.UUID, body: LineageBody) -> LineageSnapshot:
    """A lineage snapshot from repti-animal's response."""
    return LineageSnapshot(
        animal_id=animal_id,
        generations=body.generations,
        positions=tuple(
            LineagePosition(p.position, p.generation, p.line, p.repeat_of, chart_animal(p.animal))
            for p in sorted(body.tree, key=lambda p: p.position)
        ),
        coefficient=body.inbreeding.coefficient,
        coefficient_generations=body.inbreeding.generations,
        origin=origin_of(body.origin),
    )


class HttpLineageSource:
    """Lineages from repti-animal through the kernel's peer client (timeouts, request id)."""

    def __init__(
        self,
        peers: Callable[[], PeerGetter],
        service_headers: ServiceHeaders,
    ) -> None:
        self._peers = peers
        self._service_headers = service_headers

    async def lineage(
        self, animal_id: uuid.UUID, generations: int, *, credential: str | None
    ) -> LineageSnapshot:
        """The lineage of ``animal_id`` to ``generations`` (no descendants)."""
        try:
            headers = (
                {"Authorization": f"Bearer {credential}"}
                if credential
                else await self._service_headers()
            )
            response = await self._peers().get(
                "animal",
                f"/lineage/{animal_id}",
                params={"generations": generations, "descendants": 0},
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise LineageUnavailable(
                f"repti-animal could not be reached for the lineage: {type(exc).__name__}."
            ) from None
        status = response.status_code
        if status == 404:
            raise NotFound(f"No animal {animal_id} that you may see.")
        if status == 401:
            raise NotAuthenticated("repti-animal refused the credentials.")
        if status == 403:
            raise PermissionDenied("repti-animal does not let this caller see the lineage.")
        if status != 200:
            raise LineageUnavailable(f"repti-animal answered {status} for the lineage.")
        try:
            body = msgspec.json.decode(response.content, type=LineageBody)
        except msgspec.ValidationError as exc:
            raise LineageUnavailable(f"repti-animal's lineage did not parse: {exc}.") from None
        return snapshot_of(animal_id, body)
