"""Het odds from the whole pedigree: every animal's chance of carrying each recessive.

For one locus (a recessive gene, or an allelic complex such as the albino strains or the BEL
complex), :func:`het_odds` computes every animal's exact posterior genotype distribution given
the whole recorded pedigree (parents, grandparents, siblings, offspring, mates' offspring)
and every record: which animals were visual, which normal-looking, which proven or
lab-tested, and the odds breeders entered for founders. Pedigrees with loops (inbreeding,
repeat and half-sibling pairings) are computed exactly by peeling and a junction tree
(:mod:`.junction`); impossible records raise :class:`ContradictionError` naming a small
explaining set; a pedigree too interbred for exact inference is refused, or estimated by
Gibbs sampling with a standard error per animal when asked (:mod:`.gibbs`); :func:`explain` says which records moved an animal's odds;
:func:`plan_test_breeding` ranks mates by the chance one clutch settles an animal's status;
:func:`brute_force_het_odds` is the reference everything is tested against.

Pure computation: the standard library, numpy and networkx only, no I/O, no global state.

Examples
--------
>>> from reptidex.engine.genetics import load_catalog
>>> from reptidex.engine.pedigree import Animal, Pedigree
>>> from reptidex.engine.carriers import carrier_locus, evidence_from_morphs, het_odds
>>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
>>> ped = Pedigree([Animal("Zeus", sex="male"), Animal("Hera", sex="female"),
...                 Animal("K1", "Zeus", "Hera"), Animal("K2", "Zeus", "Hera"),
...                 Animal("K3", "Zeus", "Hera")])
>>> morphs = {"Zeus": "Normal", "Hera": "Normal", "K1": "Clown", "K2": "Clown", "K3": "Normal"}
>>> odds = het_odds(ped, evidence_from_morphs(ped, clown, morphs))
>>> odds["Zeus"].proven, odds["K3"].carrier
(True, Fraction(2, 3))
>>> odds["K3"].genotypes
{('+', '+'): Fraction(1, 3), ('+', 'clown'): Fraction(2, 3), ('clown', 'clown'): Fraction(0, 1)}
"""

from reptidex.engine.carriers.errors import (
    ApproximationError,
    ContradictionError,
    SexLinkedLocusError,
    TooComplexError,
)
from reptidex.engine.carriers.explain import Reason, explain
from reptidex.engine.carriers.inference import (
    MAX_CLIQUE_STATES,
    CarrierModel,
    Sampler,
    het_odds,
    het_odds_many,
)
from reptidex.engine.carriers.locus import (
    DEFAULT_ALLELE_FREQUENCY,
    CarrierLocus,
    Evidence,
    GenotypeKey,
    MorphEvidence,
    Observation,
    ObservationKind,
    Prior,
    Probability,
    carrier_locus,
    evidence_from_morph,
    evidence_from_morphs,
)
from reptidex.engine.carriers.planner import TestMating, plan_test_breeding
from reptidex.engine.carriers.reference import (
    MAX_ASSIGNMENTS,
    brute_force_het_odds,
    evidence_probability,
)
from reptidex.engine.carriers.results import CarrierAnalysis, CarrierOdds, Method

__all__ = [
    "DEFAULT_ALLELE_FREQUENCY",
    "MAX_ASSIGNMENTS",
    "MAX_CLIQUE_STATES",
    "ApproximationError",
    "CarrierAnalysis",
    "CarrierLocus",
    "CarrierModel",
    "CarrierOdds",
    "ContradictionError",
    "Evidence",
    "GenotypeKey",
    "Method",
    "MorphEvidence",
    "Observation",
    "ObservationKind",
    "Prior",
    "Probability",
    "Reason",
    "Sampler",
    "SexLinkedLocusError",
    "TestMating",
    "TooComplexError",
    "brute_force_het_odds",
    "carrier_locus",
    "evidence_from_morph",
    "evidence_from_morphs",
    "evidence_probability",
    "explain",
    "het_odds",
    "het_odds_many",
    "plan_test_breeding",
]
