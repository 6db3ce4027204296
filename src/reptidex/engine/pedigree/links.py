"""Parent links: a small pedigree over numbered animals, asked about one animal at a time.

A :class:`~reptidex.engine.pedigree.Pedigree` is checked and put in order once, then answers
for a whole population with numpy. When the question is about one animal and comes with
every request (an animal's lineage page: its tree, its inbreeding, its descendants), building
one costs more than the few hundred animals around that animal are worth.
:class:`PedigreeLinks` takes the parent lists as they are, the animals numbered
``0 … n-1`` in any order, and answers for one animal at a time, visiting only its ancestors
(or descendants) and keeping what it computed for the next question:

- :meth:`~PedigreeLinks.tree`: the pedigree tree (ahnentafel positions, repeated
  ancestors), with each ancestor's shortest distance and the completeness of each
  generation, in one walk;
- :meth:`~PedigreeLinks.ancestors` and :meth:`~PedigreeLinks.descendants`;
- :meth:`~PedigreeLinks.kinship` by the recursion of Malécot (1948): ``f(a, a) = (1 + F_a)
  / 2``, otherwise the mean of ``f(p, b)`` over the parents ``p`` of whichever of the two is
  not an ancestor of the other, and 0 for two animals without a common ancestor, so that
  only related pairs are ever expanded; :meth:`~PedigreeLinks.inbreeding` as the kinship of
  the parents. On a large ancestry of many related animals, where the recursion would expand
  more pairs than :data:`RECURSION_BUDGET` allows, or one deeper than
  :data:`RECURSION_GENERATIONS`, the vectorised Meuwissen & Luo (1992) of
  :func:`~reptidex.engine.pedigree.inbreeding` takes over, run on the ancestry alone;
- :meth:`~PedigreeLinks.equivalent_generations`.

Nothing is checked up front but the range of the parent numbers: a cycle among the
ancestors of the animal asked about raises :class:`~reptidex.engine.pedigree.PedigreeError`
when a computation meets it (the tree and the walks, bounded by their generations, do not
look for one). The figures are those of the general functions on the same pedigree
(:func:`~reptidex.engine.pedigree.pedigree_tree`,
:func:`~reptidex.engine.pedigree.completeness`, :func:`~reptidex.engine.pedigree.ancestors`,
:func:`~reptidex.engine.pedigree.descendants`, :func:`~reptidex.engine.pedigree.kinship`,
:func:`~reptidex.engine.pedigree.inbreeding`,
:func:`~reptidex.engine.pedigree.equivalent_generations`); the tests check them against one
another on random pedigrees with loops.

References
----------
.. [1] Malécot, G. (1948). Les mathématiques de l'hérédité. Masson, Paris.
.. [2] Meuwissen, T. H. E. & Luo, Z. (1992). Computing inbreeding coefficients in large
   populations. Genetics Selection Evolution 24, 305-313.
.. [3] Maignel, L., Boichard, D. & Verrier, E. (1996). Genetic variability of French dairy
   breeds estimated from pedigree information. Interbull Bulletin 14, 49-54.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, NoReturn, TypeAlias

import numpy as np

from reptidex.engine.pedigree.inbreeding import _inbreeding_values
from reptidex.engine.pedigree.model import PedigreeError, _layered_order
from reptidex.engine.pedigree.validation import PedigreeProblem, find_cycles

__all__ = ["RECURSION_BUDGET", "RECURSION_GENERATIONS", "LinksTree", "PedigreeLinks"]

RECURSION_BUDGET = 50
"""The recursion of Malécot may expand this many pairs of related animals per square
generation of the ancestry's depth (counted as at least 14) before it hands over, with what it
computed, to the vectorised Meuwissen & Luo: about the time the latter takes, its numpy steps
running generation layer against layer. Deep, narrow ancestries (few related pairs, many
layers) keep the recursion; wide ones of thousands of related animals (pairs growing with
their square) go over; either way at most about twice the time of the cheaper method is
spent."""

RECURSION_GENERATIONS = 200
"""The recursion walks ancestries of at most this many generations (the longest line); it
nests about two calls per generation, so that it stays well below Python's recursion limit.
Deeper ones take the vectorised method."""


class _TooManyPairs(Exception):
    """The recursion went past its budget (see :data:`RECURSION_BUDGET`)."""


TreePosition: TypeAlias = tuple[int, int, int, str, int | None]
"""``(animal, position, generation, line, repeat_of)``, as a
:class:`~reptidex.engine.pedigree.TreeNode` holds them."""


class LinksTree(NamedTuple):
    """An animal's pedigree tree on :class:`PedigreeLinks` (see :meth:`PedigreeLinks.tree`)."""

    nodes: list[TreePosition]
    """Every known position in ahnentafel order: the animal there, the position (the root is
    1, the sire of ``k`` is ``2k`` and the dam ``2k + 1``), the generation, the line from
    the root (``S`` sire, ``D`` dam) and, for a repeat appearance of an ancestor, the
    position of its first."""
    ancestors: dict[int, int]
    """Each ancestor in the tree with its shortest distance in generations, in the order of
    first appearance (:meth:`PedigreeLinks.ancestors` to the same depth)."""
    repeated: list[int]
    """The ancestors that appear more than once (pedigree collapse), in order of first
    repeat."""
    completeness: tuple[float, ...]
    """Known positions of each generation ``g = 1 …`` as a share of its ``2**g``."""


class PedigreeLinks:
    """A pedigree as bare parent links, the fast path for one animal's neighbourhood.

    Animals are the numbers ``0 … n-1``, in any order; results are memoised, so that a
    second question about the same animals costs little. See the module documentation.

    Parameters
    ----------
    sire, dam : sequence of int
        For animal ``i``, the numbers of its parents (``-1`` when unknown).

    Raises
    ------
    ValueError
        If the two sequences differ in length or a parent number is out of range.

    Examples
    --------
    A son mated to his dam (0 sire, 1 dam, 2 their son, 3 his offspring with her):

    >>> links = PedigreeLinks([-1, -1, 0, 2], [-1, -1, 1, 1])
    >>> links.inbreeding(3), links.kinship(2, 1), links.equivalent_generations(3)
    (0.25, 0.25, 1.5)
    >>> links.ancestors(3), links.descendants(0)
    ({2: 1, 1: 1, 0: 2}, {2: 1, 3: 2})
    >>> tree = links.tree(3, 2)
    >>> [(animal, position, line, repeat) for animal, position, _, line, repeat in tree.nodes]
    [(3, 1, '', None), (2, 2, 'S', None), (1, 3, 'D', None), (0, 4, 'SS', None), (1, 5, 'SD', 3)]
    >>> tree.repeated, tree.completeness
    ([1], (1.0, 0.5))
    """

    __slots__ = (
        "_children",
        "_dam",
        "_deep",
        "_depth",
        "_equivalent",
        "_inbred",
        "_kin",
        "_limit",
        "_lines",
        "_settled",
        "_sire",
    )

    def __init__(self, sire: Sequence[int], dam: Sequence[int]) -> None:
        n = len(sire)
        if len(dam) != n:
            raise ValueError("sire and dam must have one entry per animal")
        self._sire = tuple(sire)
        self._dam = tuple(dam)
        if n and (
            min(self._sire) < -1
            or min(self._dam) < -1
            or max(self._sire) >= n
            or max(self._dam) >= n
        ):
            raise ValueError("a parent number is out of range")
        # per animal, once its ancestry is settled: the animal and its ancestors as a bit set
        # (bit k for animal k: two animals are related exactly when their sets meet; 0
        # before, -1 meanwhile) and the equivalent generations; the animals settled, parents
        # first; the longest line of ancestors, of as many of them as asked for
        self._lines = [0] * n
        self._equivalent = [0.0] * n
        self._settled: list[int] = []
        self._depth: list[int] = []
        self._deep = 0
        self._inbred: list[float | None] = [None] * n
        self._kin: dict[int, float] = {}
        self._limit = 0  # the size of ``_kin`` at which the recursion gives up
        self._children: dict[int, list[int]] | None = None

    @property
    def sire(self) -> tuple[int, ...]:
        """The sire of each animal, ``-1`` where unknown."""
        return self._sire

    @property
    def dam(self) -> tuple[int, ...]:
        """The dam of each animal, ``-1`` where unknown."""
        return self._dam

    def __len__(self) -> int:
        return len(self._sire)

    def __repr__(self) -> str:
        return f"<PedigreeLinks of {len(self)} animals>"

    def _check(self, animal: int) -> None:
        if not 0 <= animal < len(self._sire):
            raise IndexError(f"no animal {animal} in these links")

    # --- walks ------------------------------------------------------------------------

    def tree(self, animal: int, generations: int = 4) -> LinksTree:
        """The pedigree tree of an animal, with its ancestors and completeness, in one walk.

        Parameters
        ----------
        animal : int
        generations : int
            Generations of ancestors (default 4: to great-great-grandparents).

        Returns
        -------
        LinksTree
            The positions as :func:`~reptidex.engine.pedigree.pedigree_tree` lists them,
            the ancestors with their shortest distance as
            :func:`~reptidex.engine.pedigree.ancestors` and the completeness as
            :func:`~reptidex.engine.pedigree.completeness` give them to that depth.

        Raises
        ------
        IndexError
            If ``animal`` is not a number of this pedigree.
        ValueError
            If ``generations`` is negative or above 20.

        Examples
        --------
        >>> links = PedigreeLinks([-1, -1, 0, 0], [-1, -1, 1, -1])
        >>> tree = links.tree(2, 1)
        >>> [(animal, position, line) for animal, position, _, line, _ in tree.nodes]
        [(2, 1, ''), (0, 2, 'S'), (1, 3, 'D')]
        >>> links.tree(3, 2).completeness
        (0.5, 0.0)
        """
        if not 0 <= generations <= 20:
            raise ValueError("generations must be between 0 and 20")
        self._check(animal)
        sires, dams = self._sire, self._dam
        nodes: list[TreePosition] = []
        first_seen: dict[int, int] = {}
        ancestors: dict[int, int] = {}
        repeated: dict[int, None] = {}
        completeness: list[float] = []
        frontier: list[tuple[int, int, str]] = [(1, animal, "")]
        for generation in range(generations + 1):
            if generation:
                completeness.append(len(frontier) / 2**generation)
            following: list[tuple[int, int, str]] = []
            for position, here, line in frontier:
                repeat = first_seen.get(here)
                if repeat is None:
                    first_seen[here] = position
                    if generation:
                        ancestors[here] = generation
                else:
                    repeated[here] = None
                nodes.append((here, position, generation, line, repeat))
                if generation < generations:
                    if (sire := sires[here]) >= 0:
                        following.append((2 * position, sire, line + "S"))
                    if (dam := dams[here]) >= 0:
                        following.append((2 * position + 1, dam, line + "D"))
            frontier = following
        return LinksTree(nodes, ancestors, list(repeated), tuple(completeness))

    def ancestors(self, animal: int, generations: int | None = None) -> dict[int, int]:
        """The ancestors of an animal with the generation at which each first appears.

        Parameters
        ----------
        animal : int
        generations : int, optional
            Look back at most this many generations (1 = parents); default: all.

        Returns
        -------
        dict of int to int
            Ancestor to its shortest distance in generations, parents first.

        Raises
        ------
        IndexError
            If ``animal`` is not a number of this pedigree.

        Examples
        --------
        >>> PedigreeLinks([-1, 0, 1], [-1, -1, -1]).ancestors(2)
        {1: 1, 0: 2}
        """
        self._check(animal)
        sires, dams = self._sire, self._dam
        return _by_generation(animal, generations, lambda here: (sires[here], dams[here]))

    def descendants(self, animal: int, generations: int | None = None) -> dict[int, int]:
        """The descendants of an animal with the generation at which each first appears.

        Parameters
        ----------
        animal : int
        generations : int, optional
            Look forward at most this many generations (1 = offspring); default: all.

        Returns
        -------
        dict of int to int
            Descendant to its shortest distance in generations, offspring first (each
            generation's in the order of their numbers under each parent).

        Raises
        ------
        IndexError
            If ``animal`` is not a number of this pedigree.

        Examples
        --------
        >>> PedigreeLinks([-1, 0, 1, 1], [-1, -1, -1, -1]).descendants(0, 1)
        {1: 1}
        """
        self._check(animal)
        if generations is not None and generations <= 0:
            return {}
        if animal not in self._sire and animal not in self._dam:  # the common case, in C
            return {}
        children = self._children
        if children is None:
            children = self._children = {}
            for child, (sire, dam) in enumerate(zip(self._sire, self._dam, strict=True)):
                for parent in (sire, dam):
                    if parent >= 0:
                        children.setdefault(parent, []).append(child)
        return _by_generation(animal, generations, lambda here: children.get(here, ()))

    # --- coefficients -----------------------------------------------------------------

    def equivalent_generations(self, animal: int) -> float:
        """Equivalent complete generations of an animal's pedigree.

        ``E = Σ_known parents (1 + E_parent) / 2``: the sum over all known ancestors (once
        per path) of ``(1/2)**g``, ``g`` being the ancestor's generation.

        Parameters
        ----------
        animal : int

        Returns
        -------
        float

        Raises
        ------
        IndexError
            If ``animal`` is not a number of this pedigree.
        PedigreeError
            If its ancestors form a cycle.

        Examples
        --------
        >>> PedigreeLinks([-1, 0, -1, 1], [-1, -1, -1, 2]).equivalent_generations(3)
        1.25

        References
        ----------
        .. [1] Maignel, L., Boichard, D. & Verrier, E. (1996). Interbull Bulletin 14, 49-54.
        """
        self._check(animal)
        self._settle(animal)
        return self._equivalent[animal]

    def kinship(self, a: int, b: int) -> float:
        """Kinship (coancestry) coefficient of two animals.

        The probability that an allele drawn at random from ``a`` and one drawn from ``b``
        are identical by descent (``(1 + F_a) / 2`` when ``a`` is ``b``).

        Parameters
        ----------
        a, b : int

        Returns
        -------
        float

        Raises
        ------
        IndexError
            If ``a`` or ``b`` is not a number of this pedigree.
        PedigreeError
            If their ancestors form a cycle.

        Examples
        --------
        Half sibs (0 their sire, 1 and 2 their dams):

        >>> PedigreeLinks([-1, -1, -1, 0, 0], [-1, -1, -1, 1, 2]).kinship(3, 4)
        0.125

        References
        ----------
        .. [1] Malécot, G. (1948). Les mathématiques de l'hérédité. Masson, Paris.
        .. [2] Meuwissen, T. H. E. & Luo, Z. (1992). Genet. Sel. Evol. 24, 305-313.
        """
        self._check(a)
        self._check(b)
        self._settle(a)
        self._settle(b)
        if a == b:
            return 0.5 * (1.0 + self.inbreeding(a))
        lines = self._lines
        if not lines[a] & lines[b]:
            return 0.0
        if self._recursion_allowed(max(a, b, key=self._longest_line)):
            with contextlib.suppress(_TooManyPairs):
                return self._kinship(a, b)
        pair = a * len(lines) + b if a < b else b * len(lines) + a
        value = self._kin[pair] = self._vectorised(lines[a] | lines[b], (a, b))
        return value

    def inbreeding(self, animal: int) -> float:
        """Wright's inbreeding coefficient ``F`` of an animal: the kinship of its parents.

        Parameters
        ----------
        animal : int

        Returns
        -------
        float
            0 unless both parents are known.

        Raises
        ------
        IndexError
            If ``animal`` is not a number of this pedigree.
        PedigreeError
            If its ancestors form a cycle.

        Examples
        --------
        Full sibs mated (0 and 1 their parents, 2 and 3 the sibs):

        >>> PedigreeLinks([-1, -1, 0, 0, 2], [-1, -1, 1, 1, 3]).inbreeding(4)
        0.25

        References
        ----------
        .. [1] Malécot, G. (1948). Les mathématiques de l'hérédité. Masson, Paris.
        .. [2] Meuwissen, T. H. E. & Luo, Z. (1992). Genet. Sel. Evol. 24, 305-313.
        """
        self._check(animal)
        known = self._inbred[animal]
        if known is not None:
            return known
        self._settle(animal)
        if self._recursion_allowed(animal):
            with contextlib.suppress(_TooManyPairs):
                return self._inbreeding(animal)
        return self._vectorised(self._lines[animal], None, animal)

    def _recursion_allowed(self, animal: int) -> bool:
        """Whether the recursion may start on the settled ``animal``'s ancestry, its budget
        of pairs set (see :data:`RECURSION_BUDGET`)."""
        depth = self._longest_line(animal)
        if depth > RECURSION_GENERATIONS:
            return False
        self._limit = len(self._kin) + RECURSION_BUDGET * max(depth, 14) ** 2
        return True

    def _longest_line(self, animal: int) -> int:
        """Generations to the oldest ancestor of the settled ``animal``; for a pedigree of
        no more animals than :data:`RECURSION_GENERATIONS`, their number instead (no line
        is longer, and the recursion's budget then exceeds every pair there is)."""
        n = len(self._lines)
        if n <= RECURSION_GENERATIONS:
            return n
        depths, settled = self._depth, self._settled
        if not depths:
            depths.extend([0] * n)
        sires, dams = self._sire, self._dam
        for here in settled[self._deep :]:  # parents first
            sire, dam = sires[here], dams[here]
            by_sire = depths[sire] + 1 if sire >= 0 else 0
            by_dam = depths[dam] + 1 if dam >= 0 else 0
            depths[here] = by_sire if by_sire > by_dam else by_dam
        self._deep = len(settled)
        return depths[animal]

    # The recursion: only on settled animals (their ancestry known to hold no cycle) of at
    # most RECURSION_GENERATIONS generations, raising _TooManyPairs past the pairs allowed
    # (what it computed until then stays right); -1 stands for an unknown parent.

    def _kinship(self, a: int, b: int) -> float:
        if a < 0 or b < 0:
            return 0.0
        if a == b:
            return 0.5 * (1.0 + self._inbreeding(a))
        lines = self._lines
        lines_a, lines_b = lines[a], lines[b]
        if not lines_a & lines_b:
            return 0.0
        pair = a * len(lines) + b if a < b else b * len(lines) + a
        known = self._kin.get(pair)
        if known is not None:
            return known
        if lines_b >> a & 1:  # a is an ancestor of b: b is the younger, expand it
            a, b = b, a
        value = 0.5 * (self._kinship(self._sire[a], b) + self._kinship(self._dam[a], b))
        kin = self._kin
        if len(kin) >= self._limit:
            raise _TooManyPairs
        kin[pair] = value
        return value

    def _inbreeding(self, animal: int) -> float:
        known = self._inbred[animal]
        if known is not None:
            return known
        sire, dam = self._sire[animal], self._dam[animal]
        value = self._kinship(sire, dam) if sire >= 0 and dam >= 0 else 0.0
        self._inbred[animal] = value
        return value

    def _vectorised(self, lines: int, pair: tuple[int, int] | None, animal: int = -1) -> float:
        """F of ``animal`` (or the kinship of ``pair``, as the F of an offspring of theirs)
        by the engine's Meuwissen & Luo on the ancestry ``lines``; the F of every animal of
        that ancestry is kept."""
        members: list[int] = []
        while lines:
            low = lines & -lines
            members.append(low.bit_length() - 1)
            lines ^= low
        local = {number: k for k, number in enumerate(members)}
        sires = [-1 if (p := self._sire[i]) < 0 else local[p] for i in members]
        dams = [-1 if (p := self._dam[i]) < 0 else local[p] for i in members]
        if pair is not None:
            sires.append(local[pair[0]])
            dams.append(local[pair[1]])
        s = np.array(sires, dtype=np.int64)
        d = np.array(dams, dtype=np.int64)
        depth, order = _layered_order(s, d)  # parents before offspring, as the method needs
        rank = np.empty_like(order)
        rank[order] = np.arange(order.shape[0])
        so, do = s[order], d[order]
        f = _inbreeding_values(
            np.where(so >= 0, rank[np.maximum(so, 0)], -1),
            np.where(do >= 0, rank[np.maximum(do, 0)], -1),
            depth[order],
        )[rank].tolist()
        inbred = self._inbred
        for k, number in enumerate(members):
            if inbred[number] is None:
                inbred[number] = f[k]
        return float(f[-1]) if pair is not None else float(f[local[animal]])

    def _settle(self, animal: int) -> None:
        """Compute the ancestry bit set and equivalent generations of ``animal`` and of every
        ancestor not yet settled, parents first (a walk with its own stack: a line may be
        longer than Python's recursion limit); raise :class:`PedigreeError` on a cycle."""
        lines = self._lines
        if lines[animal] > 0:
            return
        sires, dams = self._sire, self._dam
        equivalent, settled = self._equivalent, self._settled
        stack = [animal]
        while stack:
            here = stack.pop()
            if here >= 0:  # first visit: its parents go first, then ``~here`` settles it
                if lines[here]:
                    continue  # settled through another line meanwhile
                lines[here] = -1
                stack.append(~here)
                for parent in (sires[here], dams[here]):
                    if parent >= 0:
                        if not lines[parent]:
                            stack.append(parent)
                        elif lines[parent] < 0:  # an ancestor of its own
                            self._cycle()
                continue
            here = ~here
            settled.append(here)
            sire, dam = sires[here], dams[here]
            if sire >= 0:
                if dam >= 0:
                    lines[here] = 1 << here | lines[sire] | lines[dam]
                    equivalent[here] = 0.5 * ((1 + equivalent[sire]) + (1 + equivalent[dam]))
                else:
                    lines[here] = 1 << here | lines[sire]
                    equivalent[here] = 0.5 * ((1 + equivalent[sire]) + 0.0)
            elif dam >= 0:
                lines[here] = 1 << here | lines[dam]
                equivalent[here] = 0.5 * (0.0 + (1 + equivalent[dam]))
            else:
                lines[here] = 1 << here

    def _cycle(self) -> NoReturn:
        """Leave the walk as if it had not begun and raise the cycle found, worded as
        :func:`~reptidex.engine.pedigree.find_problems` words it."""
        lines = self._lines
        for number, state in enumerate(lines):
            if state < 0:
                lines[number] = 0
        pairs = list(enumerate(zip(self._sire, self._dam, strict=True)))
        problems = [
            PedigreeProblem("own-parent", f"{i} is recorded as its own parent", (str(i),))
            for i, (s, d) in pairs
            if i in (s, d)
        ]
        parents = {str(i): [str(p) for p in (s, d) if p >= 0 and p != i] for i, (s, d) in pairs}
        raise PedigreeError(problems + find_cycles(parents))


def _by_generation(
    animal: int, generations: int | None, next_of: Callable[[int], Iterable[int]]
) -> dict[int, int]:
    """Every animal reached from ``animal`` by ``next_of`` (its parents, or its children), with
    the generation at which it is first reached, at most ``generations`` away (a negative
    number, an unknown parent, is skipped)."""
    found: dict[int, int] = {}
    frontier = [animal]
    level = 0
    while frontier and (generations is None or level < generations):
        level += 1
        following: list[int] = []
        for here in frontier:
            for other in next_of(here):
                if other >= 0 and other not in found and other != animal:
                    found[other] = level
                    following.append(other)
        frontier = following
    return found
