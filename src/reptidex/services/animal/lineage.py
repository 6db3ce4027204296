"""``/lineage``: an animal's pedigree tree, inbreeding, completeness and descendants."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from reptidex.domain.animals.lineage import Lineage, LineageEntry, lineage
from reptidex.services.animal.access import READ, SECURITY, CallerActor, UnitOfWork


class LineageAnimal(msgspec.Struct, frozen=True):
    """An animal in a lineage. Animals of other organisations show only public fields
    (``own`` false); a private one shows nothing but ``restricted``."""

    restricted: bool
    own: bool
    id: uuid.UUID | None = None
    code: str | None = None
    name: str | None = None
    species: str | None = None
    sex: Literal["male", "female", "unknown"] | None = None
    phenotype: str | None = None
    hatch_date: dt.date | None = None
    hets: list[str] | None = None
    possible_hets: list[str] | None = None
    status: str | None = None


class TreePosition(msgspec.Struct, frozen=True):
    """A position of the pedigree tree: ahnentafel number (root 1, sire of k = 2k, dam =
    2k+1), generation, line from the root (``S``/``D``), and ``repeat_of`` the first position of
    an ancestor that appears again (pedigree collapse)."""

    position: int
    generation: int
    line: str
    repeat_of: int | None
    animal: LineageAnimal


class InbreedingView(msgspec.Struct, frozen=True):
    """The inbreeding coefficient F and the pedigree depth it rests on."""

    coefficient: float
    generations: int
    equivalent_generations: float


class DescendantView(msgspec.Struct, frozen=True):
    """A descendant and its generation (1 = offspring)."""

    generation: int
    animal: LineageAnimal


class LineageView(msgspec.Struct, frozen=True):
    """An animal's lineage."""

    animal: LineageAnimal
    generations: int
    tree: list[TreePosition]
    repeated_ancestors: list[uuid.UUID]
    inbreeding: InbreedingView
    completeness: list[float]
    descendants: list[DescendantView]


def lineage_animal(entry: LineageEntry) -> LineageAnimal:
    """The view of an entry: every field for the caller's own animals, public ones otherwise."""
    animal = entry.animal
    if animal is None:
        return LineageAnimal(restricted=True, own=False)
    private = entry.own
    return LineageAnimal(
        restricted=False,
        own=entry.own,
        id=animal.id,
        code=animal.code,
        name=animal.name,
        species=animal.species,
        sex=animal.sex.value,
        phenotype=animal.genotype.phenotype,
        hatch_date=animal.hatch_date,
        hets=list(animal.genotype.hets) if private else None,
        possible_hets=[f"{h.probability} {h.gene}" for h in animal.genotype.possible_hets]
        if private
        else None,
        status=animal.status.value if private else None,
    )


def lineage_view(result: Lineage) -> LineageView:
    """The response body of a lineage."""
    return LineageView(
        animal=lineage_animal(result.root),
        generations=result.generations,
        tree=[
            TreePosition(p.position, p.generation, p.line, p.repeat_of, lineage_animal(p.entry))
            for p in result.tree
        ],
        repeated_ancestors=list(result.repeated_ancestors),
        inbreeding=InbreedingView(
            round(result.inbreeding.coefficient, 10),
            result.inbreeding.generations,
            round(result.inbreeding.equivalent_generations, 6),
        ),
        completeness=[round(c, 6) for c in result.completeness],
        descendants=[DescendantView(g, lineage_animal(e)) for e, g in result.descendants],
    )


class LineageController(Controller):
    """Lineage of the caller's animals (and of public animals of others)."""

    path = "/lineage"
    tags = ("lineage",)
    security = SECURITY

    @get(
        "/{animal_id:uuid}",
        guards=READ,
        summary="Show an animal's lineage",
        description="The pedigree tree to `generations` generations (default 5, 1-20) with "
        "repeated ancestors marked, the animal's inbreeding coefficient F with the number of "
        "generations (and equivalent complete generations) it rests on, pedigree completeness "
        "per generation, and descendants to `descendants` generations (default 3, 0-20). Loaded "
        "in one recursive query and computed by the pedigree engine. Animals of other "
        "organisations show only public fields (lineage-only and public ones) or as "
        "`restricted` (private).",
    )
    async def show_lineage(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        animal_id: FromPath[uuid.UUID],
        generations: Annotated[
            int, QueryParameter(ge=1, le=20, description="Generations of ancestors (1-20)")
        ] = 5,
        descendants: Annotated[
            int, QueryParameter(ge=0, le=20, description="Generations of descendants (0-20)")
        ] = 3,
    ) -> LineageView:
        """An animal's lineage."""
        result = await lineage(
            uow, actor, animal_id, generations=generations, descendant_generations=descendants
        )
        return lineage_view(result)
