"""An animal's lineage: its pedigree tree, inbreeding, completeness and descendants.

The records come from the repository in one query; everything computed on them is the pedigree
engine's (:func:`~reptidex.engine.pedigree.pedigree_tree`, :func:`inbreeding`,
:func:`completeness`, :func:`equivalent_generations`, :func:`descendants`). Animals of other
organisations appear only when they are ``public`` or ``lineage_only``, and then only with
their public fields; a private one is a position marked ``restricted``.
"""

from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass

from reptidex.domain.animals.model import Animal, Visibility
from reptidex.domain.animals.ports import AnimalUnitOfWork
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.engine import pedigree as ped

MAX_GENERATIONS = 20


@dataclass(frozen=True, slots=True)
class LineageEntry:
    """An animal as a lineage shows it: ``animal`` is ``None`` when it is private to another
    organisation (``restricted``; private descendants of others are left out); ``own`` when it is of the caller's organisation (all fields
    may be shown), otherwise only its public fields may be."""

    animal: Animal | None
    own: bool

    @property
    def restricted(self) -> bool:
        """Whether the caller may not see this animal at all."""
        return self.animal is None


@dataclass(frozen=True, slots=True)
class LineagePosition:
    """One position of the pedigree tree (ahnentafel numbering: sire of k is 2k, dam 2k+1)."""

    position: int
    generation: int
    line: str
    repeat_of: int | None
    entry: LineageEntry


@dataclass(frozen=True, slots=True)
class Inbreeding:
    """The animal's inbreeding coefficient and the depth of pedigree it rests on."""

    coefficient: float
    generations: int
    """Generations of known ancestors taken into account (the deepest known ancestor)."""
    equivalent_generations: float
    """Equivalent complete generations of the pedigree used."""


@dataclass(frozen=True, slots=True)
class Lineage:
    """An animal's lineage to ``generations`` generations back and ``descendant_generations``
    forward."""

    root: LineageEntry
    generations: int
    tree: tuple[LineagePosition, ...]
    repeated_ancestors: tuple[uuid.UUID, ...]
    inbreeding: Inbreeding
    completeness: tuple[float, ...]
    descendants: tuple[tuple[LineageEntry, int], ...]


def _entry(actor: Actor, animal: Animal) -> LineageEntry:
    if animal.organisation_id == actor.organisation_id:
        return LineageEntry(animal, True)
    if animal.visibility is Visibility.PRIVATE:
        return LineageEntry(None, False)
    return LineageEntry(animal, False)


async def lineage(
    uow: AnimalUnitOfWork,
    actor: Actor,
    animal_id: uuid.UUID,
    *,
    generations: int = 5,
    descendant_generations: int = 3,
) -> Lineage:
    """The lineage of an animal of the actor's collection (or a public animal of another).

    Raises :class:`NotFound` for an unknown or private foreign animal and
    :class:`InvalidInput` for a depth outside 1..20.
    """
    if not 1 <= generations <= MAX_GENERATIONS:
        raise InvalidInput(
            f"generations must be between 1 and {MAX_GENERATIONS}.",
            field_errors={"generations": f"between 1 and {MAX_GENERATIONS}"},
        )
    if not 0 <= descendant_generations <= MAX_GENERATIONS:
        raise InvalidInput(
            f"descendants must be between 0 and {MAX_GENERATIONS}.",
            field_errors={"descendants": f"between 0 and {MAX_GENERATIONS}"},
        )
    records = await uow.animals.pedigree(
        [animal_id], ancestors=generations, descendants=descendant_generations
    )
    by_id = {a.id: a for a in records}
    root = by_id.get(animal_id)
    if root is None or (
        root.organisation_id != actor.organisation_id and root.visibility is not Visibility.PUBLIC
    ):
        raise NotFound(f"No animal {animal_id} in this collection.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ped.MissingParentWarning)
            pedigree = ped.Pedigree(
                ped.Animal(
                    str(a.id),
                    None if a.sire_id is None else str(a.sire_id),
                    None if a.dam_id is None else str(a.dam_id),
                    ped.Sex(a.sex.value),
                )
                for a in records
            )
    except ped.PedigreeError as error:  # only data written around the use cases can do this
        raise Conflict(f"The stored pedigree of this animal is inconsistent: {error}") from error
    key = str(animal_id)
    tree = ped.pedigree_tree(pedigree, key, generations)

    def entry(ident: str) -> LineageEntry:
        animal = by_id.get(uuid.UUID(ident))
        return LineageEntry(None, False) if animal is None else _entry(actor, animal)

    known = ped.ancestors(pedigree, key, generations)
    return Lineage(
        root=_entry(actor, root),
        generations=generations,
        tree=tuple(
            LineagePosition(n.position, n.generation, n.line, n.repeat_of, entry(n.id))
            for n in tree.nodes
        ),
        repeated_ancestors=tuple(uuid.UUID(i) for i in tree.repeated_ancestors),
        inbreeding=Inbreeding(
            coefficient=float(ped.inbreeding(pedigree)[key]),
            generations=max(known.values(), default=0),
            equivalent_generations=float(ped.equivalent_generations(pedigree)[key]),
        ),
        completeness=ped.completeness(pedigree, key, generations),
        descendants=tuple(
            (shown, depth)
            for ident, depth in ped.descendants(pedigree, key, descendant_generations).items()
            if not (shown := entry(ident)).restricted
        ),
    )
