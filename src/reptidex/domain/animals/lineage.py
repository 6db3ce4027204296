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
then only with their public fields; a private one is a position marked ``restricted``.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from reptidex.domain.animals.model import Visibility
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.engine import pedigree as ped

MAX_GENERATIONS = 20
SMALL_ANCESTRY = 256
"""Up to this many ancestors, inbreeding is computed on the links by Meuwissen & Luo's sum
over each ancestor's row of ``L``; above it, by the engine's vectorised form of the same."""

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


class LineageRecords(Protocol):
    """The read behind a lineage."""

    async def lineage_records(
        self,
        organisation_id: uuid.UUID,
        animal_id: uuid.UUID,
        *,
        ancestors: int,
        descendants: int,
    ) -> Sequence[LineageRecord]:
        """The animal with its ancestors and descendants to these depths, as the
        organisation may see them (one query)."""


@dataclass(frozen=True, slots=True)
class LineageEntry:
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


_RESTRICTED = LineageEntry(None, False)
_NO_PARENTS: tuple[None, None] = (None, None)


class PedigreeLinks:
    """The parent links of a set of records, with the engine's reading of a pedigree: a
    parent that is referenced but not among the records is a founder."""

    def __init__(self, records: Sequence[LineageRecord]) -> None:
        self.records = {r.id: r for r in records}
        self._depth: dict[uuid.UUID, int] = {}
        self._inbreeding: dict[uuid.UUID, float] = {}
        self._rows: dict[uuid.UUID, dict[uuid.UUID, float]] = {}
        self._samplings: dict[uuid.UUID, float] = {}
        self._equivalent: dict[uuid.UUID, float] = {}

    def parents(self, ident: uuid.UUID) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """Sire and dam (``None`` unknown); a founder for an animal that was not read."""
        record = self.records.get(ident)
        return _NO_PARENTS if record is None else (record.sire_id, record.dam_id)

    def tree(self, root: uuid.UUID, generations: int) -> list[tuple[uuid.UUID, int, int, str]]:
        """Every known position to ``generations`` back, as ``pedigree_tree`` lists them:
        ``(id, position, generation, line)`` in ahnentafel order."""
        nodes: list[tuple[uuid.UUID, int, int, str]] = []
        frontier: list[tuple[int, uuid.UUID, str]] = [(1, root, "")]
        for generation in range(generations + 1):
            following: list[tuple[int, uuid.UUID, str]] = []
            for position, ident, line in frontier:
                nodes.append((ident, position, generation, line))
                if generation < generations:
                    sire, dam = self.parents(ident)
                    if sire is not None:
                        following.append((2 * position, sire, line + "S"))
                    if dam is not None:
                        following.append((2 * position + 1, dam, line + "D"))
            frontier = following
        return nodes

    def ancestors(self, root: uuid.UUID, generations: int) -> dict[uuid.UUID, int]:
        """Ancestors with their shortest distance, to ``generations`` back."""
        found: dict[uuid.UUID, int] = {}
        frontier = [root]
        level = 0
        while frontier and level < generations:
            level += 1
            following: list[uuid.UUID] = []
            for ident in frontier:
                for parent in self.parents(ident):
                    if parent is not None and parent not in found and parent != root:
                        found[parent] = level
                        following.append(parent)
            frontier = following
        return found

    def depth(self, ident: uuid.UUID) -> int:
        """Generations from the animal to its oldest known ancestor (0 for a founder).

        Raises :class:`Conflict` when the links form a cycle (only data written around the
        use cases can)."""
        known = self._depth.get(ident)
        if known is not None:
            if known < 0:
                raise Conflict("The stored pedigree of this animal is inconsistent: a cycle.")
            return known
        self._depth[ident] = -1  # in progress
        sire, dam = self.parents(ident)
        value = 1 + max(
            -1 if sire is None else self.depth(sire), -1 if dam is None else self.depth(dam)
        )
        self._depth[ident] = value
        return value

    def _row(self, ident: uuid.UUID) -> dict[uuid.UUID, float]:
        """The non-zero entries of the animal's row of ``L`` in ``A = L D L'``: itself with
        1, plus half its parents' rows (Henderson 1976)."""
        known = self._rows.get(ident)
        if known is not None:
            return known
        row: dict[uuid.UUID, float] = {}
        for parent in self.parents(ident):
            if parent is not None:
                for ancestor, weight in self._row(parent).items():
                    row[ancestor] = row.get(ancestor, 0.0) + 0.5 * weight
        row[ident] = 1.0
        self._rows[ident] = row
        return row

    def _sampling(self, ident: uuid.UUID) -> float:
        """The Mendelian sampling factor ``d`` of the animal (Quaas 1976)."""
        known = self._samplings.get(ident)
        if known is not None:
            return known
        sire, dam = self.parents(ident)
        if sire is not None and dam is not None:
            value = 0.5 - 0.25 * (self.inbreeding(sire) + self.inbreeding(dam))
        elif sire is not None:
            value = 0.75 - 0.25 * self.inbreeding(sire)
        elif dam is not None:
            value = 0.75 - 0.25 * self.inbreeding(dam)
        else:
            value = 1.0
        self._samplings[ident] = value
        return value

    def inbreeding(self, ident: uuid.UUID) -> float:
        """The inbreeding coefficient F of an animal, by Meuwissen & Luo's sum over its
        ancestors: ``F = Σ_j L[i, j]² d_j - 1`` (0 unless both parents are known)."""
        known = self._inbreeding.get(ident)
        if known is not None:
            return known
        sire, dam = self.parents(ident)
        value = 0.0
        # without an ancestor common to both parents (or a parent that is an ancestor of the
        # other) F is 0: the sum is needed only when the parents' rows of L overlap
        if sire is not None and dam is not None and self._row(sire).keys() & self._row(dam).keys():
            value = max(
                sum(w * w * self._sampling(j) for j, w in self._row(ident).items()) - 1.0, 0.0
            )
        self._inbreeding[ident] = value
        return value

    def equivalent_generations(self, ident: uuid.UUID) -> float:
        """``E = Σ_known parents (1 + E_parent) / 2``, as the engine computes it."""
        known = self._equivalent.get(ident)
        if known is not None:
            return known
        sire, dam = self.parents(ident)
        value = 0.0
        if sire is not None or dam is not None:
            value = 0.5 * (
                (1 + self.equivalent_generations(sire) if sire is not None else 0.0)
                + (1 + self.equivalent_generations(dam) if dam is not None else 0.0)
            )
        self._equivalent[ident] = value
        return value

    def engine_inbreeding(self, root: uuid.UUID) -> float:
        """F of ``root`` by the engine's vectorised method, on the root and every record
        reached from it through parent links (for large ancestries)."""
        ids: list[str] = []
        sires: list[str | None] = []
        dams: list[str | None] = []
        seen = {root}
        stack = [root]
        while stack:
            ident = stack.pop()
            sire, dam = self.parents(ident)
            ids.append(str(ident))
            sires.append(None if sire is None else str(sire))
            dams.append(None if dam is None else str(dam))
            for parent in (sire, dam):
                if parent is not None and parent in self.records and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ped.MissingParentWarning)
            pedigree = ped.Pedigree.from_columns(ids, sires, dams)
        return float(ped.inbreeding(pedigree)[str(root)])

    def descendants(self, root: uuid.UUID, generations: int) -> dict[uuid.UUID, int]:
        """Descendants among the records with their shortest distance, to ``generations``."""
        if generations <= 0:
            return {}
        children: dict[uuid.UUID, list[uuid.UUID]] = {}
        for record in self.records.values():
            if record.sire_id is not None:
                children.setdefault(record.sire_id, []).append(record.id)
            if record.dam_id is not None:
                children.setdefault(record.dam_id, []).append(record.id)
        found: dict[uuid.UUID, int] = {}
        frontier = [root]
        level = 0
        while frontier and level < generations:
            level += 1
            following: list[uuid.UUID] = []
            for ident in frontier:
                for child in children.get(ident, ()):
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
    _check_depths(generations, descendant_generations)
    rows = await records.lineage_records(
        actor.organisation_id,
        animal_id,
        ancestors=generations,
        descendants=descendant_generations,
    )
    return lineage_of(rows, actor, animal_id, generations, descendant_generations)


def lineage_of(
    rows: Sequence[LineageRecord],
    actor: Actor,
    animal_id: uuid.UUID,
    generations: int,
    descendant_generations: int,
) -> Lineage:
    """The lineage computed on the records read (see :func:`lineage`)."""
    links = PedigreeLinks(rows)
    by_id = links.records
    root = by_id.get(animal_id)
    if root is None or (
        root.organisation_id != actor.organisation_id and root.visibility != _PUBLIC
    ):
        raise NotFound(f"No animal {animal_id} in this collection.")
    own_organisation = actor.organisation_id
    entries: dict[uuid.UUID, LineageEntry] = {}

    def entry(ident: uuid.UUID) -> LineageEntry:
        shown = entries.get(ident)
        if shown is None:
            record = by_id.get(ident)
            if record is None:
                shown = _RESTRICTED
            elif record.organisation_id == own_organisation:
                shown = LineageEntry(record, True)
            elif record.visibility == _PRIVATE:
                shown = _RESTRICTED
            else:
                shown = LineageEntry(record, False)
            entries[ident] = shown
        return shown

    known = links.ancestors(animal_id, generations)
    links.depth(animal_id)  # raises Conflict on a cycle before any recursion relies on depths
    if len(known) > SMALL_ANCESTRY:
        coefficient = links.engine_inbreeding(animal_id)
    else:
        coefficient = links.inbreeding(animal_id)
    positions: list[LineagePosition] = []
    first_seen: dict[uuid.UUID, int] = {}
    repeated: dict[uuid.UUID, None] = {}
    per_generation = [0] * (generations + 1)
    for ident, position, generation, line in links.tree(animal_id, generations):
        repeat = first_seen.get(ident)
        if repeat is None:
            first_seen[ident] = position
        else:
            repeated[ident] = None
        per_generation[generation] += 1
        positions.append(LineagePosition(position, generation, line, repeat, entry(ident)))
    descendants = links.descendants(animal_id, descendant_generations)
    return Lineage(
        root=entry(animal_id),
        generations=generations,
        tree=tuple(positions),
        repeated_ancestors=tuple(repeated),
        inbreeding=Inbreeding(
            coefficient=max(coefficient, 0.0),
            generations=max(known.values(), default=0),
            equivalent_generations=links.equivalent_generations(animal_id),
        ),
        completeness=tuple(per_generation[g] / 2**g for g in range(1, generations + 1)),
        descendants=tuple(
            (shown, depth)
            for ident, depth in sorted(
                descendants.items(), key=lambda item: (item[1], by_id[item[0]].code)
            )
            if not (shown := entry(ident)).restricted
        ),
    )
