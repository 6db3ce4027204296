"""An animal's lineage: its pedigree tree, inbreeding, completeness and descendants.

The records come from :class:`LineageRecords` in one query, as light :class:`LineageRecord`
tuples (the few columns a lineage shows, no full :class:`~reptidex.domain.animals.model.Animal`).
The figures are those of the pedigree engine on the pedigree those records form (parents that
were not read, beyond the depth asked or hidden from the caller, count as founders):
:func:`~reptidex.engine.pedigree.pedigree_tree`, :func:`~reptidex.engine.pedigree.inbreeding`,
:func:`~reptidex.engine.pedigree.completeness`,
:func:`~reptidex.engine.pedigree.equivalent_generations`,
:func:`~reptidex.engine.pedigree.ancestors` and :func:`~reptidex.engine.pedigree.descendants`.
For the tree of one animal they are computed straight from the parent links (a walk of a few
dozen ancestors costs less than building a validated engine pedigree); a large ancestry (more
than :data:`SMALL_ANCESTRY` animals) takes the engine's vectorised inbreeding instead. Tests
check both ways against the engine.

Animals of other organisations appear only when they are ``public`` or ``lineage_only``, and
then only with their public fields; a private one is a position marked ``restricted``. A caller
of no organisation (another service, drawing a public page) sees what every other organisation
sees, and only the lineage of a ``public`` animal.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

from reptidex.domain.animals.model import Visibility
from reptidex.domain.animals.ports import LineageRecords
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.engine import pedigree as ped

MAX_GENERATIONS = 20
SMALL_ANCESTRY = 256
"""Up to this many ancestors, inbreeding is computed on the links by the kinship recursion
(which expands only related pairs); above it, by the engine's vectorised Meuwissen & Luo."""

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


class PedigreeLinks:
    """The parent links of a set of records, with the engine's reading of a pedigree: a
    parent that is referenced but not among the records is a founder.

    Animals are numbered once, through the ints of their UUIDs (a UUID hashes in Python, an
    int in C): every walk and recursion below runs on those numbers and plain lists."""

    def __init__(self, records: Sequence[LineageRecord]) -> None:
        ids: list[uuid.UUID] = [r.id for r in records]
        index = {ident.int: i for i, ident in enumerate(ids)}
        sires: list[int] = []
        dams: list[int] = []
        for record in records:
            for parent, column in ((record.sire_id, sires), (record.dam_id, dams)):
                if parent is None:
                    column.append(-1)
                    continue
                number = index.get(parent.int)
                if number is None:  # not read: beyond the depth asked, or hidden
                    number = index[parent.int] = len(ids)
                    ids.append(parent)
                column.append(number)
        founders = len(ids) - len(records)
        self.ids = ids
        self.index = index
        self.sire = sires + [-1] * founders
        self.dam = dams + [-1] * founders
        self.records: list[LineageRecord | None] = [*records, *([None] * founders)]
        self._inbreeding: list[float | None] = [None] * len(ids)
        self._ancestry: list[int | None] = [None] * len(ids)
        self._kinship: dict[tuple[int, int], float] = {}
        self._equivalent: list[float | None] = [None] * len(ids)

    def tree(self, root: int, generations: int) -> list[tuple[int, int, int, str]]:
        """Every known position to ``generations`` back, as ``pedigree_tree`` lists them:
        ``(animal, position, generation, line)`` in ahnentafel order."""
        sires, dams = self.sire, self.dam
        nodes: list[tuple[int, int, int, str]] = []
        frontier: list[tuple[int, int, str]] = [(1, root, "")]
        for generation in range(generations + 1):
            following: list[tuple[int, int, str]] = []
            for position, animal, line in frontier:
                nodes.append((animal, position, generation, line))
                if generation < generations:
                    if (sire := sires[animal]) >= 0:
                        following.append((2 * position, sire, line + "S"))
                    if (dam := dams[animal]) >= 0:
                        following.append((2 * position + 1, dam, line + "D"))
            frontier = following
        return nodes

    def ancestors(self, root: int, generations: int) -> dict[int, int]:
        """Ancestors with their shortest distance, to ``generations`` back."""
        found: dict[int, int] = {}
        frontier = [root]
        level = 0
        while frontier and level < generations:
            level += 1
            following: list[int] = []
            for animal in frontier:
                for parent in (self.sire[animal], self.dam[animal]):
                    if parent >= 0 and parent not in found and parent != root:
                        found[parent] = level
                        following.append(parent)
            frontier = following
        return found

    def _lines(self, animal: int) -> int:
        """The animal and its known ancestors as a bit set (bit ``k`` for animal ``k``): two
        animals share an ancestor exactly when their sets meet, one ``&`` of two ints."""
        known = self._ancestry[animal]
        if known is not None:
            return known
        bits = 1 << animal
        sire, dam = self.sire[animal], self.dam[animal]
        if sire >= 0:
            bits |= self._lines(sire)
        if dam >= 0:
            bits |= self._lines(dam)
        self._ancestry[animal] = bits
        return bits

    def kinship(self, a: int, b: int) -> float:
        """The coefficient of kinship of two animals (the probability that alleles drawn at
        random from each are identical by descent), by the recursion of Malécot: ``f(a, a) =
        (1 + F_a) / 2`` and otherwise the mean of ``f(a, parent)`` over the parents of
        whichever of the two is not an ancestor of the other; 0 for animals without a common
        ancestor, so only related pairs are ever expanded."""
        if a < 0 or b < 0:
            return 0.0
        if a == b:
            return 0.5 * (1.0 + self.inbreeding(a))
        lines_a, lines_b = self._lines(a), self._lines(b)
        if not lines_a & lines_b:
            return 0.0
        pair = (a, b) if a < b else (b, a)
        known = self._kinship.get(pair)
        if known is not None:
            return known
        if lines_b >> a & 1:  # a is an ancestor of b: b is the younger, expand it
            a, b = b, a
        value = 0.5 * (self.kinship(self.sire[a], b) + self.kinship(self.dam[a], b))
        self._kinship[pair] = value
        return value

    def inbreeding(self, animal: int) -> float:
        """The inbreeding coefficient F of an animal: the kinship of its parents (0 unless
        both are known)."""
        known = self._inbreeding[animal]
        if known is not None:
            return known
        sire, dam = self.sire[animal], self.dam[animal]
        value = self.kinship(sire, dam) if sire >= 0 and dam >= 0 else 0.0
        self._inbreeding[animal] = value
        return value

    def equivalent_generations(self, animal: int) -> float:
        """``E = Σ_known parents (1 + E_parent) / 2``, as the engine computes it.

        Raises :class:`Conflict` when the links form a cycle (only data written around the
        use cases can): it walks every known ancestor, so it runs before any other recursion
        relies on the links being a pedigree."""
        known = self._equivalent[animal]
        if known is not None:
            if known < 0:
                raise Conflict("The stored pedigree of this animal is inconsistent: a cycle.")
            return known
        self._equivalent[animal] = -1.0  # in progress
        sire, dam = self.sire[animal], self.dam[animal]
        value = 0.0
        if sire >= 0 or dam >= 0:
            value = 0.5 * (
                (1 + self.equivalent_generations(sire) if sire >= 0 else 0.0)
                + (1 + self.equivalent_generations(dam) if dam >= 0 else 0.0)
            )
        self._equivalent[animal] = value
        return value

    def engine_inbreeding(self, root: int) -> float:
        """F of ``root`` by the engine's vectorised method, on the root and every animal
        reached from it through parent links (for large ancestries)."""
        ids: list[str] = []
        sires: list[str | None] = []
        dams: list[str | None] = []
        seen = {root}
        stack = [root]
        while stack:
            animal = stack.pop()
            sire, dam = self.sire[animal], self.dam[animal]
            ids.append(str(self.ids[animal]))
            sires.append(None if sire < 0 else str(self.ids[sire]))
            dams.append(None if dam < 0 else str(self.ids[dam]))
            for parent in (sire, dam):
                if parent >= 0 and self.records[parent] is not None and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ped.MissingParentWarning)
            pedigree = ped.Pedigree.from_columns(ids, sires, dams)
        return float(ped.inbreeding(pedigree)[str(self.ids[root])])

    def descendants(self, root: int, generations: int) -> dict[int, int]:
        """Descendants among the records with their shortest distance, to ``generations``."""
        if generations <= 0:
            return {}
        children: dict[int, list[int]] = {}
        for animal, record in enumerate(self.records):
            if record is None:
                break  # the founders added for unread parents come last
            for parent in (self.sire[animal], self.dam[animal]):
                if parent >= 0:
                    children.setdefault(parent, []).append(animal)
        found: dict[int, int] = {}
        frontier = [root]
        level = 0
        while frontier and level < generations:
            level += 1
            following: list[int] = []
            for animal in frontier:
                for child in children.get(animal, ()):
                    if child not in found and child != root:
                        found[child] = level
                        following.append(child)
            frontier = following
        return found


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
    links = PedigreeLinks(rows)
    records = links.records
    key = links.index.get(animal_id.int)
    root = None if key is None else records[key]
    own_organisation = None if actor is None else actor.organisation_id
    if (
        key is None
        or root is None
        or (root.organisation_id != own_organisation and root.visibility != _PUBLIC)
    ):
        raise NotFound(f"No animal {animal_id} in this collection.")
    own = -1 if own_organisation is None else own_organisation.int  # ints compare in C
    entries = [
        _RESTRICTED
        if record is None
        else _new_entry((record, True))
        if record.organisation_id.int == own
        else _RESTRICTED
        if record.visibility == _PRIVATE
        else _new_entry((record, False))
        for record in records
    ]
    known = links.ancestors(key, generations)
    equivalent = links.equivalent_generations(key)  # raises Conflict on a cycle, first
    if len(known) > SMALL_ANCESTRY:
        coefficient = links.engine_inbreeding(key)
    else:
        coefficient = links.inbreeding(key)
    positions: list[LineagePosition] = []
    first_seen: dict[int, int] = {}
    repeated: dict[int, None] = {}
    per_generation = [0] * (generations + 1)
    for animal, position, generation, line in links.tree(key, generations):
        repeat = first_seen.get(animal)
        if repeat is None:
            first_seen[animal] = position
        else:
            repeated[animal] = None
        per_generation[generation] += 1
        positions.append(_new_position((position, generation, line, repeat, entries[animal])))
    descendants = links.descendants(key, descendant_generations)

    def code(item: tuple[int, int]) -> tuple[int, str]:
        record = records[item[0]]
        return item[1], "" if record is None else record.code

    return Lineage(
        root=entries[key],
        generations=generations,
        tree=tuple(positions),
        repeated_ancestors=tuple(links.ids[a] for a in repeated),
        inbreeding=Inbreeding(
            coefficient=max(coefficient, 0.0),
            generations=max(known.values(), default=0),
            equivalent_generations=equivalent,
        ),
        completeness=tuple(per_generation[g] / 2**g for g in range(1, generations + 1)),
        descendants=tuple(
            (shown, depth)
            for animal, depth in sorted(descendants.items(), key=code)
            if (shown := entries[animal]).animal is not None
        ),
        origin=origin_of(root),
        read=tuple(links.ids) if root.clutch_id is None else (*links.ids, root.clutch_id),
    )
