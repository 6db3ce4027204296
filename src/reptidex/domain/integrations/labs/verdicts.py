"""What a lab's finding does to an animal's recorded genotype: a proven het replaces a possible
het (or joins the hets), a negative removes a possible het, and a finding the record
contradicts (a negative for a recorded het or visual, a het for a visual) is a conflict,
reported and never written. The new morph is written, and checked, by the genetics engine."""

from __future__ import annotations

from fractions import Fraction

from reptidex.domain.integrations.labs.model import Finding, LabAnimal, Outcome
from reptidex.engine.genetics import (
    Catalog,
    Genotype,
    MorphParseError,
    Sex,
    morph_name,
    name_genotype,
    parse_genotype,
)
from reptidex.engine.genetics.model import Allele


class Verdict:
    """A finding against a record: the outcome, why, and the new morph when it changes."""

    __slots__ = ("detail", "morph", "outcome")

    def __init__(self, outcome: Outcome, detail: str, morph: str | None = None) -> None:
        self.outcome, self.detail, self.morph = outcome, detail, morph


def _ratio(p: Fraction) -> str:
    return f"{p.numerator}/{p.denominator}"


def _rewritten(
    catalog: Catalog,
    animal: LabAnimal,
    gene: str,
    *,
    het: bool,
) -> str | None:
    """The animal's morph with ``gene`` a proven het (``het``) or not carried; ``None`` when
    the engine cannot write it while keeping everything else the record says."""
    hets = [h for h in animal.hets if h != gene] + ([gene] if het else [])
    possible = {g: p for g, p in animal.possible_hets.items() if g != gene}
    text = " ".join(
        [
            morph_name(catalog, list(animal.traits)),
            *(f"het {h}" for h in hets),
            *(f"{_ratio(p)} het {g}" for g, p in possible.items()),
        ]
    )
    sex = None if animal.sex == "unknown" else Sex(animal.sex)
    try:
        return _written(parse_genotype(catalog, text, sex))
    except (MorphParseError, ValueError):
        if sex is not None or catalog.sex_block is None:
            return None
    # an animal of unknown sex with sex-linked genes (a Banana hatchling): the morph must be
    # written the same whichever sex it reads as, so that setting the sex later loses nothing
    names: set[str | None] = set()
    for each in Sex:
        try:
            genotype = parse_genotype(catalog, text, each)
        except (MorphParseError, ValueError):
            continue
        names.add(_written(genotype))
    return names.pop() if len(names) == 1 else None


def _written(genotype: Genotype) -> str | None:
    """The engine's name of ``genotype`` if it reads back as the same genotype."""
    try:
        written = name_genotype(genotype)
        again = parse_genotype(genotype.catalog, written, genotype.sex)
    except (MorphParseError, ValueError):
        return None
    return written if again == genotype else None


def judge(catalog: Catalog, animal: LabAnimal, allele: Allele, finding: Finding) -> Verdict:
    """The verdict of ``finding`` for ``allele`` on ``animal``'s recorded genotype."""
    gene = allele.name
    visual = gene in animal.traits
    het = gene in animal.hets
    possible = animal.possible_hets.get(gene)
    if finding is Finding.VISUAL:
        if visual:
            return Verdict(Outcome.UNCHANGED, f"already recorded as a visual {gene}")
        return Verdict(Outcome.CONFLICT, f"the lab says visual {gene}; the record does not")
    if not allele.expression.is_recessive:
        return Verdict(
            Outcome.BAD,
            f"{gene} is not recessive: a het or negative test of it "
            "says nothing the animal's looks do not",
        )
    if not animal.certain_phenotype:
        return Verdict(
            Outcome.CONFLICT, "the recorded morph is uncertain in its looks; change it by hand"
        )
    if finding is Finding.HET:
        if visual:
            return Verdict(Outcome.CONFLICT, f"the lab says het {gene}; the record says visual")
        if het:
            return Verdict(Outcome.UNCHANGED, f"already recorded as het {gene}")
        detail = (
            f"het {gene} proven (was {_ratio(possible)} possible)"
            if possible is not None
            else f"het {gene} added"
        )
    else:
        if visual or het:
            shown = "visual" if visual else "het"
            return Verdict(
                Outcome.CONFLICT, f"the lab says not {gene}; the record says {shown} {gene}"
            )
        if possible is None:
            return Verdict(Outcome.UNCHANGED, f"no {gene} recorded")
        detail = f"possible het {gene} ({_ratio(possible)}) removed"
    morph = _rewritten(catalog, animal, gene, het=finding is Finding.HET)
    if morph is None:
        return Verdict(
            Outcome.CONFLICT, "the recorded morph cannot be rewritten exactly; change it by hand"
        )
    return Verdict(Outcome.APPLIED, detail, morph)
