"""``/public/animals/{id}``: an animal's public profile, readable without a token."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import FromPath

from reptidex.domain.animals.use_cases import public_animal
from reptidex.services.animal.access import read_only_uow
from reptidex.services.animal.schemas import PossibleHetBody, SexName, StatusName


class PublicAnimalView(msgspec.Struct, frozen=True):
    """What anyone may see of a public animal: who it is and its genetics; never its notes,
    tags, parents' ids or husbandry."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    code: str
    name: str | None
    species: str
    sex: SexName
    hatch_date: dt.date | None
    status: StatusName
    morph: str
    phenotype: str
    traits: list[str]
    hets: list[str]
    possible_hets: list[PossibleHetBody]
    photo_ids: list[uuid.UUID]


class PublicController(Controller):
    """Public profiles (embeds, listings, shared links)."""

    path = "/public/animals"
    tags = ("public",)

    @get(
        "/{animal_id:uuid}",
        summary="Show a public animal",
        description="The public profile of an animal whose visibility is `public`, of any "
        "organisation, without a token: identity, status, morph, visual traits, hets and "
        "possible hets, photo ids. 404 for any other animal.",
    )
    async def show_public(
        self, request: Request[Any, Any, Any], animal_id: FromPath[uuid.UUID]
    ) -> PublicAnimalView:
        """A public profile."""
        async with read_only_uow(request.app, None) as uow:
            animal = await public_animal(uow, animal_id)
        g = animal.genotype
        return PublicAnimalView(
            id=animal.id,
            organisation_id=animal.organisation_id,
            code=animal.code,
            name=animal.name,
            species=animal.species,
            sex=animal.sex.value,
            hatch_date=animal.hatch_date,
            status=animal.status.value,
            morph=g.morph,
            phenotype=g.phenotype,
            traits=list(g.traits),
            hets=list(g.hets),
            possible_hets=[
                PossibleHetBody(h.gene, str(h.probability), round(float(h.probability * 100), 4))
                for h in g.possible_hets
            ],
            photo_ids=list(animal.photo_ids),
        )
