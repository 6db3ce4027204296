"""Crosses: the exact offspring distribution of a sire and a dam.

The method: blocks of loci (an unlinked locus, or a linkage group) are inherited
independently, so each block is crossed on its own — parent diplotypes give gametes (with
recombination between linked positions, no interference), gametes pair into offspring
diplotypes — and the offspring distribution is the product of the block distributions. Each
block's offspring are grouped into phenotype classes (same visual traits, lethality and sex);
a visual phenotype of the whole animal is one class per block, and because blocks are
independent its het probabilities are those of its classes. The cost therefore grows with the
number of distinct outcomes (classes per block multiplied out), never with 4^genes.

Probabilities are exact :class:`fractions.Fraction` values; products over many blocks are
taken on integer numerators over a common denominator with numpy.
"""

from __future__ import annotations

import heapq
import html
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import reduce
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from reptidex.engine.genetics.genotype import BlockDistribution, Genotype, canonical
from reptidex.engine.genetics.grouped import ClassView, GroupedView
from reptidex.engine.genetics.grouped import Outcome as Outcome
from reptidex.engine.genetics.grouped import Outcomes as Outcomes
from reptidex.engine.genetics.grouped import PossibleHet as PossibleHet
from reptidex.engine.genetics.model import Block, Catalog, Sex
from reptidex.engine.genetics.parsing import _format_probability as format_probability
from reptidex.engine.genetics.parsing import (
    catalog_memo,
    name_genotype,
    parse_genotype,
    remember,
)
from reptidex.engine.genetics.phenotype import (
    Diplotype,
    Haplotype,
    block_phenotype,
    sort_traits,
)
from reptidex.engine.genetics.tables import (
    genotype_columns,
    genotype_frame,
    genotype_table_html,
    outcomes_frame,
)

if TYPE_CHECKING:  # pandas is an optional extra: only its name is needed to check the types
    import pandas as pd

HTML_ROWS = 50
"""The most outcomes a notebook's table of a cross shows."""


def _possible_het(het: PossibleHet) -> str:
    """``66% het Clown``, as the morph names write possible hets."""
    return f"{format_probability(het.probability)} het {het.gene}"


@dataclass(frozen=True)
class _Class:
    """One phenotype class of a block: its probability, its diplotypes with theirs, and how
    the grouped view shows it (traits, hets, possible hets, warnings, lethality, sex)."""

    lethal: bool
    probability: Fraction
    diplotypes: tuple[tuple[Diplotype, Fraction], ...]
    view: ClassView


def gametes(diplotype: Diplotype, recombination: tuple[Fraction, ...]) -> dict[Haplotype, Fraction]:
    """The gametes (haplotypes) of a phased diplotype, with crossover fraction
    ``recombination[i]`` between positions ``i`` and ``i + 1`` (no interference).

    Examples
    --------
    >>> from fractions import Fraction
    >>> gametes(((1, 1), (0, 0)), (Fraction(1, 10),))
    {(1, 1): Fraction(9, 20), (1, 0): Fraction(1, 20), (0, 0): Fraction(9, 20), (0, 1): Fraction(1, 20)}
    """
    first, second = diplotype
    strands = (first, second)
    # A partial gamete with the strand it is copying: either strand first, half the time each.
    states: dict[tuple[Haplotype, int], Fraction] = {
        ((first[0],), 0): Fraction(1, 2),
        ((second[0],), 1): Fraction(1, 2),
    }
    for position in range(1, len(first)):
        r = recombination[position - 1]
        following: dict[tuple[Haplotype, int], Fraction] = {}
        for (haplotype, strand), p in states.items():
            for next_strand, q in ((strand, 1 - r), (1 - strand, r)):
                if q:
                    key = ((*haplotype, strands[next_strand][position]), next_strand)
                    following[key] = following.get(key, Fraction(0)) + p * q
        states = following
    out: dict[Haplotype, Fraction] = {}
    for (haplotype, _), p in states.items():
        out[haplotype] = out.get(haplotype, Fraction(0)) + p
    return out


def _gamete_pool(distribution: BlockDistribution, block: Block) -> dict[Haplotype, Fraction]:
    pool: dict[Haplotype, Fraction] = {}
    for diplotype, p in distribution:
        for haplotype, q in gametes(diplotype, block.recombination).items():
            pool[haplotype] = pool.get(haplotype, Fraction(0)) + p * q
    return pool


def cross_block(
    block: Block, sire: BlockDistribution, dam: BlockDistribution
) -> dict[Diplotype, Fraction]:
    """The offspring distribution of one block from the parents' block distributions.

    Examples
    --------
    >>> from fractions import Fraction
    >>> from reptidex.engine.genetics.model import Block
    >>> het = ((((0,), (1,)), Fraction(1)),)
    >>> sorted(cross_block(Block(0, (0,), ()), het, het).values())
    [Fraction(1, 4), Fraction(1, 4), Fraction(1, 2)]
    """
    sire_pool = _gamete_pool(sire, block)
    dam_pool = _gamete_pool(dam, block)
    out: dict[Diplotype, Fraction] = {}
    for paternal, p in sire_pool.items():
        for maternal, q in dam_pool.items():
            key = canonical((paternal, maternal))
            out[key] = out.get(key, Fraction(0)) + p * q
    return out


def _classes(catalog: Catalog, block: Block, offspring: dict[Diplotype, Fraction]) -> list[_Class]:
    grouped: dict[tuple[tuple[str, ...], bool, Sex | None], list[tuple[Diplotype, Fraction]]] = {}
    looks = {}
    for diplotype, p in sorted(offspring.items()):
        look = block_phenotype(catalog, block, diplotype)
        key = (look.traits, look.lethal, look.sex)
        grouped.setdefault(key, []).append((diplotype, p))
        looks[diplotype] = look
    classes = []
    for (traits, lethal, sex), members in grouped.items():
        total = sum((p for _, p in members), Fraction(0))
        carried: dict[str, Fraction] = {}
        warnings: list[str] = []
        for diplotype, p in members:
            for name in looks[diplotype].hidden:
                carried[name] = carried.get(name, Fraction(0)) + p
            for warning in looks[diplotype].warnings:
                if warning not in warnings:
                    warnings.append(warning)
        hidden = tuple((name, p / total) for name, p in carried.items())
        view = ClassView(
            traits=sort_traits(catalog, traits),
            hets=tuple(name for name, p in hidden if p == 1),
            possible=tuple(PossibleHet(name, p) for name, p in hidden if p != 1),
            warnings=tuple(warnings),
            lethal=lethal,
            sex=sex,
        )
        classes.append(_Class(lethal, total, tuple(members), view))
    return classes


def _viable(classes: list[_Class]) -> list[_Class]:
    alive = [c for c in classes if not c.lethal]
    if not alive:
        raise ValueError("this pairing produces no viable offspring")
    total = sum(c.probability for c in alive)
    return [
        replace(
            c,
            probability=c.probability / total,
            diplotypes=tuple((d, p / total) for d, p in c.diplotypes),
        )
        for c in alive
    ]


def _integers(weights: list[list[Fraction]]) -> tuple[list[list[int]], int]:
    """Each block's weights as integer numerators over the block's least common denominator,
    and the product of those denominators: the common denominator of every cell."""
    numerators: list[list[int]] = []
    denominator = 1
    for ws in weights:
        d = math.lcm(*(w.denominator for w in ws))
        numerators.append([int(w * d) for w in ws])
        denominator *= d
    return numerators, denominator


def _numerator_array(numerators: list[int], denominator: int) -> npt.NDArray[Any]:
    """Numerators over ``denominator`` as int64 while it is below 2**62 (no numerator exceeds
    its denominator), as Python integers from there on: exact either way."""
    return np.array(numerators, dtype=np.int64 if denominator < 2**62 else object)


def _joint(weights: list[list[Fraction]]) -> tuple[npt.NDArray[Any], int]:
    """Integer numerators of the product distribution (C order) and their common denominator."""
    integers, denominator = _integers(weights)
    arrays = [_numerator_array(ns, denominator) for ns in integers]
    certain = _numerator_array([1], denominator)  # the product of no blocks
    joint = reduce(lambda a, b: np.multiply.outer(a, b).ravel(), arrays, certain)
    return joint, denominator


def _most_likely_cells(
    weights: list[list[Fraction]], count: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any], int]:
    """The ``count`` most probable cells of the product of ``weights`` (flat C-order indices),
    their integer numerators and the common denominator: best first over each block's
    classes sorted by weight, every cell reached once (from its first raised block)."""
    integers, denominator = _integers(weights)
    scaled = [
        sorted(((n, i) for i, n in enumerate(ns)), key=lambda item: -item[0]) for ns in integers
    ]
    sizes = [len(ws) for ws in weights]
    strides = [math.prod(sizes[b + 1 :]) for b in range(len(sizes))]

    def value(position: tuple[int, ...]) -> int:
        return math.prod(scaled[b][k][0] for b, k in enumerate(position))

    start = (0,) * len(weights)
    frontier: list[tuple[int, tuple[int, ...]]] = [(-value(start), start)]
    cells: list[int] = []
    numerators: list[int] = []
    while frontier and len(cells) < count:
        negative, position = heapq.heappop(frontier)
        cells.append(sum(scaled[b][k][1] * strides[b] for b, k in enumerate(position)))
        numerators.append(-negative)
        # Successors raise one block at or after the last raised one: each cell once.
        last = max((b for b, k in enumerate(position) if k), default=0)
        for b in range(last, len(position)):
            if position[b] + 1 < sizes[b]:
                following = (*position[:b], position[b] + 1, *position[b + 1 :])
                heapq.heappush(frontier, (-value(following), following))
    return (
        np.array(cells, dtype=np.intp),
        _numerator_array(numerators, denominator),
        denominator,
    )


@dataclass(frozen=True)
class GenotypeTable:
    """Every offspring genotype of a cross as arrays: ``codes[i, b]`` is the index of the
    diplotype of block ``blocks[b]`` in ``diplotypes[b]`` for genotype ``i``, whose
    probability is ``numerators[i] / denominator``."""

    catalog: Catalog
    blocks: tuple[Block, ...]
    diplotypes: tuple[tuple[Diplotype, ...], ...]
    numerators: npt.NDArray[Any]
    denominator: int

    def __len__(self) -> int:
        return len(self.numerators)

    def __repr__(self) -> str:
        """The species, how many genotypes and over which loci.

        >>> from reptidex.engine.genetics import load_catalog
        >>> cross_morphs(load_catalog("ball_python"), "Pastel het Clown", "het Clown").genotype_table()
        <GenotypeTable ball_python: 6 genotypes over Pastel, Clown>
        """
        loci = ", ".join(c.name for c in genotype_columns(self) if not c.phase) or "no loci"
        return f"<GenotypeTable {self.catalog.id}: {len(self):,} genotypes over {loci}>"

    def _repr_html_(self) -> str:
        """A notebook's table of the first genotypes by locus, with exact probabilities."""
        return genotype_table_html(self)

    @property
    def probabilities(self) -> npt.NDArray[np.float64]:
        """Each genotype's probability as a float, in table order (``numerators /
        denominator``; :meth:`probability` gives one exactly).

        Examples
        --------
        >>> from reptidex.engine.genetics import load_catalog
        >>> result = cross_morphs(load_catalog("ball_python"), "het Clown", "het Clown")
        >>> result.genotype_table().probabilities.tolist()
        [0.25, 0.5, 0.25]
        """
        floats: npt.NDArray[np.float64] = np.divide(
            self.numerators, self.denominator, dtype=np.float64
        )
        return floats

    def to_frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame, a categorical column per locus (needs the
        ``reptidex[pandas]`` extra); see :func:`~reptidex.engine.genetics.tables.genotype_frame`.
        """
        return genotype_frame(self)

    @property
    def codes(self) -> npt.NDArray[np.intp]:
        """The diplotype index of each block for each genotype (rows in table order).

        With :attr:`numerators` and :attr:`denominator` it is the whole table as arrays, read
        without making a :class:`Genotype` per row (as iterating the table does); the
        diplotype of block ``blocks[b]`` in row ``i`` is ``diplotypes[b][codes[i, b]]``.

        Examples
        --------
        >>> from reptidex.engine.genetics import load_catalog
        >>> table = cross_morphs(load_catalog("ball_python"), "Pastel", "het Clown").genotype_table()
        >>> table.codes.tolist(), table.numerators.tolist(), table.denominator
        ([[0, 0], [0, 1], [1, 0], [1, 1]], [1, 1, 1, 1], 4)
        """
        shape = tuple(len(d) for d in self.diplotypes)
        if not shape:
            return np.zeros((1, 0), dtype=np.intp)
        return np.stack(np.unravel_index(np.arange(len(self)), shape), axis=1)

    def probability(self, row: int) -> Fraction:
        """The exact probability of genotype ``row``."""
        return Fraction(int(self.numerators[row]), self.denominator)

    def __iter__(self) -> Iterator[tuple[Genotype, Fraction]]:
        sex_position = next((b for b, block in enumerate(self.blocks) if block.sex_linked), None)
        for row, code in enumerate(self.codes):
            chosen = [self.diplotypes[b][int(c)] for b, c in enumerate(code)]
            sex = None
            if sex_position is not None:
                look = block_phenotype(
                    self.catalog, self.blocks[sex_position], chosen[sex_position]
                )
                sex = look.sex
            blocks = {
                block.index: {diplotype: Fraction(1)}
                for block, diplotype in zip(self.blocks, chosen, strict=True)
            }
            yield Genotype.from_blocks(self.catalog, blocks, sex), self.probability(row)


class CrossResult:
    """The exact offspring distribution of a cross, at genotype and phenotype level.

    Build with :func:`cross`. ``outcomes()`` is the breeder's view, ``genotype_table()`` every
    genotype, ``to_dict()`` the JSON contract.
    """

    def __init__(
        self,
        catalog: Catalog,
        sire: Genotype,
        dam: Genotype,
        blocks: list[tuple[Block, tuple[_Class, ...]]],
        viable_only: bool,
        lethal_probability: Fraction,
    ) -> None:
        self.catalog = catalog
        self.sire = sire
        self.dam = dam
        self.viable_only = viable_only
        self.lethal_probability = lethal_probability
        """The probability that an offspring is lethal (before any renormalisation)."""
        self._blocks = blocks
        self._outcomes: Outcomes | None = None

    def __repr__(self) -> str:
        """The cross as breeders say it, with how many outcome groups it has.

        >>> from reptidex.engine.genetics import load_catalog, parse_genotype
        >>> bp = load_catalog("ball_python")
        >>> cross(parse_genotype(bp, "Pastel het Clown"), parse_genotype(bp, "Clown"))
        <CrossResult ball_python: Pastel het Clown × Clown, 4 outcomes>
        """
        summary = self.summary()
        parents = f"{summary['sire'] or '?'} × {summary['dam'] or '?'}"
        return f"<CrossResult {self.catalog.id}: {parents}, {self.outcome_count:,} outcomes>"

    def _repr_html_(self) -> str:
        """A notebook's table of the most likely outcomes (at most :data:`HTML_ROWS`)."""
        shown = self.most_likely(min(HTML_ROWS, self.outcome_count))
        rows = "".join(
            "<tr>"
            f"<td>{o.probability}</td><td>{float(o.probability) * 100:.2f}%</td>"
            f"<td>{html.escape(o.phenotype)}</td>"
            f"<td>{html.escape(', '.join(o.hets))}</td>"
            f"<td>{html.escape(', '.join(_possible_het(h) for h in o.possible_hets))}</td>"
            f"<td>{'' if o.sex is None else o.sex.value}</td>"
            f"<td>{'lethal' if o.lethal else ''}</td>"
            "</tr>"
            for o in shown
        )
        more = self.outcome_count - len(shown)
        note = f"<p>{more:,} less likely outcomes not shown</p>" if more else ""
        head = "".join(
            f"<th>{h}</th>"
            for h in ("probability", "%", "phenotype", "het", "possible het", "sex", "")
        )
        title = html.escape(repr(self))
        return f"<p>{title}</p><table><tr>{head}</tr>{rows}</table>{note}"

    def to_frame(self) -> pd.DataFrame:
        """The outcomes as a pandas DataFrame, one row per phenotype group (needs the
        ``reptidex[pandas]`` extra); see :func:`~reptidex.engine.genetics.tables.outcomes_frame`.

        Examples
        --------
        >>> from reptidex.engine.genetics import load_catalog
        >>> frame = cross_morphs(load_catalog("ball_python"), "Pastel", "Pastel").to_frame()
        >>> frame[["phenotype", "probability"]].values.tolist()
        [['Pastel', 0.5], ['Normal', 0.25], ['Super Pastel', 0.25]]
        """
        return outcomes_frame(self.outcomes())

    def outcomes(self) -> Outcomes:
        """The phenotype groups, most likely first (ties: viable first, then by name, then by
        sex), as a read-only sequence of :class:`Outcome`.

        The groups are computed once, in bulk (see :mod:`reptidex.engine.genetics.grouped`);
        each :class:`Outcome` and its :class:`~fractions.Fraction` is made when first read.
        """
        if self._outcomes is None:
            self._outcomes = Outcomes(self._grouped())
        return self._outcomes

    @property
    def outcome_count(self) -> int:
        """How many groups :meth:`outcomes` lists, known before any is made (the product of
        the blocks' class counts), so a caller can bound the work before asking for them.

        Examples
        --------
        >>> from reptidex.engine.genetics import load_catalog, parse_genotype
        >>> bp = load_catalog("ball_python")
        >>> sire = parse_genotype(bp, "Pastel Spider het Clown")
        >>> cross(sire, parse_genotype(bp, "Pastel het Clown")).outcome_count
        12
        """
        return math.prod(len(classes) for _, classes in self._blocks)

    def most_likely(self, count: int) -> Outcomes:
        """The ``count`` most likely groups of :meth:`outcomes`, in the same order, found
        without making the others: a best-first walk over the block product (each block's
        classes sorted by probability, a cell's successors one class further in one block),
        so the cost grows with ``count`` and the number of blocks, not with the product.

        Among groups of equal probability at the cut, those of earlier classes are kept.

        Examples
        --------
        >>> from reptidex.engine.genetics import load_catalog, parse_genotype
        >>> bp = load_catalog("ball_python")
        >>> genes = "Pastel Spider Mojave Enchi Fire Cinnamon Yellowbelly Leopard Pinstripe"
        >>> result = cross(parse_genotype(bp, genes), parse_genotype(bp, genes))
        >>> result.outcome_count
        19683
        >>> top = result.most_likely(3)
        >>> [(o.phenotype, str(o.probability)) for o in top]  # doctest: +NORMALIZE_WHITESPACE
        [('Bumblebee Enchi Fire Cinnamon Leopard Pinstripe Mojave Yellowbelly', '1/512'),
         ('Bumblebee Enchi Fire Cinnamon Leopard Pinstripe Mojave', '1/1024'),
         ('Bumblebee Enchi Fire Cinnamon Leopard Pinstripe Mojave Ivory', '1/1024')]

        Raises
        ------
        ValueError
            If ``count`` is not positive.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        classes = [c for _, c in self._blocks]
        cells, numerators, denominator = _most_likely_cells(
            [[c.probability for c in cs] for cs in classes], count
        )
        views = [[c.view for c in cs] for cs in classes]
        return Outcomes(GroupedView(self.catalog, views, numerators, denominator, cells))

    def _grouped(self) -> GroupedView:
        classes = [c for _, c in self._blocks]
        numerators, denominator = _joint([[c.probability for c in cs] for cs in classes])
        views = [[c.view for c in cs] for cs in classes]
        return GroupedView(self.catalog, views, numerators, denominator)

    def genotype_table(self) -> GenotypeTable:
        """Every offspring genotype with its exact probability, as arrays."""
        blocks = tuple(block for block, _ in self._blocks)
        members = [
            [(d, p) for c in classes for d, p in c.diplotypes] for _, classes in self._blocks
        ]
        numerators, denominator = _joint([[p for _, p in m] for m in members])
        return GenotypeTable(
            self.catalog,
            blocks,
            tuple(tuple(d for d, _ in m) for m in members),
            numerators,
            denominator,
        )

    def genotypes(self) -> Iterator[tuple[Genotype, Fraction]]:
        """Every offspring genotype (as a certain :class:`Genotype`) with its probability."""
        return iter(self.genotype_table())

    def probability(self, target: Callable[[Outcome], bool]) -> Fraction:
        """The probability that one offspring is in a group for which ``target`` is true."""
        return sum((o.probability for o in self.outcomes() if target(o)), Fraction(0))

    def summary(self) -> dict[str, Any]:
        """The JSON contract of the cross without its outcomes: species, the parents' names,
        ``viable_only`` and the lethal probability."""

        def name(genotype: Genotype) -> str | None:
            try:
                return name_genotype(genotype)
            except ValueError:
                return None

        return {
            "species": self.catalog.id,
            "sire": name(self.sire),
            "dam": name(self.dam),
            "viable_only": self.viable_only,
            "lethal_probability": str(self.lethal_probability),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of a cross (documented in ``docs/genetics.md``)."""
        return {**self.summary(), "outcomes": self.outcomes().to_dicts()}


def cross(sire: Genotype, dam: Genotype, *, viable_only: bool = False) -> CrossResult:
    """The exact offspring distribution of ``sire`` × ``dam``.

    Lethal outcomes are kept and flagged; ``viable_only=True`` conditions on survival
    (renormalises over viable offspring).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> result = cross(parse_genotype(bp, "Pastel het Clown"), parse_genotype(bp, "het Clown"))
    >>> [(o.phenotype, str(o.probability)) for o in result.outcomes()]
    [('Normal', '3/8'), ('Pastel', '3/8'), ('Clown', '1/8'), ('Pastel Clown', '1/8')]
    >>> result.outcomes()[0].possible_hets
    (PossibleHet(gene='Clown', probability=Fraction(2, 3)),)
    """
    if sire.species != dam.species:
        raise ValueError(f"cannot cross a {sire.species} with a {dam.species}")
    if sire.sex is Sex.FEMALE or dam.sex is Sex.MALE:
        raise ValueError("the sire must be male and the dam female")
    catalog = sire.catalog
    present = sorted({i for i, _ in sire.blocks} | {i for i, _ in dam.blocks})
    blocks: list[tuple[Block, tuple[_Class, ...]]] = []
    alive = Fraction(1)
    # Crosses share blocks (a Pastel het Clown pairing has the Pastel block of every Pastel
    # pairing), so each block's classes are kept on the catalog, by the parents' distributions.
    memo = catalog_memo(catalog, "_block_classes")
    for index in present:
        block = catalog.blocks[index]
        key = (index, sire.block(index, Sex.MALE), dam.block(index, Sex.FEMALE), viable_only)
        found = memo.get(key)
        if found is None:
            found = remember(memo, key, _block_classes(catalog, block, *key[1:]))
        classes, block_alive = found
        alive *= block_alive
        blocks.append((block, classes))
    lethal = 1 - alive
    return CrossResult(catalog, sire, dam, blocks, viable_only, lethal)


def _block_classes(
    catalog: Catalog,
    block: Block,
    sire: BlockDistribution,
    dam: BlockDistribution,
    viable_only: bool,
) -> tuple[tuple[_Class, ...], Fraction]:
    """The phenotype classes of one block of a cross (renormalised over the viable ones when
    ``viable_only``) and the probability that the block is viable."""
    classes = _classes(catalog, block, cross_block(block, sire, dam))
    block_alive = sum((c.probability for c in classes if not c.lethal), Fraction(0))
    if viable_only:
        classes = _viable(classes)
    return tuple(classes), block_alive


def cross_morphs(
    catalog: Catalog, sire: str, dam: str, *, viable_only: bool = False
) -> CrossResult:
    """Parse two morph descriptions (a male and a female) and cross them.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> result = cross_morphs(load_catalog("ball_python"), "Pastel Spider het Clown", "Pastel het Clown")
    >>> len(result.outcomes())
    12
    >>> killer_bee = next(o for o in result.outcomes() if o.phenotype == "Killer Bee")
    >>> str(killer_bee.probability), str(killer_bee.possible_hets[0].probability)
    ('3/32', '2/3')
    """
    has_sex = catalog.sex_block is not None
    male = Sex.MALE if has_sex else None
    female = Sex.FEMALE if has_sex else None
    return cross(
        parse_genotype(catalog, sire, male),
        parse_genotype(catalog, dam, female),
        viable_only=viable_only,
    )


def outcomes_to_json(result: CrossResult, *, indent: int | None = 2) -> str:
    """The JSON text of :meth:`CrossResult.to_dict` (the repti-animal API's response body).

    Examples
    --------
    >>> import json
    >>> from reptidex.engine.genetics import load_catalog
    >>> result = cross_morphs(load_catalog("corn_snake"), "Amel", "Amel")
    >>> json.loads(outcomes_to_json(result))["outcomes"][0]["probability"]
    '1'
    """
    return json.dumps(result.to_dict(), indent=indent)
