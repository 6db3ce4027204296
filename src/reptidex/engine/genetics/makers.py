"""Sex-linked genes of unknown phase: a cross under each phase, beside the marginal.

In a heterogametic parent (an XY male, a ZW female) a sex-linked gene lies on one sex
chromosome or the other. A ball python male with his Banana (Coral Glow) on his Y is a *male
maker*: all his Banana offspring are sons but the recombinants (1 in 40 by the catalog's
fraction); with it on his X he is a *female maker*, and his Banana offspring are daughters.
A morph written without either word (``"Banana"``) is read as both phases, each as likely
(see :func:`~reptidex.engine.genetics.parse_genotype`), so :func:`~reptidex.engine.genetics.cross`
gives the *marginal*: the average of the two clutches. But the phase belongs to the animal and
is the same for every egg it produces: one male's real clutches follow one of the two
distributions, skewed towards one sex, never their even average. :func:`split_by_maker` gives
both, each exactly as the cross of the parent written with ``male maker`` or ``female maker``.

The split exists where the parent's sex-linked block is a mixture of the two phases that
``male maker`` and ``female maker`` name (every mutant allele of the block on the one sex
chromosome, or every one on the other): the marginal is then their average, weighted by the
chance of each phase (1/2 each as the parser reads a morph). A parent of known phase, one
homozygous at the sex-linked loci (a Super Banana), and one with two or more sex-linked genes
whose phases are independent (some on the Y, some on the X) have no split.

The work is bounded by the marginal's: each phase's clutch has at most as many outcome groups
(the parent's diplotypes under a phase are among those of the marginal), and a heterogametic
parent is of one sex, so a cross has at most one split of two phases: at most three crosses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from reptidex.engine.genetics.cross import CrossResult, Outcomes, cross
from reptidex.engine.genetics.genotype import Genotype, canonical, sex_pair
from reptidex.engine.genetics.model import Block, Catalog, SexSystem
from reptidex.engine.genetics.phenotype import Diplotype

MALE_MAKER = "male maker"
"""The phase with every sex-linked mutant allele on the male-determining chromosome (Y or Z)."""
FEMALE_MAKER = "female maker"
"""The phase with every sex-linked mutant allele on the other chromosome (X or W)."""


@dataclass(frozen=True)
class MakerPhase:
    """A parent's genotype under one phase of its sex-linked genes, and the chance of it.

    ``maker`` is ``"male maker"`` or ``"female maker"``; ``genotype`` equals the parent's
    morph read with that word.
    """

    maker: str
    probability: Fraction
    genotype: Genotype


@dataclass(frozen=True)
class MakerCross:
    """The clutch of a cross if one parent is of one phase (a :class:`MakerPhase`).

    ``outcomes`` lists all its groups, or its ``top`` most likely (see
    :func:`split_by_maker`), and ``omitted_probability`` is what the unlisted ones weigh.
    """

    maker: str
    probability: Fraction
    result: CrossResult
    outcomes: Outcomes
    omitted_probability: Fraction

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the maker, the chance of the phase, the parents as named under it,
        the lethal share, the outcome count, what the unlisted outcomes weigh, the outcomes."""
        summary = self.result.summary()
        return {
            "maker": self.maker,
            "probability": str(self.probability),
            "sire": summary["sire"],
            "dam": summary["dam"],
            "lethal_probability": summary["lethal_probability"],
            "outcome_count": self.result.outcome_count,
            "omitted_probability": str(self.omitted_probability),
            "outcomes": self.outcomes.to_dicts(),
        }


@dataclass(frozen=True)
class MakerSplit:
    """A cross split by the phase of one parent's sex-linked genes.

    ``parent`` is ``"sire"`` or ``"dam"`` (the heterogametic one), ``genes`` the sex-linked
    genes whose phase is unknown, ``phases`` the clutch under each phase (male maker first),
    and ``note`` says what a breeder should read from them.
    """

    parent: str
    genes: tuple[str, ...]
    phases: tuple[MakerCross, ...]
    note: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``maker_phases`` in the answer of ``POST /genetics/predict``)."""
        return {
            "parent": self.parent,
            "genes": list(self.genes),
            "note": self.note,
            "phases": [phase.to_dict() for phase in self.phases],
        }


def _male_allele(system: SexSystem) -> int:
    """The sex-chromosome allele that makes a male: the Y (1) in XY, the Z (0) in ZW."""
    return int(system is SexSystem.XY)


def _rephase(diplotype: Diplotype, male_allele: int) -> tuple[Diplotype, Diplotype] | None:
    """``diplotype`` with every mutant allele of a het position on the haplotype that carries
    the male-determining chromosome, then on the other one; ``None`` when a position holds two
    different mutant alleles (no maker phase says where each lies)."""
    first, second = diplotype
    male, other = (first, second) if first[0] == male_allele else (second, first)
    together: list[int] = []  # each position's mutant allele, or the allele both share
    shared: list[int] = []  # the allele both share, or the wild type
    for position in range(1, len(male)):
        a, b = male[position], other[position]
        if a and b and a != b:
            return None
        together.append(a or b)
        shared.append(a if a == b else 0)
    carrying = (male[0], *together)
    wild = (other[0], *shared)
    opposite = (male[0], *shared), (other[0], *together)
    return canonical((carrying, wild)), canonical(opposite)


def maker_phases(genotype: Genotype) -> tuple[MakerPhase, ...]:
    """The parent's genotype if it is a male maker and if it is a female maker, with the
    chance of each, when the phase of its sex-linked genes is unknown; ``()`` otherwise.

    Parameters
    ----------
    genotype : Genotype
        A parent (of known sex when it has sex-linked genes).

    Returns
    -------
    tuple of MakerPhase
        Two phases, ``"male maker"`` first, whose genotypes averaged with their chances give
        ``genotype``; empty for an animal of the homogametic sex, without sex-linked genes, of
        known phase, homozygous at them, or whose sex-linked genes lie in mixed phases.

    Examples
    --------
    >>> from reptidex.engine.genetics import Sex, load_catalog, name_genotype, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> male = parse_genotype(bp, "Banana", Sex.MALE)
    >>> [(p.maker, str(p.probability), name_genotype(p.genotype)) for p in maker_phases(male)]
    [('male maker', '1/2', 'male maker Banana'), ('female maker', '1/2', 'female maker Banana')]
    >>> maker_phases(parse_genotype(bp, "male maker Banana", Sex.MALE))
    ()
    >>> maker_phases(parse_genotype(bp, "Banana", Sex.FEMALE))
    ()
    """
    catalog = genotype.catalog
    # A genotype holds only its blocks that are not wild type: a few, looked at first.
    linked = [(catalog.blocks[i], d) for i, d in genotype.blocks if catalog.blocks[i].sex_linked]
    if not linked:
        return ()
    assert genotype.sex is not None  # a genotype with sex-linked genes has a sex
    if sex_pair(catalog.sex_system, genotype.sex) != (0, 1):
        return ()  # the homogametic sex: both chromosomes alike
    ((block, present),) = linked  # a catalog has one sex-linked block
    distribution = dict(present)
    split = _split(distribution, _male_allele(catalog.sex_system))
    if split is None:
        return ()
    chance, by_maker = split
    others = {index: dict(d) for index, d in genotype.blocks if index != block.index}
    return tuple(
        MakerPhase(
            maker,
            p,
            Genotype.from_blocks(catalog, {**others, block.index: phased}, genotype.sex),
        )
        for maker, p, phased in (
            (MALE_MAKER, chance, by_maker[0]),
            (FEMALE_MAKER, 1 - chance, by_maker[1]),
        )
    )


def _split(
    distribution: dict[Diplotype, Fraction], male_allele: int
) -> tuple[Fraction, tuple[dict[Diplotype, Fraction], dict[Diplotype, Fraction]]] | None:
    """The chance of the male-maker phase and the distribution under each phase, when
    ``distribution`` is a mixture of the two (with both phases possible); ``None`` otherwise."""
    phased: list[dict[Diplotype, Fraction]] = [{}, {}]
    for diplotype, p in distribution.items():
        moved = _rephase(diplotype, male_allele)
        if moved is None:
            return None
        for side, target in enumerate(moved):
            phased[side][target] = phased[side].get(target, Fraction(0)) + p
    # A diplotype with a mutant allele on the male-determining chromosome only: the share of
    # its phase that is there is the male maker's chance (the same for every such diplotype
    # when the distribution is a mixture of the two phases, as checked below).
    only_male = [key for key in phased[0] if key not in phased[1]]
    if not only_male:
        return None  # homozygous: no phase to split
    first = only_male[0]
    if first not in distribution:
        return None  # every gene on the other chromosome: a female maker
    chance = distribution[first] / phased[0][first]
    # Mass in mixed phases (in neither) leaves the phased diplotypes short: a mismatch below.
    # So does a male maker (chance 1): the female maker's diplotypes, which it lacks (None),
    # get a mixture of 0.
    keys = set(phased[0]) | set(phased[1])
    for key in keys:
        mixed = chance * phased[0].get(key, Fraction(0))
        mixed += (1 - chance) * phased[1].get(key, Fraction(0))
        if distribution.get(key) != mixed:
            return None  # known phase, or genes in independent phases: no maker names them
    return chance, (phased[0], phased[1])


def _genes(catalog: Catalog, block: Block, distribution: Iterable[Diplotype]) -> tuple[str, ...]:
    """The names of the mutant alleles at the het positions of ``distribution``'s diplotypes,
    in chromosome order."""
    found: dict[tuple[int, int], str] = {}
    for first, second in distribution:
        for position in range(1, len(block.loci)):
            a, b = first[position], second[position]
            if a != b:
                allele = a or b
                name = catalog.loci[block.loci[position]].allele(allele).name
                found[(position, allele)] = name
    return tuple(dict.fromkeys(found[key] for key in sorted(found)))


def _listing(names: tuple[str, ...]) -> str:
    if len(names) < 3:
        return " and ".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _note(catalog: Catalog, parent: str, genes: tuple[str, ...], chance: Fraction) -> str:
    """What a breeder should read from a split; ``chance`` is the male maker's."""
    xy = catalog.sex_system is SexSystem.XY
    male_chromosome, other_chromosome = ("Y", "X") if xy else ("Z", "W")
    animal, pronoun = ("male", "his") if parent == "sire" else ("female", "her")
    weights = (
        "their average"
        if chance == Fraction(1, 2)
        else f"their weighted average ({MALE_MAKER} {chance}, {FEMALE_MAKER} {1 - chance})"
    )
    return (
        f"The {parent}'s {_listing(genes)} may lie on {pronoun} {male_chromosome} (a "
        f"{MALE_MAKER}) or on {pronoun} {other_chromosome} (a {FEMALE_MAKER}), the same for "
        f"every egg: one {animal}'s real clutch follows one of these two distributions, "
        f"skewed by {pronoun} phase, not the marginal, which is {weights}. Write "
        f"'{MALE_MAKER}' or '{FEMALE_MAKER}' in the {parent}'s morph once the phase is known."
    )


def split_by_maker(result: CrossResult, *, top: int | None = None) -> tuple[MakerSplit, ...]:
    """The cross under each phase of a parent whose sex-linked genes' phase is unknown.

    A heterogametic parent (an XY sire, a ZW dam) whose sex-linked genes may lie on either
    sex chromosome (a ball python male written ``"Banana"``, neither ``male maker`` nor
    ``female maker``) produces clutches that follow one phase, the same for all its eggs; the
    cross :func:`~reptidex.engine.genetics.cross` gives is their average (the marginal). Each
    phase's clutch equals the cross of the parent written with the maker, so the marginal's
    probabilities are the average of theirs weighted by the phases' chances (1/2 each).

    Parameters
    ----------
    result : CrossResult
        The marginal cross (its ``viable_only`` is kept: a phase changes which sex the
        sex-linked alleles go with, not how many offspring get them, so both phases lose the
        same share to a lethal gene and the average holds among survivors too).
    top : int, optional
        List only each phase's ``top`` most likely outcomes (found as
        :meth:`CrossResult.most_likely` finds them), as for the marginal. Each phase has at
        most as many outcome groups as the marginal, so a split at most triples the work.

    Returns
    -------
    tuple of MakerSplit
        One per parent with such genes (at most one: only one sex is heterogametic); empty
        when neither parent has any.

    Raises
    ------
    ValueError
        If ``top`` is not positive.

    Examples
    --------
    >>> from reptidex.engine.genetics import cross_morphs, load_catalog
    >>> bp = load_catalog("ball_python")
    >>> result = cross_morphs(bp, "Banana", "Normal")
    >>> [(o.phenotype, o.sex.value, str(o.probability)) for o in result.outcomes()][:2]
    [('Banana', 'female', '1/4'), ('Banana', 'male', '1/4')]
    >>> (split,) = split_by_maker(result)
    >>> split.parent, split.genes
    ('sire', ('Banana',))
    >>> for phase in split.phases:
    ...     banana = [(o.sex.value, str(o.probability)) for o in phase.outcomes if o.traits]
    ...     print(phase.maker, phase.probability, banana)
    male maker 1/2 [('male', '39/80'), ('female', '1/80')]
    female maker 1/2 [('female', '39/80'), ('male', '1/80')]
    >>> split_by_maker(cross_morphs(bp, "male maker Banana", "Normal"))
    ()

    References
    ----------
    The Banana/Coral Glow phases and the 1/40 recombination fraction: the ball python
    catalog's ``banana_sex`` linkage group and its sources.
    """
    if top is not None and top < 1:
        raise ValueError("top must be at least 1")
    splits: list[MakerSplit] = []
    for parent, genotype in (("sire", result.sire), ("dam", result.dam)):
        phases = maker_phases(genotype)
        if not phases:
            continue
        block = result.catalog.sex_block
        assert block is not None  # a split is of the sex-linked block
        crosses = []
        for phase in phases:
            sire, dam = (
                (phase.genotype, result.dam) if parent == "sire" else (result.sire, phase.genotype)
            )
            phased = cross(sire, dam, viable_only=result.viable_only)
            if top is not None and top < phased.outcome_count:
                outcomes = phased.most_likely(top)
                omitted = Fraction(1) - sum(o.probability for o in outcomes)
            else:
                outcomes, omitted = phased.outcomes(), Fraction(0)
            crosses.append(MakerCross(phase.maker, phase.probability, phased, outcomes, omitted))
        genes = _genes(result.catalog, block, (d for d, _ in genotype.block(block.index)))
        note = _note(result.catalog, parent, genes, phases[0].probability)
        splits.append(MakerSplit(parent, genes, tuple(crosses), note))
    return tuple(splits)
