"""Het odds from the whole recorded family: every recessive an animal's relatives show or
carry, and the animal's posterior genotype at each, with why.

The family is the animal's connected relatives as the caller may see them (parents,
grandparents, siblings, offspring, mates and their offspring, and so on along every parent
link), read in one query and bounded before any work (:class:`HetOddsLimits`). The genes are
those named in the family's morphs whose carriers can look normal (recessive genes, allelic
complexes with a recessive allele). The figures are the carrier engine's
(:mod:`reptidex.engine.carriers`): each recorded morph read as evidence
(:func:`~reptidex.engine.carriers.evidence_from_morph`), exact inference on the whole family
(:func:`~reptidex.engine.carriers.het_odds_many`) and the records that moved the animal's odds
(:func:`~reptidex.engine.carriers.explain`). Exact :class:`~fractions.Fraction` figures up to
``HetOddsLimits.exact_animals`` animals, floats (stated as such) beyond, since exact
denominators grow with the family.

Impossible records are :class:`~reptidex.domain.errors.Conflict` naming the animals and what
was recorded; a family whose exact inference would be too large is
:class:`~reptidex.domain.errors.InvalidInput` saying so.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reptidex.domain.animals.genetics import catalog_sex
from reptidex.domain.animals.model import Animal
from reptidex.domain.animals.ports import HetOddsUnitOfWork
from reptidex.domain.animals.use_cases import Actor, get_animal
from reptidex.domain.cpu_work import CpuRunner
from reptidex.domain.errors import Conflict, InvalidInput
from reptidex.engine.carriers import (
    DEFAULT_ALLELE_FREQUENCY,
    MAX_CLIQUE_STATES,
    ApproximationError,
    CarrierLocus,
    CarrierOdds,
    ContradictionError,
    Evidence,
    Observation,
    Prior,
    Probability,
    SexLinkedLocusError,
    TooComplexError,
    carrier_locus,
    evidence_from_morph,
    explain,
    het_odds_many,
)
from reptidex.engine.genetics import Catalog, MorphParseError, Sex, load_catalog, read_morph
from reptidex.engine.pedigree import Animal as PedigreeAnimal
from reptidex.engine.pedigree import Pedigree, PedigreeError

FLOAT_ALLELE_FREQUENCY = 0.05
"""The population's mutant allele frequency in float figures (the engine's default, 1/20)."""


@dataclass(frozen=True, slots=True)
class HetOddsLimits:
    """How large a family one answer computes.

    ``family_animals``: the most relatives read and computed (beyond it the request is
    refused before any work); ``exact_animals``: up to this many, exact Fractions, beyond
    it floats, said so in the answer; ``max_clique_states``: the engine's bound on exact
    inference (the joint genotypes of its largest clique), beyond which the family is
    refused as too interbred, or, where asked (the kept odds' upkeep), estimated by Gibbs
    sampling (``sampled_animals`` animals at most, ``sampled_sweeps`` sweeps per chain).

    Measured on simulated collections (every animal's look recorded, 3 recessives, the
    explanation of the animal with most offspring; one run on the shared 2-core machine):
    exact Fractions take 0.33 s for 100 animals, 1.1 s for 254, 3.3 s for 501 and 18 s for
    1,002 (the explanation's leave-one-group-out batch is most of it: denominators grow
    with the family); floats take 0.03 s for 254 animals and 0.67 s for 5,001.
    """

    family_animals: int = 5_000
    exact_animals: int = 100
    max_clique_states: int = MAX_CLIQUE_STATES
    sampled_animals: int = 1_000
    sampled_sweeps: int = 2_000


@dataclass(frozen=True, slots=True)
class GenotypeOdds:
    """One genotype of a locus and its posterior probability."""

    name: str
    alleles: tuple[str, str]
    probability: Probability


@dataclass(frozen=True, slots=True)
class OddsReason:
    """A group of relatives' records that moved the odds, as the engine words it."""

    text: str
    effect: Probability
    animal_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class GeneOdds:
    """The animal's posterior at one locus: genotypes, carrying, proven, method and why."""

    locus: str
    name: str
    genotypes: tuple[GenotypeOdds, ...]
    carrier: Probability
    proven: bool
    method: str
    reasons: tuple[OddsReason, ...]


@dataclass(frozen=True, slots=True)
class HetOdds:
    """An animal's het odds from its family: one :class:`GeneOdds` per locus that matters."""

    animal: Animal
    family_size: int
    exact: bool
    genes: tuple[GeneOdds, ...]
    notes: tuple[str, ...]


def _labels(family: Sequence[Animal]) -> dict[uuid.UUID, str]:
    """Each animal's name as the engine's texts show it (its label, made unique)."""
    counts: dict[str, int] = {}
    for animal in family:
        counts[animal.label] = counts.get(animal.label, 0) + 1
    return {
        a.id: a.label if counts[a.label] == 1 else f"{a.label} #{str(a.id)[:8]}" for a in family
    }


def _external_key(role: str, name: str) -> str:
    return f"{' '.join(name.split())} (external {role})"


def family_pedigree(
    family: Sequence[Animal], labels: dict[uuid.UUID, str]
) -> tuple[Pedigree, dict[str, str]]:
    """The engine's pedigree of the family (ids are the labels) and the morph recorded per
    label. An external parent (known by name) is one founder per name and role, so siblings
    of the same outside sire share it; a parent not read (private to another organisation) is
    unknown."""
    records: list[PedigreeAnimal] = []
    morphs: dict[str, str] = {}
    externals: dict[str, str | None] = {}
    for animal in family:
        me = labels[animal.id]
        parents: list[str | None] = []
        for role, parent_id, external in (
            ("sire", animal.sire_id, animal.external_sire),
            ("dam", animal.dam_id, animal.external_dam),
        ):
            if parent_id is not None:
                parents.append(labels.get(parent_id))
            elif external is not None:
                key = _external_key(role, external.name)
                if externals.get(key) is None:
                    externals[key] = external.morph
                parents.append(key)
            else:
                parents.append(None)
        records.append(PedigreeAnimal(me, parents[0], parents[1]))
        morphs[me] = animal.genotype.morph
    records += [PedigreeAnimal(key) for key in externals]
    morphs.update({key: morph for key, morph in externals.items() if morph})
    try:
        pedigree = Pedigree(records, missing_parents="unknown")
    except PedigreeError as error:
        raise Conflict(f"The family's parent links cannot be used: {error}") from error
    return pedigree, morphs


def family_loci(
    catalog: Catalog, family: Sequence[Animal], external_morphs: Iterable[str] = ()
) -> tuple[list[CarrierLocus], list[str]]:
    """The loci named in the family's morphs (the animals' and external parents') whose
    carriers can look normal, in catalog order, and notes on those left out (sex-linked
    loci are not modelled by the engine)."""
    indexes: set[int] = set()
    for animal in family:
        for allele in animal.genotype.genes:
            try:
                indexes.add(catalog.locate_allele(allele)[0])
            except KeyError:
                continue
    for morph in external_morphs:
        try:
            genotype = read_morph(catalog, morph).genotype
        except (MorphParseError, ValueError):
            continue  # its evidence is left out with a note (family_evidence)
        for block, _ in genotype.iter_blocks():
            indexes.update(
                locus
                for locus in block.loci
                if locus >= 0 and any(any(pair) for pair in genotype.locus_distribution(locus))
            )
    loci: list[CarrierLocus] = []
    notes: list[str] = []
    for index in sorted(indexes):
        try:
            locus = carrier_locus(catalog, catalog.loci[index].id)
        except SexLinkedLocusError:
            notes.append(
                f"{catalog.loci[index].name} is sex-linked: het odds are computed for "
                "autosomal genes only."
            )
            continue
        hidden = any(
            locus.carries(g) and locus.looks[g] == locus.looks[0] for g in range(locus.size)
        )
        if hidden:
            loci.append(locus)
    return loci, notes


def family_evidence(
    pedigree: Pedigree,
    locus: CarrierLocus,
    morphs: dict[str, str],
    sexes: dict[str, Sex | None],
    *,
    exact: bool,
    notes: list[str],
) -> Evidence:
    """Every recorded morph of the family read as evidence at ``locus`` (a possible het's
    odds are kept as the prior of a founder only: an animal with a recorded parent has the
    odds its family gives). A morph that no longer reads is left out, with a note."""
    observations: dict[str, Observation] = {}
    priors: dict[str, Prior] = {}
    for who, morph in morphs.items():
        try:
            read = evidence_from_morph(locus, morph, sexes.get(who))
        except (MorphParseError, ValueError) as error:
            note = f"The morph of {who} ({morph!r}) cannot be read ({error}); it is left out."
            if note not in notes:
                notes.append(note)
            continue
        observations[who] = read.observation
        if read.prior is not None and pedigree.parents(who) == (None, None):
            priors[who] = read.prior
    frequency: Probability = DEFAULT_ALLELE_FREQUENCY if exact else FLOAT_ALLELE_FREQUENCY
    return Evidence.build(locus, observations, priors, frequency)


def reading_sex(catalog: Catalog, animal: Animal) -> Sex | None:
    """The sex to read ``animal``'s morph with: its own, in a species with sex chromosomes
    (as the genetics does). An animal of unknown sex whose morph names sex-linked genes is
    read as a sex its morph allows: the evidence at an autosomal locus, the only kind
    computed, is the same for either."""
    sex = catalog_sex(catalog, animal.sex.genetic)
    if sex is None and animal.genotype.awaits_sex:
        for each in Sex:
            try:
                read_morph(catalog, animal.genotype.morph, each)
            except MorphParseError:
                continue
            return each
    return sex


def analyse_family(animal: Animal, family: Sequence[Animal], limits: HetOddsLimits) -> HetOdds:
    """The het odds of ``animal`` (one of ``family``) at every locus that matters: pure CPU
    work, run off the event loop by :func:`het_odds_of`."""
    return analyse_members(family, [animal], limits)[animal.id]


def analyse_members(
    family: Sequence[Animal],
    members: Sequence[Animal],
    limits: HetOddsLimits,
    *,
    float_reasons: bool = False,
    sampled: bool = False,
) -> dict[uuid.UUID, HetOdds]:
    """The het odds of each of ``members`` (animals of ``family``, of one species) at every
    locus that matters, from one inference on the family: pure CPU work. :class:`Conflict`
    when the family's records contradict each other, :class:`InvalidInput` when it is too
    interbred for exact inference (for every member alike).

    ``float_reasons``: the explanations' effects in floats even where the odds are exact
    (an explanation is a batch of inferences per member: in exact Fractions it is most of
    the work, which matters when every member of a family is explained).

    ``sampled``: a family too interbred for exact inference (and of at most
    ``limits.sampled_animals`` animals) is estimated by Gibbs sampling instead, in floats,
    without explanations (they need exact inference), a note giving the method and the
    largest standard error; an estimate that has not converged is refused as too interbred."""
    if not members:
        return {}
    first = members[0]
    catalog = load_catalog(first.species)
    family = [a for a in family if a.species == first.species]
    labels = _labels(family)
    ids_of = {label: animal_id for animal_id, label in labels.items()}
    pedigree, morphs = family_pedigree(family, labels)
    sexes = {labels[a.id]: reading_sex(catalog, a) for a in family}
    exact = len(pedigree) <= limits.exact_animals
    external = [morphs[who] for who in pedigree.ids if who not in sexes and who in morphs]
    loci, skipped = family_loci(catalog, family, external)
    notes = list(skipped)
    if not exact:
        notes.append(
            f"The family has {len(pedigree):,} animals, more than {limits.exact_animals:,}: "
            "the odds are floats (double precision), not exact fractions."
        )
    evidences = [
        family_evidence(pedigree, locus, morphs, sexes, exact=exact, notes=notes) for locus in loci
    ]
    try:
        analyses = het_odds_many(pedigree, evidences, max_clique_states=limits.max_clique_states)
    except ContradictionError as error:
        listed = "; ".join(f"{who}: {what}" for who, what in error.records)
        raise Conflict(
            f"The family's records at {error.locus} cannot all be true under Mendelian "
            f"inheritance: {listed}. Correct one of these animals' morphs or parents.",
            field_errors={
                f"animals.{ids_of.get(who, who)}": f"{who}: {what}" for who, what in error.records
            },
        ) from error
    except TooComplexError as error:
        if not sampled or len(pedigree) > limits.sampled_animals:
            raise InvalidInput(
                f"The family of {first.label} ({len(pedigree):,} animals) is too interbred for "
                f"exact het odds: {error}. No approximation is given.",
                field_errors={"animal_id": "family too interbred for exact het odds"},
            ) from error
        return _sampled_members(pedigree, loci, morphs, sexes, members, labels, limits, notes)
    explained = evidences
    if float_reasons and exact:
        explained = [
            family_evidence(pedigree, locus, morphs, sexes, exact=False, notes=[]) for locus in loci
        ]
    answers: dict[uuid.UUID, HetOdds] = {}
    for animal in members:
        me = labels[animal.id]
        genes = []
        for evidence, why, analysis in zip(evidences, explained, analyses, strict=True):
            reasons = explain(pedigree, why, me)
            genes.append(
                _gene_odds(
                    evidence,
                    analysis[me],
                    tuple(
                        OddsReason(
                            r.text,
                            r.effect,
                            tuple(ids_of[a] for a in r.animals if a in ids_of),
                        )
                        for r in reasons
                    ),
                )
            )
        answers[animal.id] = HetOdds(animal, len(pedigree), exact, tuple(genes), tuple(notes))
    return answers


def _gene_odds(evidence: Evidence, odds: CarrierOdds, reasons: tuple[OddsReason, ...]) -> GeneOdds:
    """One locus of an animal's answer."""
    locus = evidence.locus
    return GeneOdds(
        locus=locus.id,
        name=locus.name,
        genotypes=tuple(
            GenotypeOdds(locus.names[i], locus.keys[i], p)
            for i, p in enumerate(odds.genotypes.values())
        ),
        carrier=odds.carrier,
        proven=odds.proven,
        method=odds.method.value,
        reasons=reasons,
    )


def _sampled_members(
    pedigree: Pedigree,
    loci: Sequence[CarrierLocus],
    morphs: dict[str, str],
    sexes: dict[str, Sex | None],
    members: Sequence[Animal],
    labels: dict[uuid.UUID, str],
    limits: HetOddsLimits,
    notes: list[str],
) -> dict[uuid.UUID, HetOdds]:
    """The members' odds estimated by Gibbs sampling (the family is too interbred for exact
    inference); :class:`InvalidInput` when the estimate is refused."""
    evidences = [
        family_evidence(pedigree, locus, morphs, sexes, exact=False, notes=notes) for locus in loci
    ]
    try:
        analyses = het_odds_many(
            pedigree,
            evidences,
            max_clique_states=limits.max_clique_states,
            approximate=True,
            samples=limits.sampled_sweeps,
        )
    except ApproximationError as error:
        raise InvalidInput(
            f"The family ({len(pedigree):,} animals) is too interbred for exact het odds, "
            f"and the sampled estimate was refused: {error}.",
            field_errors={"animal_id": "family too interbred for het odds"},
        ) from error
    largest = max(
        (float(a.standard_errors.max()) for a in analyses if a.standard_errors is not None),
        default=0.0,
    )
    notes.append(
        f"The family is too interbred for exact het odds: these are estimated by Gibbs "
        f"sampling (4 chains of {limits.sampled_sweeps:,} sweeps; standard errors up to "
        f"{largest:.3f}), without explanations, which need exact inference."
    )
    return {
        animal.id: HetOdds(
            animal,
            len(pedigree),
            False,
            tuple(
                _gene_odds(evidence, analysis[labels[animal.id]], ())
                for evidence, analysis in zip(evidences, analyses, strict=True)
            ),
            tuple(notes),
        )
        for animal in members
    }


async def het_odds_of(
    uow: HetOddsUnitOfWork,
    actor: Actor,
    animal_id: uuid.UUID,
    *,
    compute: CpuRunner,
    limits: HetOddsLimits | None = None,
) -> HetOdds:
    """The het odds of the actor's animal from its whole recorded family (see the module).

    :class:`~reptidex.domain.errors.NotFound` when the animal is not the actor's;
    :class:`InvalidInput` when the family is larger than ``limits.family_animals`` (refused
    before any computation) or too interbred for exact inference; :class:`Conflict` when the
    family's records contradict each other, naming the animals."""
    limits = limits or HetOddsLimits()
    animal = await get_animal(uow, actor, animal_id)
    family = await uow.families.family(
        actor.organisation_id, animal.id, limit=limits.family_animals + 1
    )
    if len(family) > limits.family_animals:
        raise InvalidInput(
            f"The family of {animal.label} has more than {limits.family_animals:,} recorded "
            "animals; het odds are computed for families up to that size.",
            field_errors={"animal_id": f"family above {limits.family_animals:,} animals"},
        )
    if not any(a.id == animal.id for a in family):
        family = [animal, *family]
    return await compute(functools.partial(analyse_family, animal, family, limits))
