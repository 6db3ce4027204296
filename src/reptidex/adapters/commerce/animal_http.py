"""The sellers' animals from repti-animal's ``GET /animals/{id}``, over HTTP with timeouts.

The seller's own bearer token is passed on, so repti-animal answers only for an animal of the
seller's organisation (404 otherwise); the answer becomes the listing's snapshot.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from fractions import Fraction

import httpx
import msgspec

from reptidex.adapters.peer_calls import PeerGetter
from reptidex.domain.commerce.listing_model import AnimalSnapshot, PossibleHet
from reptidex.domain.commerce.ports import AnimalsUnavailable, CatalogueAnimal
from reptidex.domain.errors import NotAuthenticated, NotFound, PermissionDenied


class PossibleHetBody(msgspec.Struct, frozen=True):
    """A possible het of repti-animal's answer."""

    gene: str
    probability: str


class GenotypeBody(msgspec.Struct, frozen=True):
    """The genotype of repti-animal's answer (the fields a listing shows)."""

    morph: str
    phenotype: str
    traits: list[str] = []
    hets: list[str] = []
    possible_hets: list[PossibleHetBody] = []


class AnimalBody(msgspec.Struct, frozen=True):
    """repti-animal's ``AnimalView`` (unknown fields ignored, so it may grow)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    species: str
    sex: str
    status: str
    genotype: GenotypeBody
    hatch_date: dt.date | None = None
    name: str | None = None
    code: str | None = None


def catalogue_animal(body: AnimalBody) -> CatalogueAnimal:
    """The catalogue's animal from repti-animal's answer."""
    g = body.genotype
    return CatalogueAnimal(
        organisation_id=body.organisation_id,
        status=body.status,
        snapshot=AnimalSnapshot(
            animal_id=body.id,
            species=body.species,
            sex=body.sex,
            hatch_date=body.hatch_date,
            morph=g.morph,
            phenotype=g.phenotype,
            traits=tuple(g.traits),
            hets=tuple(g.hets),
            possible_hets=tuple(
                PossibleHet(h.gene, Fraction(h.probability)) for h in g.possible_hets
            ),
            name=body.name,
            code=body.code,
        ),
    )


class HttpAnimalCatalogue:
    """The :class:`~reptidex.domain.commerce.ports.AnimalCatalogue` on repti-animal, through
    the kernel's peer client (timeouts, request id)."""

    def __init__(self, peers: Callable[[], PeerGetter]) -> None:
        self._peers = peers

    async def animal(self, animal_id: uuid.UUID, *, credential: str | None) -> CatalogueAnimal:
        """The animal as the seller (``credential``) sees it in their collection."""
        if not credential:
            raise NotAuthenticated("Listing an animal needs the seller's access token.")
        try:
            response = await self._peers().get(
                "animal", f"/animals/{animal_id}", headers={"Authorization": f"Bearer {credential}"}
            )
        except httpx.HTTPError as exc:
            raise AnimalsUnavailable(
                f"repti-animal could not be reached for the animal: {type(exc).__name__}."
            ) from None
        status = response.status_code
        if status == 404:
            raise NotFound(f"No animal {animal_id} in your collection.")
        if status == 401:
            raise NotAuthenticated("repti-animal refused the credentials.")
        if status == 403:
            raise PermissionDenied("repti-animal does not let this caller read the animal.")
        if status != 200:
            raise AnimalsUnavailable(f"repti-animal answered {status} for the animal.")
        try:
            body = msgspec.json.decode(response.content, type=AnimalBody)
            return catalogue_animal(body)
        except (msgspec.ValidationError, ValueError, ZeroDivisionError) as exc:
            raise AnimalsUnavailable(f"repti-animal's animal did not parse: {exc}.") from None
