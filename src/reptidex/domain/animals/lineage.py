"""An animal's lineage: its pedigree tree, inbreeding, completeness and descendants.

The records come from :class:`LineageRecords` in one query, as light :class:`LineageRecord`
tuples (the few columns a lineage shows, no full :class:`~reptidex.domain.animals.model.Animal`).
The figures are the pedigree engine's on the pedigree those records form (parents that were
not read, beyond the depth asked or hidden from the caller, count as founders), from its
:class:`~reptidex.engine.pedigree.PedigreeLinks`, the fast path for the questions about one
animal (it answers on the parent links as read, where building a validated engine pedigree
would cost more than the few dozen ancestors of a lineage): the tree with its completeness and
repeated ancestors, inbreeding, equivalent generations and descendants.

Animals of other organisations appear only when they are ``public`` or ``lineage_only``, and
then only with their public fields; a private one is a position marked ``restricted``. A caller
of no organisation (another service, drawing a public page) sees what every other organisation
sees, and only the lineage of a ``public`` animal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

from reptidex.domain.animals.model import Visibility
from reptidex.domain.animals.ports import LineageRecords
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.domain.pedigree import numbered_links
from reptidex.engine import pedigree as ped

MAX_GENERATIONS = 20

_PRIVATE = Visibility.PRIVATE.value
_PUBLIC = Visibility.PUBLIC.value


class LineageRecord(NamedTuple):
    """What a lineage shows of an animal, as read in the one pedigree query."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    code: str
    name: str | None
    species: str
    sex: str
    phenotype: str
    hatch_date: dt.date | None
    hets: tuple[str, ...]
    possible_hets: tuple[str, ...]
    """Possible hets as breeders write them (``"1/2 Clown"``)."""
    status: str
    visibility: str
    sire_id: uuid.UUID | None
    dam_id: uuid.UUID | None
    origin: str = "bred"
    """``bred``, ``bought`` or ``external``."""
    clutch_id: uuid.UUID | None = None
    clutch_laid_on: dt.date | None = None
    """The clutch of origin's laid date: read for the root only, when the caller may see the
    clutch (its own, or the clutch of an animal the caller may see)."""
    clutch_organisation_id: uuid.UUID | None = None
    """The organisation that recorded the clutch of origin (root only, as ``clutch_laid_on``)."""


class LineageEntry(NamedTuple):
    """An animal as a lineage shows it: ``animal`` is ``None`` when it is private to another
    organisation (``restricted``; private descendants of others are left out); ``own`` when it
    is of the caller's organisation (all fields may be shown), otherwise only its public fields
    may be."""

    animal: LineageRecord | None
    own: bool

    @property
    def restricted(self) -> bool:
        """Whether the caller may not see this animal at all."""
        return self.animal is None


class LineagePosition(NamedTuple):
    """One position of the pedigree tree (ahnentafel numbering: sire of k is 2k, dam 2k+1).

    (Named tuples, as :class:`LineageEntry`: a lineage makes dozens of each, and a frozen
    dataclass costs several times more to make.)"""

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
class ClutchOfOrigin:
    """The clutch an animal hatched from: laid date and the organisation that recorded it
    (``None`` when the caller may not see the clutch record)."""

    id: uuid.UUID
    laid_on: dt.date | None
    organisation_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class AnimalOrigin:
    """Where the lineage's animal comes from, as a certificate prints it.

    ``breeder_organisation_id`` is the organisation that recorded its clutch of origin (so a
    sold animal keeps its breeder); without a clutch record, the keeper for an animal entered as
    ``bred``, and unknown (``None``) for a ``bought`` or ``external`` one: the record holds no
    breeder then."""

    origin: str
    keeper_organisation_id: uuid.UUID
    breeder_organisation_id: uuid.UUID | None
    clutch: ClutchOfOrigin | None


def origin_of(record: LineageRecord) -> AnimalOrigin:
    """The origin of an animal from its lineage record.

    >>> a, b = uuid.UUID(int=1), uuid.UUID(int=2)
    >>> row = LineageRecord(a, a, "C", None, "ball_python", "male", "Normal", None, (), (),
    ...                     "active", "public", None, None, "bred", b, dt.date(2024, 3, 1), b)
    >>> origin_of(row).breeder_organisation_id == b, origin_of(row).clutch.laid_on.isoformat()
    (True, '2024-03-01')
    >>> origin_of(row._replace(origin="bought", clutch_id=None)).breeder_organisation_id is None
    True
    """
    clutch = None
    if record.clutch_id is not None:
        clutch = ClutchOfOrigin(
            record.clutch_id, record.clutch_laid_on, record.clutch_organisation_id
        )
    if clutch is not None:
        breeder = clutch.organisation_id
    elif record.origin == "bred":
        breeder = record.organisation_id
    else:
        breeder = None
    return AnimalOrigin(record.origin, record.organisation_id, breeder, clutch)


@dataclass(frozen=True, slots=True)
class Lineage:
    """An animal's lineage to ``generations`` generations back and ``descendant_generations``
    forward, with the origin of the animal itself."""

    root: LineageEntry
    generations: int
    tree: tuple[LineagePosition, ...]
    repeated_ancestors: tuple[uuid.UUID, ...]
    inbreeding: Inbreeding
    completeness: tuple[float, ...]
    descendants: tuple[tuple[LineageEntry, int], ...]
    origin: AnimalOrigin | None = None
    read: tuple[uuid.UUID, ...] = ()
    """Every id the lineage was computed from, once each: the animals read, the parents they
    name (read or not) and the clutch of origin. A change to none of them leaves it as it
    is."""


_RESTRICTED = LineageEntry(None, False)
# made by ``tuple.__new__`` straight from C: a lineage makes dozens of each, and a named
# tuple's own constructor is a Python function
_new_entry: Callable[[tuple[LineageRecord, bool]], LineageEntry] = partial(
    tuple.__new__, LineageEntry
)
_new_position: Callable[[tuple[int, int, str, int | None, LineageEntry]], LineagePosition] = (
    partial(tuple.__new__, LineagePosition)
)


def _check_depths(generations: int, descendant_generations: int) -> None:
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


async def lineage(
    records: LineageRecords,
    actor: Actor | None,
    animal_id: uuid.UUID,
    *,
    generations: int = 5,
    descendant_generations: int = 3,
) -> Lineage:
    """The lineage of an animal of the actor's collection (or a public animal of another).

    ``actor`` ``None`` is a caller of no organisation (another service drawing a public page):
    it is shown exactly what any other organisation may see. Raises :class:`NotFound` for an
    unknown or private foreign animal and :class:`InvalidInput` for a depth outside 1..20.
    """
    _check_depths(generations, descendant_generations)
    rows = await records.lineage_records(
        None if actor is None else actor.organisation_id,
        animal_id,
        ancestors=generations,
        descendants=descendant_generations,
    )
    return lineage_of(rows, actor, animal_id, generations, descendant_generations)


def lineage_of(
    rows: Sequence[LineageRecord],
    actor: Actor | None,
    animal_id: uuid.UUID,
    generations: int,
    descendant_generations: int,
) -> Lineage:
    """The lineage computed on the records read (see :func:`lineage`)."""
    links, ids, numbers = numbered_links(rows)
    key = numbers.get(animal_id.int)
    root = None if key is None or key >= len(rows) else rows[key]
    own_organisation = None if actor is None else actor.organisation_id
    if (
        key is None
        or root is None
        or (root.organisation_id != own_organisation and root.visibility != _PUBLIC)
    ):
        raise NotFound(f"No animal {animal_id} in this collection.")
    own = -1 if own_organisation is None else own_organisation.int  # ints compare in C
    entries = [
        _new_entry((record, True))
        if record.organisation_id.int == own
        else _RESTRICTED
        if record.visibility == _PRIVATE
        else _new_entry((record, False))
        for record in rows
    ]
    entries += [_RESTRICTED] * (len(ids) - len(rows))  # parents not read
    try:
        equivalent = links.equivalent_generations(key)
        coefficient = links.inbreeding(key)
    except ped.PedigreeError as error:  # a cycle: only data written around the use cases
        raise Conflict("The stored pedigree of this animal is inconsistent: a cycle.") from error
    tree = links.tree(key, generations)
    descendants = links.descendants(key, descendant_generations)

    def code(item: tuple[int, int]) -> tuple[int, str]:
        return item[1], rows[item[0]].code  # descendants have parents: all were read

    return Lineage(
        root=entries[key],
        generations=generations,
        tree=tuple(
            [
                _new_position((position, generation, line, repeat, entries[animal]))
                for animal, position, generation, line, repeat in tree.nodes
            ]
        ),
        repeated_ancestors=tuple([ids[animal] for animal in tree.repeated]),
        inbreeding=Inbreeding(
            coefficient=coefficient,
            generations=max(tree.ancestors.values(), default=0),
            equivalent_generations=equivalent,
        ),
        completeness=tree.completeness,
        descendants=tuple(
            (shown, depth)
            for animal, depth in sorted(descendants.items(), key=code)
            if (shown := entries[animal]).animal is not None
        ),
        origin=origin_of(root),
        read=tuple(ids) if root.clutch_id is None else (*ids, root.clutch_id),
    )
