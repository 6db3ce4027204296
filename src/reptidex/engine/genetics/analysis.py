"""Questions breeders ask of crosses: the odds of a target in a clutch, proving out possible
hets, and ranking pairings.

A possible-het parent is one animal whose true genotype is unknown but fixed, so the eggs of one
clutch are not independent of each other: these functions condition on each possible genotype
of the parents (their :meth:`Genotype.possibilities`) and average, which is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from reptidex.engine.genetics.cross import Outcome, cross
from reptidex.engine.genetics.genotype import Genotype
from reptidex.engine.genetics.model import Catalog, Sex
from reptidex.engine.genetics.parsing import read_morph, visual_traits

Target = Callable[[Outcome], bool]
"""A predicate on offspring groups: does this group count as the animal we want?"""


def trait_target(catalog: Catalog, text: str, *, exact: bool = False) -> Target:
    """A target matching viable offspring that show the visual traits of ``text`` (at least
    those traits, or exactly those with ``exact=True``).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog, cross_morphs
    >>> bp = load_catalog("ball_python")
    >>> result = cross_morphs(bp, "Pastel het Clown", "Pastel het Clown")
    >>> result.probability(trait_target(bp, "Pastel Clown"))
    Fraction(1, 8)

    A look named alone matches every genotype that looks so: a Lesser and a Mojave Russo give
    Lesser Mojaves and Lesser Russos, both Blue-Eyed Leucistics:

    >>> result = cross_morphs(bp, "Lesser", "Mojave Russo")
    >>> bel, lesser_mojave = trait_target(bp, "BEL"), trait_target(bp, "Lesser Mojave")
    >>> result.probability(bel), result.probability(lesser_mojave)
    (Fraction(1, 2), Fraction(1, 4))
    """
    # A look named alone ("BEL") is any of its traits, not the one the name is read as.
    looks = read_morph(catalog, text, Sex.MALE).looks
    either = frozenset(trait for look in looks for trait in look.traits)
    wanted = visual_traits(catalog, text) - either

    def matches(outcome: Outcome) -> bool:
        shown = frozenset(outcome.traits)
        if outcome.lethal or any(shown.isdisjoint(look.traits) for look in looks):
            return False
        return shown - either == wanted if exact else wanted <= shown

    return matches


def _as_target(catalog: Catalog, target: str | Target) -> Target:
    return trait_target(catalog, target) if isinstance(target, str) else target


def clutch_probability(
    sire: Genotype,
    dam: Genotype,
    target: str | Target,
    eggs: int,
    *,
    viable_only: bool = False,
) -> Fraction:
    """The exact probability of at least one target offspring among ``eggs`` eggs.

    Examples
    --------
    A het × het recessive pairing with six eggs gives at least one visual with
    1 - (3/4)^6 = 3367/4096:

    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> het = parse_genotype(bp, "het Clown")
    >>> clutch_probability(het, het, "Clown", 6)
    Fraction(3367, 4096)

    A 50% possible het sire is het or not for the whole clutch:

    >>> ph = parse_genotype(bp, "50% het Clown")
    >>> clutch_probability(ph, het, "Clown", 6)
    Fraction(3367, 8192)
    """
    if eggs < 0:
        raise ValueError("the number of eggs cannot be negative")
    chosen = _as_target(sire.catalog, target)
    total = Fraction(0)
    for sire_option, sire_weight in sire.possibilities():
        for dam_option, dam_weight in dam.possibilities():
            p = cross(sire_option, dam_option, viable_only=viable_only).probability(chosen)
            total += sire_weight * dam_weight * (1 - (1 - p) ** eggs)
    return total


OutcomeKey = tuple[str, Sex | None, bool]
"""What identifies a group of look-alike offspring across crosses: phenotype, sex, lethality."""


def clutch_odds(
    sire: Genotype, dam: Genotype, eggs: int, *, viable_only: bool = False
) -> dict[OutcomeKey, Fraction]:
    """For every group of look-alike offspring, the exact probability of at least one such
    hatchling among ``eggs`` eggs: :func:`clutch_probability` of every group at once.

    A possible-het parent is one genotype or another for the whole clutch, so the odds are
    averaged over the parents' possibilities; each possibility pair is crossed once, so the
    cost is (sire possibilities × dam possibilities) crosses, whatever the number of groups.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> odds = clutch_odds(parse_genotype(bp, "50% het Clown"), parse_genotype(bp, "het Clown"), 6)
    >>> odds[("Clown", None, False)]
    Fraction(3367, 8192)
    >>> odds[("Normal", None, False)]
    Fraction(8191, 8192)
    """
    if eggs < 0:
        raise ValueError("the number of eggs cannot be negative")
    odds: dict[OutcomeKey, Fraction] = {}
    for sire_option, sire_weight in sire.possibilities():
        for dam_option, dam_weight in dam.possibilities():
            weight = sire_weight * dam_weight
            for outcome in cross(sire_option, dam_option, viable_only=viable_only).outcomes():
                key = (outcome.phenotype, outcome.sex, outcome.lethal)
                at_least_one = 1 - (1 - outcome.probability) ** eggs
                odds[key] = odds.get(key, Fraction(0)) + weight * at_least_one
    return odds


def posterior_genotypes(
    animal: Genotype,
    mate: Genotype,
    offspring: Sequence[str],
    *,
    animal_is_sire: bool = True,
) -> list[tuple[Genotype, Fraction]]:
    """The posterior distribution of ``animal``'s possible genotypes after it produced, with
    ``mate``, hatchlings that look like ``offspring`` (morph descriptions; hets ignored).

    Bayes' rule over the possibilities of both parents; hatchlings are alive, so likelihoods
    are taken over viable offspring.
    """
    catalog = animal.catalog
    observed = [visual_traits(catalog, text) for text in offspring]
    posterior: dict[Genotype, Fraction] = {}
    order: list[Genotype] = []
    for option, weight in animal.possibilities():
        for mate_option, mate_weight in mate.possibilities():
            sire, dam = (option, mate_option) if animal_is_sire else (mate_option, option)
            try:
                result = cross(sire, dam, viable_only=True)
            except ValueError:
                continue
            looks: dict[frozenset[str], Fraction] = {}
            for outcome in result.outcomes():
                key = frozenset(outcome.traits)
                looks[key] = looks.get(key, Fraction(0)) + outcome.probability
            likelihood = Fraction(1)
            for seen in observed:
                likelihood *= looks.get(seen, Fraction(0))
            if option not in posterior:
                order.append(option)
                posterior[option] = Fraction(0)
            posterior[option] += weight * mate_weight * likelihood
    total = sum(posterior.values(), Fraction(0))
    if total == 0:
        raise ValueError("these offspring cannot come from this pairing")
    return [(g, posterior[g] / total) for g in order if posterior[g]]


def prove_out(
    animal: Genotype,
    mate: Genotype,
    offspring: Sequence[str],
    gene: str,
    *,
    animal_is_sire: bool = True,
) -> Fraction:
    """The posterior probability that ``animal`` carries ``gene`` after producing ``offspring``
    with ``mate`` ("proving out" a possible het).

    Examples
    --------
    A 66% het Clown bred to a Clown that gave six normal-looking hatchlings is het with
    probability 1/33:

    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> male = parse_genotype(bp, "66% het Clown")
    >>> female = parse_genotype(bp, "Clown")
    >>> prove_out(male, female, ["Normal"] * 6, "Clown")
    Fraction(1, 33)
    """
    return sum(
        (
            weight * option.carrier_probability(gene)
            for option, weight in posterior_genotypes(
                animal, mate, offspring, animal_is_sire=animal_is_sire
            )
        ),
        Fraction(0),
    )


@dataclass(frozen=True)
class PairRanking:
    """One sire × dam pairing and the probability that an offspring is the target."""

    sire: str
    dam: str
    probability: Fraction


def rank_pairs(
    sires: Mapping[str, Genotype],
    dams: Mapping[str, Genotype],
    target: str | Target,
    *,
    viable_only: bool = False,
) -> list[PairRanking]:
    """Every sire × dam pairing ranked by the probability of a target offspring (best first;
    ties by name).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> males = {"Zeus": parse_genotype(bp, "Clown"), "Ares": parse_genotype(bp, "het Clown")}
    >>> females = {"Hera": parse_genotype(bp, "het Clown")}
    >>> [(r.sire, r.dam, str(r.probability)) for r in rank_pairs(males, females, "Clown")]
    [('Zeus', 'Hera', '1/2'), ('Ares', 'Hera', '1/4')]
    """
    rankings = []
    for sire_name, sire in sires.items():
        chosen = _as_target(sire.catalog, target)
        for dam_name, dam in dams.items():
            p = cross(sire, dam, viable_only=viable_only).probability(chosen)
            rankings.append(PairRanking(sire_name, dam_name, p))
    rankings.sort(key=lambda r: (-r.probability, r.sire, r.dam))
    return rankings
