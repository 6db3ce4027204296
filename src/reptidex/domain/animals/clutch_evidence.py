"""The clutch as evidence: every hatchling of one sire × dam clutch, weighed together.

A possible-het parent is one genotype or another for the whole clutch, so its hatchlings are
not independent of each other: a visual Clown proves a "50% het Clown" dam het, and with it
changes the odds of every normal-looking sibling (2/3 het Clown from het × het, not the 4/7
one hatchling alone gives). :func:`weigh_clutch` is Bayes' rule over the parents'
genotypes, as :func:`reptidex.engine.genetics.prove_out` computes it, done block by block:
blocks are inherited independently and each visual trait belongs to one block, so the
parents' posterior and each hatchling's factor into one per block. For each pair of the
parents' diplotypes (prior the product of their records' probabilities), the likelihood is
the product over hatchlings of the probability that a living offspring of that pair looks
as the hatchling does (and carries the hets its record states as certain, and is of its
sex when known); each hatchling's posterior is the mixture, over the pairs' posterior, of
the offspring of that pair that fit it. Exact :class:`~fractions.Fraction` throughout.

A hatchling's evidence is what its record says for sure (:class:`ClutchMate`): its look,
its sex when known, and the hets its record names as certain (a lab's "het Clown"); a
possible het ("66% het Clown") is an odds, not evidence, as the het odds read a morph.
Parents are only ever suggested a change (:class:`ParentSettlement`), when the clutch
settles a gene (the odds of carrying become 1 or 0), never rewritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from reptidex.domain.animals.genetics import animal_genotype, record_of_blocks
from reptidex.domain.animals.model import Animal, GenotypeRecord
from reptidex.domain.errors import Conflict
from reptidex.engine.genetics import (
    Catalog,
    Genotype,
    MorphParseError,
    Sex,
    block_phenotype,
    cross_block,
    name_genotype,
)
from reptidex.engine.genetics.phenotype import Diplotype

Blocks = dict[int, dict[Diplotype, Fraction]]
"""A distribution per block (block index → diplotype → probability)."""


@dataclass(frozen=True, slots=True)
class ClutchMate:
    """A hatchling of the clutch as evidence: how it looks (visual traits), its sex when
    known, and the hets its record names as certain."""

    id: uuid.UUID
    label: str
    traits: frozenset[str]
    sex: Sex | None = None
    hets: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ParentSettlement:
    """A gene of a parent that the clutch settled: the odds of carrying it were
    ``before`` (the parent's record) and are ``after`` (1: proven, 0: ruled out), shown
    by the hatchlings ``proven_by``. ``morph`` is the parent's record with what the clutch
    ruled out removed (no odds from the clutch added), as the breeder may write it; ``None``
    when no name says it."""

    role: str
    gene: str
    before: Fraction
    after: Fraction
    proven_by: tuple[uuid.UUID, ...]
    morph: str | None

    @property
    def suggestion(self) -> str:
        """What the breeder may do: ``mark as proven het Clown`` or ``mark as not het Clown``."""
        return f"mark as {'proven het' if self.after == 1 else 'not het'} {self.gene}"


@dataclass(frozen=True, slots=True)
class OddsChange:
    """A parent's odds of carrying a gene, from its record (``before``) and given the whole
    clutch (``after``)."""

    role: str
    gene: str
    before: Fraction
    after: Fraction


@dataclass(frozen=True, slots=True)
class ClutchWeighing:
    """The whole clutch weighed: each hatchling's distribution per block given every
    hatchling (by id), the parents' odds the clutch changed, and the genes it settled."""

    mates: dict[uuid.UUID, Blocks]
    changes: tuple[OddsChange, ...]
    settled: tuple[ParentSettlement, ...]


@dataclass(frozen=True, slots=True)
class _Fit:
    """What one hatchling requires of its diplotype at one block."""

    traits: frozenset[str]
    hets: frozenset[str]
    sex: Sex | None


def _carried(
    catalog: Catalog, index: int, distribution: dict[Diplotype, Fraction]
) -> dict[str, Fraction]:
    block = catalog.blocks[index]
    out: dict[str, Fraction] = {}
    for diplotype, p in distribution.items():
        for name in block_phenotype(catalog, block, diplotype).hidden:
            out[name] = out.get(name, Fraction(0)) + p
    return out


def weigh_clutch(
    catalog: Catalog, sire: Genotype, dam: Genotype, mates: Sequence[ClutchMate]
) -> ClutchWeighing:
    """Weigh every hatchling of a ``sire`` × ``dam`` clutch together (see the module).

    :class:`Conflict` naming the hatchlings when their records cannot all come from these
    parents.

    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> sire = parse_genotype(bp, "het Clown", Sex.MALE)
    >>> dam = parse_genotype(bp, "50% het Clown", Sex.FEMALE)
    >>> clown = ClutchMate(uuid.UUID(int=1), "A", frozenset({"Clown"}))
    >>> normal = ClutchMate(uuid.UUID(int=2), "B", frozenset())
    >>> w = weigh_clutch(bp, sire, dam, [clown, normal])
    >>> [(s.role, s.suggestion, str(s.before)) for s in w.settled]
    [('dam', 'mark as proven het Clown', '1/2')]
    >>> ((block, odds),) = w.mates[normal.id].items()  # one block: Clown's
    >>> sorted(str(p) for p in odds.values()), [s.morph for s in w.settled]
    (['1/3', '2/3'], ['Normal het Clown'])
    """
    present = sorted({i for i, _ in sire.blocks} | {i for i, _ in dam.blocks})
    posteriors: dict[uuid.UUID, Blocks] = {m.id: {} for m in mates}
    covered_traits: dict[uuid.UUID, set[str]] = {m.id: set() for m in mates}
    covered_hets: dict[uuid.UUID, set[str]] = {m.id: set() for m in mates}
    changes: list[OddsChange] = []
    settled: list[ParentSettlement] = []
    for index in present:
        block = catalog.blocks[index]
        sire_block = dict(sire.block(index, Sex.MALE))
        dam_block = dict(dam.block(index, Sex.FEMALE))
        whole = cross_block(block, tuple(sire_block.items()), tuple(dam_block.items()))
        looks = {d: block_phenotype(catalog, block, d) for d in whole}
        traits = {t for look in looks.values() for t in look.traits}
        hidden = {h for look in looks.values() for h in look.hidden}
        fits: dict[uuid.UUID, _Fit] = {}
        for mate in mates:
            fit = _Fit(
                frozenset(mate.traits & traits),
                frozenset(mate.hets & hidden),
                mate.sex if block.sex_linked else None,
            )
            fits[mate.id] = fit
            covered_traits[mate.id] |= fit.traits
            covered_hets[mate.id] |= fit.hets
        groups: dict[_Fit, int] = {}
        for fit in fits.values():
            groups[fit] = groups.get(fit, 0) + 1
        # per pair of the parents' diplotypes: its weight, and each fit's offspring
        weights: dict[tuple[Diplotype, Diplotype], Fraction] = {}
        fitting: dict[tuple[Diplotype, Diplotype], dict[_Fit, dict[Diplotype, Fraction]]] = {}
        for s, ps in sire_block.items():
            for d, pd in dam_block.items():
                offspring = cross_block(block, ((s, Fraction(1)),), ((d, Fraction(1)),))
                living = {o: p for o, p in offspring.items() if not looks[o].lethal}
                alive = sum(living.values(), Fraction(0))
                weight = ps * pd
                kept: dict[_Fit, dict[Diplotype, Fraction]] = {}
                for fit, count in groups.items():
                    ok = {
                        o: p
                        for o, p in living.items()
                        if frozenset(looks[o].traits) == fit.traits
                        and fit.hets <= set(looks[o].hidden)
                        and (fit.sex is None or looks[o].sex is fit.sex)
                    }
                    share = sum(ok.values(), Fraction(0))
                    weight *= (share / alive) ** count if alive else Fraction(0)
                    kept[fit] = {o: p / share for o, p in ok.items()} if share else {}
                weights[(s, d)] = weight
                fitting[(s, d)] = kept
        total = sum(weights.values(), Fraction(0))
        if not total:
            _refuse(mates, fits, fitting)
        for mate in mates:
            mixed: dict[Diplotype, Fraction] = {}
            for pair, weight in weights.items():
                if weight:
                    for o, p in fitting[pair][fits[mate.id]].items():
                        mixed[o] = mixed.get(o, Fraction(0)) + weight / total * p
            posteriors[mate.id][index] = mixed
        for role, prior, which in (("sire", sire_block, 0), ("dam", dam_block, 1)):
            after: dict[Diplotype, Fraction] = {}
            for pair, weight in weights.items():
                after[pair[which]] = after.get(pair[which], Fraction(0)) + weight / total
            was, now = _carried(catalog, index, prior), _carried(catalog, index, after)
            for gene, p in was.items():
                q = now.get(gene, Fraction(0))
                if p != q:
                    changes.append(OddsChange(role, gene, p, q))
                if p not in (0, 1) and q in (0, 1):
                    ruled = {x for x in prior if not after.get(x)}
                    settled.append(
                        ParentSettlement(
                            role,
                            gene,
                            p,
                            q,
                            _proven_by(mates, fits, fitting, ruled, which),
                            _settled_morph(sire if which == 0 else dam, index, prior, ruled),
                        )
                    )
    for mate in mates:
        if mate.traits - covered_traits[mate.id] or mate.hets - covered_hets[mate.id]:
            missing = sorted(
                (mate.traits - covered_traits[mate.id]) | (mate.hets - covered_hets[mate.id])
            )
            raise Conflict(
                f"The clutch's records cannot all be true: {mate.label} is recorded with "
                f"{', '.join(missing)}, which these parents cannot give. Correct its morph or "
                "the parents'.",
                field_errors={f"animals.{mate.id}": f"{mate.label}: {', '.join(missing)}"},
            )
    return ClutchWeighing(posteriors, tuple(changes), tuple(settled))


def _proven_by(
    mates: Sequence[ClutchMate],
    fits: dict[uuid.UUID, _Fit],
    fitting: dict[tuple[Diplotype, Diplotype], dict[_Fit, dict[Diplotype, Fraction]]],
    ruled: set[Diplotype],
    which: int,
) -> tuple[uuid.UUID, ...]:
    """The hatchlings that no pair with a ruled-out diplotype of the parent can give."""
    pairs = [pair for pair in fitting if pair[which] in ruled]
    return tuple(m.id for m in mates if pairs and all(not fitting[p][fits[m.id]] for p in pairs))


def _settled_morph(
    parent: Genotype, index: int, prior: dict[Diplotype, Fraction], ruled: set[Diplotype]
) -> str | None:
    """The parent's record with the ruled-out diplotypes of block ``index`` removed."""
    kept = {d: p for d, p in prior.items() if d not in ruled}
    total = sum(kept.values(), Fraction(0))
    blocks: Blocks = {i: dict(dist) for i, dist in parent.blocks}
    blocks[index] = {d: p / total for d, p in kept.items()}
    try:
        return name_genotype(Genotype.from_blocks(parent.catalog, blocks, parent.sex))
    except (ValueError, MorphParseError):
        return None


def _refuse(
    mates: Sequence[ClutchMate],
    fits: dict[uuid.UUID, _Fit],
    fitting: dict[tuple[Diplotype, Diplotype], dict[_Fit, dict[Diplotype, Fraction]]],
) -> None:
    """:class:`Conflict` naming the hatchlings no pair of the parents can give (or, when each
    alone could come from them, every hatchling: together they cannot)."""
    alone = [m for m in mates if all(not kept[fits[m.id]] for kept in fitting.values())]
    named = alone or list(mates)
    listed = "; ".join(f"{m.label}: {_look(m)}" for m in named)
    raise Conflict(
        f"The clutch's records cannot all be true under Mendelian inheritance: {listed}. "
        "Correct one of these hatchlings' morphs or the parents'.",
        field_errors={f"animals.{m.id}": f"{m.label}: {_look(m)}" for m in named},
    )


def _look(mate: ClutchMate) -> str:
    look = " ".join(sorted(mate.traits)) or "Normal"
    hets = ", ".join(sorted(mate.hets))
    return f"{look} het {hets}" if hets else look


def mate_of(animal: Animal) -> ClutchMate | None:
    """A hatchling's record as evidence (see :class:`ClutchMate`); ``None`` when its look is
    not certain (it then neither counts nor is narrowed)."""
    record = animal.genotype
    if not record.certain_phenotype:
        return None
    return ClutchMate(
        animal.id,
        animal.label,
        frozenset(record.traits),
        animal.sex.genetic,
        frozenset(record.hets),
    )


@dataclass(frozen=True, slots=True)
class ClutchSettlement:
    """What the whole clutch changes: each hatchling whose record it narrows, with the new
    record; why (``reason``, in the breeder's words); and the parents' settled genes."""

    records: dict[uuid.UUID, GenotypeRecord]
    reason: str
    settled: tuple[ParentSettlement, ...]
    changes: tuple[OddsChange, ...] = ()
    """The parents' odds of carrying that the clutch moves (settled or not)."""
    counted: int = 0
    """The hatchlings weighed (those whose look is certain)."""


def settle_clutch(
    catalog: Catalog,
    sire: Animal,
    dam: Animal,
    hatchlings: Sequence[Animal],
) -> ClutchSettlement:
    """Weigh the hatchlings of ``sire`` × ``dam`` together (:func:`weigh_clutch`) and give
    the new record of every one whose record it changes (pure CPU work: run it off the event
    loop). :class:`Conflict` when the records cannot all be true."""
    sire_genotype = animal_genotype(sire, catalog, Sex.MALE)
    dam_genotype = animal_genotype(dam, catalog, Sex.FEMALE)
    counted = [(a, m) for a in hatchlings if (m := mate_of(a)) is not None]
    weighing = weigh_clutch(catalog, sire_genotype, dam_genotype, [m for _, m in counted])
    records: dict[uuid.UUID, GenotypeRecord] = {}
    for animal, mate in counted:
        record = record_of_blocks(catalog, weighing.mates[mate.id], mate.sex, animal.genotype.morph)
        if record.blocks != animal.genotype.blocks:
            records[animal.id] = record
    parents = {"sire": sire, "dam": dam}
    labels = {a.id: a.label for a, _ in counted}
    said: list[str] = []
    for change in weighing.changes:
        parent = f"the {change.role} {parents[change.role].label}"
        proof = next(
            (
                s.proven_by
                for s in weighing.settled
                if (s.role, s.gene) == (change.role, change.gene)
            ),
            (),
        )
        if change.after == 1 and proof:
            by = ", ".join(labels[i] for i in proof)
            said.append(f"{parent} is proven het {change.gene} by {by}")
        elif change.after == 0 and proof:
            by = ", ".join(labels[i] for i in proof)
            said.append(f"{parent} cannot carry {change.gene} ({by})")
        else:
            said.append(
                f"{parent}'s odds of het {change.gene} go from {change.before} to {change.after}"
            )
    reason = f"Weighed with the whole clutch ({len(counted)} hatchlings)" + (
        ": " + "; ".join(said) + "." if said else "."
    )
    return ClutchSettlement(records, reason, weighing.settled, weighing.changes, len(counted))
