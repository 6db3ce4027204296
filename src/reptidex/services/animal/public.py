"""``/public/animals/{id}``: an animal's public profile, readable without a token; and
``/public/animals``: the animals other organisations may see, page by page, for services."""

from __future__ import annotations

import datetime as dt
import uuid
from fractions import Fraction
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from reptidex.domain.animals.ports import SharedAnimals
from reptidex.domain.animals.shared import MAX_PAGE, SharedAnimal, shared_animals
from reptidex.domain.animals.use_cases import public_animal
from reptidex.services.animal.access import SECURITY, OnDemandUnitsOfWork
from reptidex.services.animal.schemas import AnimalIdentity, PossibleHetBody, StatusName
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import requires_service
from reptidex.services.kernel.plausible_dates import PlausibleDateTime


class PublicAnimalView(AnimalIdentity, frozen=True):
    """What anyone may see of a public animal: who it is and its genetics; never its notes,
    tags, parents' ids or husbandry."""

    hatch_date: dt.date | None
    status: StatusName
    morph: str
    phenotype: str
    traits: list[str]
    hets: list[str]
    possible_hets: list[PossibleHetBody]
    photo_ids: list[uuid.UUID]


class SharedAnimalView(AnimalIdentity, frozen=True):
    """An animal other organisations may see: its public summary, parent links (ids only)
    and when it last changed; a public animal's hets and possible hets (absent for a
    lineage-only one)."""

    phenotype: str
    status: StatusName
    visibility: Literal["lineage_only", "public"]
    sire_id: uuid.UUID | None
    dam_id: uuid.UUID | None
    updated_at: dt.datetime
    hets: list[str] | msgspec.UnsetType = msgspec.UNSET
    possible_hets: list[PossibleHetBody] | msgspec.UnsetType = msgspec.UNSET


class SharedAnimalPage(msgspec.Struct, frozen=True):
    """A page of the listing; ask for the next one with ``after=next_after`` (null: the last
    page)."""

    items: list[SharedAnimalView]
    next_after: uuid.UUID | None


def _possible_het(gene: str, probability: Fraction) -> PossibleHetBody:
    return PossibleHetBody(gene, str(probability), round(float(probability * 100), 4))


def _shared_view(animal: SharedAnimal) -> SharedAnimalView:
    hets = msgspec.UNSET if animal.hets is None else list(animal.hets)
    possible = (
        msgspec.UNSET
        if animal.possible_hets is None
        else [_possible_het(h.gene, h.probability) for h in animal.possible_hets]
    )
    return SharedAnimalView(
        animal.id, animal.organisation_id, animal.code, animal.name, animal.species,
        animal.sex,  # type: ignore[arg-type]  # the column holds male/female/unknown
        animal.phenotype,
        animal.status,  # type: ignore[arg-type]  # the column holds a Status
        animal.visibility,  # type: ignore[arg-type]  # the query keeps lineage-only/public
        animal.sire_id, animal.dam_id, animal.updated_at, hets, possible,
    )  # fmt: skip


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
        self, units: OnDemandUnitsOfWork, animal_id: FromPath[uuid.UUID]
    ) -> PublicAnimalView:
        """A public profile."""
        async with units.open(None) as uow:
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
            possible_hets=[_possible_het(h.gene, h.probability) for h in g.possible_hets],
            photo_ids=list(animal.photo_ids),
        )

    @get(
        "/",
        guards=[requires_service()],
        security=SECURITY,
        summary="List the animals other organisations may see (service tokens)",
        description="Every `lineage_only` and `public` animal of every organisation, by id, "
        f"`limit` (1-{MAX_PAGE}, default 200) per page: ask for the next page with "
        "`after=next_after` until `next_after` is null. `updated_since` lists only animals "
        "changed since then (a catch-up), `organisation_id` one breeder's. Public summary, "
        "parent ids and `updated_at` only, and for `public` animals their `hets` and "
        "`possible_hets` as their public profile shows them (absent for `lineage_only` "
        "ones; never notes, tags or private animals). For services' read models "
        "(repti-media's widgets backfill from it); service tokens only.",
    )
    async def list_shared(
        self,
        shared_animals_source: Injected[SharedAnimals],
        after: Annotated[
            uuid.UUID | None, QueryParameter(description="The last id of the previous page")
        ] = None,
        limit: Annotated[
            int, QueryParameter(ge=1, le=MAX_PAGE, description="Animals per page")
        ] = 200,
        updated_since: Annotated[
            PlausibleDateTime | None,
            QueryParameter(description="Only animals changed since (ISO 8601 with zone)"),
        ] = None,
        organisation_id: Annotated[
            uuid.UUID | None, QueryParameter(description="Only this organisation's animals")
        ] = None,
    ) -> SharedAnimalPage:
        """A page of shared animals."""
        page = await shared_animals(
            shared_animals_source,
            after=after,
            limit=limit,
            updated_since=updated_since,
            organisation_id=organisation_id,
        )
        return SharedAnimalPage([_shared_view(a) for a in page.items], page.next_after)
