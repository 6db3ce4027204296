"""One locus as the carrier engine sees it: its genotypes, what each looks like, and the
records a breeder keeps about an animal at it (observations and founder priors).

A :class:`CarrierLocus` is built from a species :class:`~reptidex.engine.genetics.Catalog`
and a gene: a recessive gene (Clown), or an allelic complex (the albino strains, the BEL
complex), whose unordered genotypes are all pairs of its alleles, the wild type ``"+"``
first. What each genotype shows comes from the catalog (:func:`locus_phenotype`), so a
compound such as Lesser Mojave, or Motley over Stripe, looks as the catalog says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from reptidex.engine.carriers.errors import SexLinkedLocusError
from reptidex.engine.genetics import Catalog, Sex, locus_phenotype, read_morph, visual_traits
from reptidex.engine.pedigree import Pedigree

Probability = Fraction | float
"""A probability: exact (:class:`~fractions.Fraction`) or a float."""

GenotypeKey = tuple[str, str]
"""An unordered genotype as two allele ids, the wild type written ``"+"``: ``("+", "clown")``."""

WILD = "+"

DEFAULT_ALLELE_FREQUENCY = Fraction(1, 20)
"""The frequency of each mutant allele in the population founders and unknown parents come
from, when the caller does not set one (Hardy–Weinberg; a carrier frequency of 39/400)."""


class ObservationKind(StrEnum):
    """What kind of record an :class:`Observation` is."""

    LOOKS = "looks"
    GENOTYPE = "genotype"
    LIKELIHOOD = "likelihood"


@dataclass(frozen=True)
class Observation:
    """A record about one animal at one locus, as a likelihood per genotype of the locus.

    ``likelihood[i]`` is the probability of the record if the animal had genotype ``i``
    (only ratios matter). Build them with :meth:`CarrierLocus.shows`,
    :meth:`CarrierLocus.genotype_is` or :meth:`CarrierLocus.likelihood`.
    """

    kind: ObservationKind
    label: str
    likelihood: tuple[Probability, ...]


@dataclass(frozen=True)
class Prior:
    """A founder's genotype distribution, as the breeder entered it ("66% het Clown")."""

    label: str
    distribution: tuple[Probability, ...]


@dataclass(frozen=True, repr=False)
class CarrierLocus:
    """A locus of a species catalog, with every unordered genotype and what it shows.

    Build with :func:`carrier_locus`. Genotype ``i`` is ``pairs[i]`` (allele indexes, 0 the
    wild type), written ``names[i]`` as breeders do; ``looks[i]`` is the set of visual trait
    names it shows, ``lethal[i]`` whether it dies in the egg.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
    >>> clown.names
    ('Normal', 'het Clown', 'Clown')
    >>> clown.keys
    (('+', '+'), ('+', 'clown'), ('clown', 'clown'))
    """

    catalog: Catalog
    index: int
    alleles: tuple[str, ...]
    allele_names: tuple[str, ...]
    pairs: tuple[tuple[int, int], ...]
    looks: tuple[frozenset[str], ...]
    lethal: tuple[bool, ...]
    names: tuple[str, ...]
    _lookup: dict[str, int] = field(compare=False)

    def __repr__(self) -> str:
        return f"<CarrierLocus {self.catalog.id}:{self.id} ({len(self.pairs)} genotypes)>"

    @property
    def id(self) -> str:
        """The locus id in the catalog."""
        return self.catalog.loci[self.index].id

    @property
    def name(self) -> str:
        """The locus name: the gene's name for a single-allele locus, else the complex's."""
        locus = self.catalog.loci[self.index]
        return locus.alleles[0].name if len(locus.alleles) == 1 else locus.name

    @property
    def size(self) -> int:
        """The number of genotypes."""
        return len(self.pairs)

    @property
    def keys(self) -> tuple[GenotypeKey, ...]:
        """Every genotype as two allele ids."""
        return tuple((self.alleles[a], self.alleles[b]) for a, b in self.pairs)

    def genotype_index(self, genotype: str | GenotypeKey) -> int:
        """The index of a genotype written as breeders do (``"het Clown"``,
        case-insensitively) or as two allele ids (``("+", "clown")``).

        >>> from reptidex.engine.genetics import load_catalog
        >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
        >>> clown.genotype_index("HET clown"), clown.genotype_index(("clown", "+"))
        (1, 1)
        """
        if isinstance(genotype, tuple):
            try:
                a, b = sorted(self.alleles.index(x) for x in genotype)
            except ValueError:
                raise KeyError(f"{genotype!r} is not a genotype of {self.name}") from None
            return self.pairs.index((a, b))
        try:
            return self._lookup[" ".join(genotype.lower().split())]
        except KeyError:
            raise KeyError(
                f"{genotype!r} is not a genotype of {self.name} (one of {', '.join(self.names)})"
            ) from None

    def carries(self, genotype: int, allele: str | None = None) -> bool:
        """Whether genotype ``genotype`` (an index) has at least one copy of ``allele`` (an
        allele id or name), or of any mutant allele when ``allele`` is None.

        >>> from reptidex.engine.genetics import load_catalog
        >>> albino = carrier_locus(load_catalog("ball_python"), "albino")
        >>> g = albino.genotype_index("Candino")
        >>> albino.carries(g, "Candy"), albino.carries(g, "toffee"), albino.carries(0)
        (True, False, False)
        """
        a, b = self.pairs[genotype]
        if allele is None:
            return b > 0
        wanted = self.allele_position(allele)
        return wanted in (a, b)

    def allele_position(self, allele: str) -> int:
        """The index (1-based) of a mutant allele given by id or name."""
        folded = allele.lower()
        for i in range(1, len(self.alleles)):
            if folded in (self.alleles[i].lower(), self.allele_names[i].lower()):
                return i
        raise KeyError(f"{allele!r} is not an allele of {self.name}")

    def shows(self, look: str | Iterable[str]) -> Observation:
        """The observation that the animal looked like ``look`` at this locus.

        ``look`` is a morph (``"Pastel Clown"``: the traits of other loci are ignored, so
        ``"Pastel"`` is normal-looking here), or the visual trait names at this locus.

        Examples
        --------
        >>> from reptidex.engine.genetics import load_catalog
        >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
        >>> clown.shows("Pastel Clown")
        Observation(kind=<ObservationKind.LOOKS: 'looks'>, label='visual Clown', likelihood=(Fraction(0, 1), Fraction(0, 1), Fraction(1, 1)))
        >>> clown.shows("Pastel").label
        'normal-looking at Clown'
        """
        mine = {trait for pair in self.looks for trait in pair}
        if isinstance(look, str):
            seen = frozenset(visual_traits(self.catalog, look)) & mine
        else:
            seen = frozenset(look)
            if not seen <= mine:
                raise ValueError(f"{sorted(seen - mine)} are not traits of {self.name}")
        likelihood = tuple(Fraction(int(shown == seen)) for shown in self.looks)
        if not any(likelihood):
            raise ValueError(f"no genotype of {self.name} shows {sorted(seen)}")
        label = f"visual {' '.join(sorted(seen))}" if seen else f"normal-looking at {self.name}"
        return Observation(ObservationKind.LOOKS, label, likelihood)

    def genotype_is(self, genotype: str | GenotypeKey, label: str | None = None) -> Observation:
        """The observation that the animal's genotype is known (proven, or lab-tested).

        >>> from reptidex.engine.genetics import load_catalog
        >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
        >>> clown.genotype_is("het Clown").label
        'het Clown (proven)'
        """
        index = self.genotype_index(genotype)
        likelihood = tuple(Fraction(int(i == index)) for i in range(self.size))
        text = label or f"{self.names[index]} (proven)"
        return Observation(ObservationKind.GENOTYPE, text, likelihood)

    def likelihood(
        self, values: Mapping[str | GenotypeKey, Probability], label: str
    ) -> Observation:
        """A generic observation: the probability of the record under each genotype
        (genotypes left out have likelihood 0), e.g. a lab test with an error rate.

        >>> from fractions import Fraction
        >>> from reptidex.engine.genetics import load_catalog
        >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
        >>> test = clown.likelihood({"Normal": Fraction(1, 100), "het Clown": Fraction(99, 100),
        ...                          "Clown": Fraction(99, 100)}, "lab: carrier (1% false)")
        >>> test.likelihood
        (Fraction(1, 100), Fraction(99, 100), Fraction(99, 100))
        """
        likelihood: list[Probability] = [Fraction(0)] * self.size
        for genotype, value in values.items():
            if value < 0:
                raise ValueError("a likelihood cannot be negative")
            likelihood[self.genotype_index(genotype)] = value
        if not any(likelihood):
            raise ValueError("a likelihood must be positive for some genotype")
        return Observation(ObservationKind.LIKELIHOOD, label, tuple(likelihood))

    def prior(self, values: Mapping[str | GenotypeKey, Probability], label: str = "") -> Prior:
        """A founder prior: a distribution over genotypes (those left out have probability 0).

        >>> from fractions import Fraction
        >>> from reptidex.engine.genetics import load_catalog
        >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
        >>> clown.prior({"Normal": Fraction(1, 3), "het Clown": Fraction(2, 3)}).distribution
        (Fraction(1, 3), Fraction(2, 3), Fraction(0, 1))
        """
        distribution: list[Probability] = [Fraction(0)] * self.size
        for genotype, value in values.items():
            if value < 0:
                raise ValueError("a probability cannot be negative")
            distribution[self.genotype_index(genotype)] += value
        total: Probability = sum(distribution, Fraction(0))
        if total != 1 and not (isinstance(total, float) and abs(total - 1.0) <= 1e-9):
            raise ValueError(f"a prior must sum to 1, not {total}")
        return Prior(label or _describe(self, distribution), tuple(distribution))

    def hardy_weinberg(self, frequency: Probability | Mapping[str, Probability]) -> Prior:
        """The Hardy–Weinberg genotype distribution given the frequency of each mutant
        allele (one number for all, or per allele id or name).

        >>> from fractions import Fraction
        >>> from reptidex.engine.genetics import load_catalog
        >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
        >>> clown.hardy_weinberg(Fraction(1, 10)).distribution
        (Fraction(81, 100), Fraction(9, 50), Fraction(1, 100))
        """
        freqs = self.allele_frequencies(frequency)
        distribution = tuple(freqs[a] * freqs[b] * (1 if a == b else 2) for a, b in self.pairs)
        return Prior("population frequency", distribution)

    def allele_frequencies(
        self, frequency: Probability | Mapping[str, Probability]
    ) -> tuple[Probability, ...]:
        """Allele frequencies, the wild type's first (what the mutant ones leave)."""
        mutants: list[Probability]
        if isinstance(frequency, Mapping):
            mutants = [Fraction(0)] * (len(self.alleles) - 1)
            for allele, value in frequency.items():
                mutants[self.allele_position(allele) - 1] = value
        else:
            mutants = [frequency] * (len(self.alleles) - 1)
        if any(f < 0 for f in mutants) or sum(mutants) >= 1:
            raise ValueError("mutant allele frequencies must be non-negative and sum below 1")
        return (1 - sum(mutants), *mutants)


def _describe(locus: CarrierLocus, distribution: Sequence[Probability]) -> str:
    return ", ".join(f"{locus.names[i]} {p}" for i, p in enumerate(distribution) if p)


def carrier_locus(catalog: Catalog, gene: str) -> CarrierLocus:
    """The locus of ``gene`` (a locus id, or an allele's id, name or alias) in ``catalog``.

    Raises
    ------
    KeyError
        If the catalog has no such gene.
    SexLinkedLocusError
        If the locus is on the sex chromosomes (hemizygous inheritance is not modelled, so
        the engine refuses rather than give wrong numbers).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> albino = carrier_locus(load_catalog("ball_python"), "albino")
    >>> albino.alleles, albino.size
    (('+', 'albino', 'candy', 'toffee'), 10)
    """
    try:
        index = next(i for i, locus in enumerate(catalog.loci) if locus.id == gene)
    except StopIteration:
        allele = catalog.allele_by_name(gene)
        index, _ = catalog.locate_allele(allele.id)
    block, _ = catalog.block_of_locus[index]
    locus = catalog.loci[index]
    if catalog.blocks[block].sex_linked:
        raise SexLinkedLocusError(
            f"locus {locus.id!r} of {catalog.name} is sex-linked: het odds are computed for "
            "autosomal loci only"
        )
    alleles = (WILD, *(a.id for a in locus.alleles))
    allele_names = ("Normal", *(a.name for a in locus.alleles))
    pairs = tuple((a, b) for b in range(len(alleles)) for a in range(b + 1))
    looks: list[frozenset[str]] = []
    lethal: list[bool] = []
    names: list[str] = []
    for a, b in pairs:
        shown = locus_phenotype(locus, a, b)
        looks.append(frozenset(shown.traits))
        lethal.append(shown.lethal)
        words = [*shown.traits, *(f"het {h}" for h in shown.hidden)]
        names.append(" ".join(words) or "Normal")
    if len(set(names)) < len(names):  # a name two genotypes share: write the alleles
        names = [f"{allele_names[a]}/{allele_names[b]}" for a, b in pairs]
    lookup = {" ".join(n.lower().split()): i for i, n in enumerate(names)}
    return CarrierLocus(
        catalog,
        index,
        alleles,
        allele_names,
        pairs,
        tuple(looks),
        tuple(lethal),
        tuple(names),
        lookup,
    )


@dataclass(frozen=True)
class MorphEvidence:
    """What a recorded morph says at one locus: an observation, and a prior when the morph
    names a possible het (a prior counts for founders only)."""

    observation: Observation
    prior: Prior | None


def evidence_from_morph(locus: CarrierLocus, morph: str, sex: Sex | None = None) -> MorphEvidence:
    """Read a recorded morph (through the catalog's parser) into evidence at ``locus``.

    - a visual of the gene (``"Clown"``, ``"Pastel Clown"``): the observation that it looked
      so, no prior;
    - a het written without a percentage (``"Pastel het Clown"``): proven het (the genotype
      known, which also says it looked normal at the locus), no prior;
    - a possible het (``"66% het Clown"``, ``"poss het Clown"``): normal-looking at the
      locus, with the stated odds as a prior;
    - a morph that does not name the gene (``"Pastel"``, ``"Normal"``): normal-looking at the
      locus (a breeder who writes nothing about a recessive does not claim the animal does
      not carry it), no prior.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
    >>> evidence_from_morph(clown, "Pastel het Clown").observation.label
    'het Clown (proven)'
    >>> e = evidence_from_morph(clown, "66% het Clown")
    >>> e.observation.label, e.prior.distribution if e.prior else None
    ('normal-looking at Clown', (Fraction(1, 3), Fraction(2, 3), Fraction(0, 1)))
    >>> evidence_from_morph(clown, "Clown").observation.label
    'visual Clown'
    >>> evidence_from_morph(clown, "Pastel").observation.label
    'normal-looking at Clown'
    """
    genotype = read_morph(locus.catalog, morph, sex).genotype
    distribution = genotype.locus_distribution(locus.index)
    probabilities: list[Fraction] = [Fraction(0)] * locus.size
    for (a, b), p in distribution.items():
        probabilities[locus.pairs.index((min(a, b), max(a, b)))] += p
    support = [i for i, p in enumerate(probabilities) if p]
    looks = {locus.looks[i] for i in support}
    if len(support) == 1:
        (only,) = support
        if locus.looks[only] or locus.pairs[only] == (0, 0):
            return MorphEvidence(locus.shows(locus.looks[only]), None)
        return MorphEvidence(locus.genotype_is(locus.keys[only]), None)
    observation = (
        locus.shows(next(iter(looks)))
        if len(looks) == 1
        else locus.likelihood({locus.keys[i]: Fraction(1) for i in support}, morph)
    )
    return MorphEvidence(observation, Prior(f"{morph} (entered)", tuple(probabilities)))


Observations = Mapping[str, Observation | Sequence[Observation]]
"""Per animal id, one observation or several (all count)."""


@dataclass(frozen=True)
class Evidence:
    """Everything recorded at one locus: observations per animal, breeder-entered priors of
    founders, and the mutant allele frequency of the population that founders without a
    prior, and the unknown parent of an animal with one recorded parent, come from
    (Hardy–Weinberg).

    A prior is for a founder (no recorded parent): a non-founder's odds come from its
    parents, so :func:`~reptidex.engine.carriers.het_odds` refuses a prior given for one.
    """

    locus: CarrierLocus
    observations: Mapping[str, tuple[Observation, ...]] = field(default_factory=dict)
    priors: Mapping[str, Prior] = field(default_factory=dict)
    allele_frequency: Probability | Mapping[str, Probability] = DEFAULT_ALLELE_FREQUENCY

    def __post_init__(self) -> None:
        normal: dict[str, tuple[Observation, ...]] = {}
        for animal, given in self.observations.items():
            listed = (given,) if isinstance(given, Observation) else tuple(given)
            for observation in listed:
                if len(observation.likelihood) != self.locus.size:
                    raise ValueError(f"an observation of {animal} is not of locus {self.locus.id}")
            normal[animal] = listed
        object.__setattr__(self, "observations", normal)
        for animal, prior in self.priors.items():
            if len(prior.distribution) != self.locus.size:
                raise ValueError(f"the prior of {animal} is not of locus {self.locus.id}")

    def with_observations(self, added: Observations) -> Evidence:
        """This evidence with more observations (an animal's list replaced by the one given;
        only the records added are checked)."""
        grown = Evidence.__new__(Evidence)
        checked = Evidence(self.locus, dict(added))  # type: ignore[arg-type]
        object.__setattr__(grown, "locus", self.locus)
        object.__setattr__(grown, "observations", {**self.observations, **checked.observations})
        object.__setattr__(grown, "priors", self.priors)
        object.__setattr__(grown, "allele_frequency", self.allele_frequency)
        return grown

    @classmethod
    def build(
        cls,
        locus: CarrierLocus,
        observations: Observations | None = None,
        priors: Mapping[str, Prior] | None = None,
        allele_frequency: Probability | Mapping[str, Probability] = DEFAULT_ALLELE_FREQUENCY,
    ) -> Evidence:
        """The evidence from observations given one or several per animal."""
        return cls(locus, dict(observations or {}), dict(priors or {}), allele_frequency)  # type: ignore[arg-type]


def evidence_from_morphs(
    pedigree: Pedigree,
    locus: CarrierLocus,
    morphs: Mapping[str, str],
    *,
    allele_frequency: Probability | Mapping[str, Probability] = DEFAULT_ALLELE_FREQUENCY,
) -> Evidence:
    """The evidence at ``locus`` from every animal's recorded morph (see
    :func:`evidence_from_morph`); a possible het's prior is kept for founders only.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> from reptidex.engine.pedigree import Animal, Pedigree
    >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D")])
    >>> ev = evidence_from_morphs(ped, clown, {"S": "66% het Clown", "K": "Clown"})
    >>> sorted(ev.observations), sorted(ev.priors)
    (['K', 'S'], ['S'])
    """
    observations: dict[str, Observation | Sequence[Observation]] = {}
    priors: dict[str, Prior] = {}
    for animal, morph in morphs.items():
        read = evidence_from_morph(locus, morph)
        observations[animal] = read.observation
        if read.prior is not None and pedigree.parents(animal) == (None, None):
            priors[animal] = read.prior
    return Evidence.build(locus, observations, priors, allele_frequency)
