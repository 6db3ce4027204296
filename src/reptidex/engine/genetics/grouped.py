"""The breeder's view of a cross: offspring grouped by what they look like, computed in bulk.

A cross is made of independent blocks, and each block's offspring fall into a few phenotype
classes. A group of the whole animal is one class per block, so the groups are the cells of
an array with one axis per block. Everything a group carries is put together from its
classes: its traits, hets, possible hets and warnings are concatenations of per-class tuples,
its lethality an "or", its sex the sex of its sex-linked class. :class:`GroupedView` builds
these per-class values once and combines them for all groups at the same time with numpy
(``np.add.outer`` on object arrays concatenates the tuples and strings in C loops), so no
Python work is repeated per group except the final, unavoidable creation of what a caller
reads. A view of a few groups (a typical small cross) is put together in plain Python
instead, where numpy's cost per call would outweigh the work.

Probabilities stay integer numerators over one shared denominator until a caller reads an
:class:`Outcome`, whose :class:`fractions.Fraction` is made on demand by :class:`Outcomes`.
"""

from __future__ import annotations

import contextlib
import gc
import math
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, SupportsIndex, TypeVar, overload

import numpy as np
import numpy.typing as npt

from reptidex.engine.genetics.model import Catalog, Sex
from reptidex.engine.genetics.parsing import catalog_memo, remember
from reptidex.engine.genetics.phenotype import morph_name, sort_traits, trait_label

T = TypeVar("T")
Objects = npt.NDArray[np.object_]


@dataclass(frozen=True)
class PossibleHet:
    """A gene an offspring group may carry, with the exact probability that it does."""

    gene: str
    probability: Fraction


@dataclass(frozen=True)
class Outcome:
    """One group of the breeder's view of a cross: offspring that look alike.

    ``traits`` are the visual traits (empty for Normal), ``phenotype`` their display name with
    combo names, ``hets`` the genes every animal of the group carries, ``possible_hets`` the
    ones it may carry, ``sex`` is set only when sex-linkage makes sex matter.
    """

    probability: Fraction
    phenotype: str
    traits: tuple[str, ...]
    hets: tuple[str, ...]
    possible_hets: tuple[PossibleHet, ...]
    sex: Sex | None
    lethal: bool
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the outcome (see ``docs/genetics.md``).

        Examples
        --------
        >>> from fractions import Fraction
        >>> Outcome(Fraction(3, 16), "Pastel", ("Pastel",), (), (), None, False, ()).to_dict()
        ... # doctest: +NORMALIZE_WHITESPACE
        {'probability': '3/16', 'percent': 18.75, 'phenotype': 'Pastel', 'traits': ['Pastel'],
         'hets': [], 'possible_hets': [], 'sex': None, 'lethal': False, 'warnings': []}
        """
        return {
            "probability": str(self.probability),
            "percent": round(float(self.probability * 100), 4),
            "phenotype": self.phenotype,
            "traits": list(self.traits),
            "hets": list(self.hets),
            "possible_hets": [
                {"gene": h.gene, "probability": str(h.probability)} for h in self.possible_hets
            ],
            "sex": self.sex.value if self.sex else None,
            "lethal": self.lethal,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ClassView:
    """One phenotype class of one block, as the grouped view combines it.

    ``traits`` are in catalog trait order; ``hets`` and ``possible`` split the class's hidden
    alleles by whether every member carries them.
    """

    traits: tuple[str, ...]
    hets: tuple[str, ...]
    possible: tuple[PossibleHet, ...]
    warnings: tuple[str, ...]
    lethal: bool
    sex: Sex | None


_SEX_RANK = {None: 0, Sex.FEMALE: 1, Sex.MALE: 2}
"""Sorting rank of a group's sex: the order of ``sex or ""`` as text."""
_SEXES = {rank: sex for sex, rank in _SEX_RANK.items()}


def _morph_name(catalog: Catalog, traits: tuple[str, ...]) -> str:
    """:func:`~reptidex.engine.genetics.phenotype.morph_name`, kept on the catalog: crosses
    name the same trait sets again and again."""
    memo = catalog_memo(catalog, "_morph_names")
    name = memo.get(traits)
    if name is None:
        name = remember(memo, traits, morph_name(catalog, traits))
    return name  # type: ignore[no-any-return]


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while many acyclic containers are made.

    Creating tens of thousands of tuples, lists and dicts would otherwise start a collection
    every few hundred allocations, each walking the young containers again (measured: nearly
    doubling the time of a 59,049-group ``to_dict``). Nothing made here forms
    a cycle, so reference counting frees it all the same; one collection runs afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _objects(items: Sequence[object]) -> Objects:
    """A one-dimensional object array holding ``items`` as they are (tuples stay elements)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def _concatenations(parts: Sequence[Sequence[T]], empty: T) -> Objects:
    """For every cell of the block product (C order, block 0 varying slowest), the
    concatenation of the entry of its class in each block. Blocks whose entries are all empty
    only repeat the array; leading empty blocks cost nothing."""
    acc = _objects([empty])
    all_empty = True
    for part in parts:
        if not any(part):
            acc = np.repeat(acc, len(part))
        elif all_empty:
            acc = np.tile(_objects(part), len(acc))
            all_empty = False
        else:
            acc = np.add.outer(acc, _objects(part)).ravel()
    return acc


_SMALL = 64
"""Up to this many groups, names are spelt group by group instead of in bulk."""


def _ranks(texts: list[str]) -> npt.NDArray[np.intp]:
    """The rank of each text in sorted order, equal texts sharing a rank."""
    by_text = sorted(range(len(texts)), key=texts.__getitem__)
    ranks = [0] * len(texts)
    rank = 0
    previous: str | None = None
    for i in by_text:
        text = texts[i]
        if text != previous:
            rank += 1
            previous = text
        ranks[i] = rank
    return np.array(ranks, dtype=np.intp)


def _traits_in_block_order(catalog: Catalog, blocks: Sequence[Sequence[ClassView]]) -> bool:
    """True when concatenating the blocks' traits in block order is already catalog order
    (no linkage group spans another block's locus)."""
    highest = -1
    for classes in blocks:
        orders = [catalog.traits[t].order for c in classes for t in c.traits]
        if not orders:
            continue
        if min(orders) <= highest:
            return False
        highest = max(orders)
    return True


class GroupedView:
    """Every phenotype group of a cross, as parallel columns sorted for display: most likely
    first, then viable before lethal, then by name, then by sex.

    ``numerators[i] / denominator`` is the probability of group ``i``. ``cells``, when given,
    chooses some groups (flat C-order indices into the block product, block 0 slowest) and
    ``numerators`` holds theirs; by default every group is there.
    """

    def __init__(
        self,
        catalog: Catalog,
        blocks: Sequence[Sequence[ClassView]],
        numerators: npt.NDArray[Any],
        denominator: int,
        cells: npt.NDArray[np.intp] | None = None,
    ) -> None:
        with _no_cyclic_gc():
            self._build(catalog, blocks, numerators, denominator, cells)

    def _build(
        self,
        catalog: Catalog,
        blocks: Sequence[Sequence[ClassView]],
        numerators: npt.NDArray[Any],
        denominator: int,
        cells: npt.NDArray[np.intp] | None,
    ) -> None:
        sizes = [len(classes) for classes in blocks]
        rows = np.arange(math.prod(sizes)) if cells is None else cells
        count = len(rows)
        if len(numerators) != count:
            raise ValueError("one probability per group is needed")
        strides = [math.prod(sizes[b + 1 :]) for b in range(len(sizes))]
        if count <= _SMALL:
            self._build_small(catalog, blocks, rows.tolist(), strides, numerators, denominator)
            return

        def codes(b: int) -> npt.NDArray[np.intp]:
            """The class of block ``b`` of every group."""
            return (rows // strides[b]) % sizes[b]

        def combined(parts: Sequence[Sequence[Any]], empty: Any) -> Objects:
            """Per group, its classes' entries concatenated: built over the whole product,
            or only for the chosen cells (never the product a few groups were chosen from)."""
            if cells is None:
                return _concatenations(parts, empty)
            acc = _objects([empty] * count)
            for b, part in enumerate(parts):
                if any(part):
                    acc = acc + _objects(part)[codes(b)]
            return acc

        traits = combined([[c.traits for c in cs] for cs in blocks], ())
        in_order = _traits_in_block_order(catalog, blocks)
        if in_order and count > _SMALL:
            names = self._names(catalog, blocks, codes, count, combined)
        else:
            # Few groups (numpy's per-call cost would dominate) or traits to re-sort: name
            # each group directly.
            if not in_order:
                traits = _objects([sort_traits(catalog, t) for t in traits.tolist()])
            names = [_morph_name(catalog, t) for t in traits.tolist()]
        lethal = np.zeros(count, dtype=bool)
        sex_rank = np.zeros(count, dtype=np.int8)
        for b, classes in enumerate(blocks):
            if any(c.lethal for c in classes):
                lethal |= np.array([c.lethal for c in classes], dtype=bool)[codes(b)]
            if any(c.sex for c in classes):
                sex_rank = np.array([_SEX_RANK[c.sex] for c in classes], dtype=np.int8)[codes(b)]

        # lexsort sorts int64 and object (Python int) numerators alike, stably.
        order = np.lexsort((sex_rank, _ranks(names), lethal, -numerators))

        self._numbers: list[int] | None = None
        self._fractions: dict[int, Fraction] = {}
        self.denominator = denominator
        self.numerators: npt.NDArray[Any] = numerators[order]
        self.names: list[str] = [names[i] for i in order.tolist()]
        self.traits: list[tuple[str, ...]] = traits[order].tolist()
        self.hets: list[tuple[str, ...]] = combined([[c.hets for c in cs] for cs in blocks], ())[
            order
        ].tolist()
        self.possible: list[tuple[PossibleHet, ...]] = combined(
            [[c.possible for c in cs] for cs in blocks], ()
        )[order].tolist()
        self.warnings: list[tuple[str, ...]] = combined(
            [[c.warnings for c in cs] for cs in blocks], ()
        )[order].tolist()
        self.lethal: list[bool] = lethal[order].tolist()
        self.sexes: list[Sex | None] = [_SEXES[r] for r in sex_rank[order].tolist()]

    def _build_small(
        self,
        catalog: Catalog,
        blocks: Sequence[Sequence[ClassView]],
        rows: list[int],
        strides: list[int],
        numerators: npt.NDArray[Any],
        denominator: int,
    ) -> None:
        """:meth:`_build` for at most :data:`_SMALL` groups, in plain Python: the same columns
        in the same order, without numpy's cost per call, which would dominate."""
        in_order = _traits_in_block_order(catalog, blocks)
        sexed = [any(c.sex for c in classes) for classes in blocks]
        groups = [
            [classes[row // strides[b] % len(classes)] for b, classes in enumerate(blocks)]
            for row in rows
        ]
        traits: list[tuple[str, ...]] = []
        names: list[str] = []
        lethal: list[bool] = []
        sex_rank: list[int] = []
        for group in groups:
            shown = tuple(t for c in group for t in c.traits)
            if not in_order:
                shown = sort_traits(catalog, shown)
            traits.append(shown)
            names.append(_morph_name(catalog, shown))
            lethal.append(any(c.lethal for c in group))
            rank = 0
            for b, c in enumerate(group):
                if sexed[b]:
                    rank = _SEX_RANK[c.sex]
            sex_rank.append(rank)
        values: list[int] = numerators.tolist()
        order = sorted(
            range(len(rows)), key=lambda i: (-values[i], lethal[i], names[i], sex_rank[i])
        )
        chosen = [groups[i] for i in order]
        self._numbers = None
        self._fractions = {}
        self.denominator = denominator
        self.numerators = numerators[order]
        self.names = [names[i] for i in order]
        self.traits = [traits[i] for i in order]
        self.hets = [tuple(h for c in group for h in c.hets) for group in chosen]
        self.possible = [tuple(h for c in group for h in c.possible) for group in chosen]
        self.warnings = [tuple(w for c in group for w in c.warnings) for group in chosen]
        self.lethal = [lethal[i] for i in order]
        self.sexes = [_SEXES[sex_rank[i]] for i in order]

    @staticmethod
    def _names(
        catalog: Catalog,
        blocks: Sequence[Sequence[ClassView]],
        codes: Any,
        count: int,
        combined: Any,
    ) -> list[str]:
        """Morph names of all groups: the traits of each class written once, the combos that
        apply found with boolean masks, and only the groups that use a combo re-spelt."""
        spelt = combined(
            [
                ["".join(f" {trait_label(catalog, t)}" for t in c.traits) for c in cs]
                for cs in blocks
            ],
            "",
        )
        where: dict[str, int] = {}
        for b, classes in enumerate(blocks):
            for c in classes:
                for t in c.traits:
                    where[t] = b
        combos = [
            combo
            for combo in sorted(catalog.combos, key=lambda c: (-len(c.traits), c.name))
            if combo.traits <= where.keys()
        ]
        if combos:
            available: dict[str, npt.NDArray[np.bool_]] = {}
            for combo in combos:
                for t in combo.traits:
                    if t not in available:
                        b = where[t]
                        has = np.array([t in c.traits for c in blocks[b]], dtype=bool)
                        available[t] = has[codes(b)]
            signature = np.zeros(count, dtype=np.int64)
            for bit, combo in enumerate(combos):
                applies = np.logical_and.reduce([available[t] for t in combo.traits])
                for t in combo.traits:
                    available[t] &= ~applies
                signature |= applies.astype(np.int64) << bit
            for value in np.unique(signature).tolist():
                if value == 0:
                    continue
                chosen = [c for bit, c in enumerate(combos) if value >> bit & 1]
                used = set().union(*(c.traits for c in chosen))
                members = np.flatnonzero(signature == value)
                acc = np.full(len(members), "".join(f" {c.name}" for c in chosen), dtype=object)
                for b, classes in enumerate(blocks):
                    rest = [
                        "".join(f" {trait_label(catalog, t)}" for t in c.traits if t not in used)
                        for c in classes
                    ]
                    if any(rest):
                        acc = acc + _objects(rest)[codes(b)[members]]
                spelt[members] = acc
        return [s[1:] if s else "Normal" for s in spelt.tolist()]

    def __len__(self) -> int:
        return len(self.names)

    def probability(self, i: int) -> Fraction:
        """The exact probability of group ``i`` (one shared Fraction per distinct value)."""
        if self._numbers is None:
            self._numbers = self.numerators.tolist()
        numerator = self._numbers[i]
        made = self._fractions.get(numerator)
        if made is None:
            made = self._fractions[numerator] = Fraction(numerator, self.denominator)
        return made

    def outcome(self, i: int) -> Outcome:
        """Group ``i`` as an :class:`Outcome`."""
        return Outcome(
            self.probability(i),
            self.names[i],
            self.traits[i],
            self.hets[i],
            self.possible[i],
            self.sexes[i],
            self.lethal[i],
            self.warnings[i],
        )

    def to_dicts(self) -> list[dict[str, Any]]:
        """The JSON form of every group, equal to ``[o.to_dict() for o in outcomes]``."""
        with _no_cyclic_gc():
            return self._dicts()

    def _dicts(self) -> list[dict[str, Any]]:
        if self._numbers is None:
            self._numbers = self.numerators.tolist()
        # Many groups share a probability: format each distinct one once.
        denominator = self.denominator
        texts: dict[int, str] = {}
        percents: dict[int, float] = {}
        for numerator in set(self._numbers):
            probability = Fraction(numerator, denominator)
            texts[numerator] = str(probability)
            percents[numerator] = round(float(probability * 100), 4)
        # Groups share their classes' PossibleHet objects: each is written once (found by
        # identity, cheaper than hashing its Fraction).
        het_texts: dict[int, dict[str, str]] = {}
        for possible in self.possible:
            for h in possible:
                if id(h) not in het_texts:
                    het_texts[id(h)] = {"gene": h.gene, "probability": str(h.probability)}
        return [
            {
                "probability": texts[numerator],
                "percent": percents[numerator],
                "phenotype": name,
                "traits": list(traits),
                "hets": list(hets),
                "possible_hets": [dict(het_texts[id(h)]) for h in possible] if possible else [],
                "sex": sex,
                "lethal": lethal,
                "warnings": list(warnings),
            }
            for numerator, name, traits, hets, possible, sex, lethal, warnings in zip(
                self._numbers,
                self.names,
                self.traits,
                self.hets,
                self.possible,
                [sex.value if sex else None for sex in self.sexes],
                self.lethal,
                self.warnings,
                strict=True,
            )
        ]


class Outcomes(Sequence[Outcome]):
    """The groups of a cross as a read-only sequence of :class:`Outcome`, each made (with
    its :class:`~fractions.Fraction`) the first time it is read.

    It compares equal to any sequence of the same outcomes; ``list(outcomes)`` copies it.
    """

    def __init__(self, view: GroupedView) -> None:
        self._view = view
        self._made: list[Outcome | None] = [None] * len(view)

    def __len__(self) -> int:
        return len(self._made)

    @overload
    def __getitem__(self, index: SupportsIndex) -> Outcome: ...

    @overload
    def __getitem__(self, index: slice) -> list[Outcome]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> Outcome | list[Outcome]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = operator.index(index)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("outcome index out of range")
        made = self._made[i]
        if made is None:
            made = self._made[i] = self._view.outcome(i)
        return made

    def __iter__(self) -> Iterator[Outcome]:
        if any(made is None for made in self._made):
            with _no_cyclic_gc():
                outcome = self._view.outcome
                self._made = [made or outcome(i) for i, made in enumerate(self._made)]
        return iter(self._made)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Outcomes({list(self)!r})"

    def to_dicts(self) -> list[dict[str, Any]]:
        """The JSON form of every outcome, built from the columns without making outcomes."""
        return self._view.to_dicts()
