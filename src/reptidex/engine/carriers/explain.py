"""Why an animal has the odds it has: which records moved them, and by how much.

The records of the animal's relatives are put in groups as a breeder reads them (its own
records; each parent; its offspring by mate and by look; each mate; its siblings by look; each
other relative within a few links), and each group is left out in turn: the difference between the
animal's odds with every record and without that group is the group's effect. All the
leave-one-group-out computations run as one batch on one junction tree, and at most
``max_groups`` groups (the nearest) are tried, so the work is bounded.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from reptidex.engine.carriers.contradictions import Record, all_records
from reptidex.engine.carriers.factors import row_inputs
from reptidex.engine.carriers.inference import _contradiction
from reptidex.engine.carriers.junction import calibrate, plan
from reptidex.engine.carriers.locus import Evidence, Probability
from reptidex.engine.pedigree import Pedigree


@dataclass(frozen=True)
class Reason:
    """One group of records and how it moved an animal's odds of carrying.

    ``description`` names the group as a breeder reads it ("2 visual Clown offspring with
    Hera"); ``carrier`` is the animal's odds with every record, ``without`` its odds with
    this group left out, ``effect`` their difference; ``proves`` / ``rules_out`` say the
    group is what makes the animal a certain carrier / a certain non-carrier.
    """

    description: str
    animals: tuple[str, ...]
    records: tuple[str, ...]
    carrier: Probability
    without: Probability
    effect: Probability
    proves: bool
    rules_out: bool

    @property
    def text(self) -> str:
        """The reason in one sentence, e.g. "proven by 2 visual Clown offspring with Hera"."""
        if self.proves:
            return f"proven by {self.description}"
        if self.rules_out:
            return f"ruled out by {self.description}"
        verb = "raised" if self.effect > 0 else "lowered"
        return f"{verb} from {_show(self.without)} to {_show(self.carrier)} by {self.description}"


def _show(p: Probability) -> str:
    return f"{float(p):.0%}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _groups(
    pedigree: Pedigree, evidence: Evidence, animal: str, reach: int
) -> list[tuple[str, list[Record]]]:
    records = all_records(pedigree, evidence)
    by_animal: dict[str, list[Record]] = {}
    for record in records:
        by_animal.setdefault(record[0], []).append(record)

    normal = f"normal-looking at {evidence.locus.name}"

    def label(record: Record) -> str:
        who, k = record
        if k < 0:
            return f"entered as {evidence.priors[who].label}"
        text = evidence.observations[who][k].label
        return "normal-looking" if text == normal else text

    groups: list[tuple[str, list[Record]]] = []
    placed: set[str] = set()
    if animal in by_animal:
        groups.append(("its own record", by_animal[animal]))
    placed.add(animal)
    sire, dam = pedigree.parents(animal)
    for role, parent in (("sire", sire), ("dam", dam)):
        if parent is not None:
            placed.add(parent)
            if parent in by_animal:
                what = ", ".join(label(r) for r in by_animal[parent])
                groups.append((f"its {role} {parent} ({what})", by_animal[parent]))
    offspring: dict[tuple[str, str], list[str]] = {}
    for kid in pedigree.children(animal):
        placed.add(kid)
        if kid not in by_animal:
            continue
        ks, kd = pedigree.parents(kid)
        mate = kd if ks == animal else ks
        what = ", ".join(label(r) for r in by_animal[kid])
        offspring.setdefault((what, mate or "an unknown mate"), []).append(kid)
    mates: list[str] = []
    for (what, mate), kids in offspring.items():
        listed = [r for kid in kids for r in by_animal[kid]]
        groups.append((f"{len(kids)} {what} offspring with {mate}", listed))
        if mate not in mates:
            mates.append(mate)
    for mate in mates:
        if mate not in placed and mate in by_animal:
            placed.add(mate)
            what = ", ".join(label(r) for r in by_animal[mate])
            groups.append((f"its mate {mate} ({what})", by_animal[mate]))
    siblings: dict[str, list[str]] = {}
    for parent in (sire, dam):
        if parent is None:
            continue
        for sib in pedigree.children(parent):
            if sib in placed or sib not in by_animal:
                continue
            placed.add(sib)
            full = pedigree.parents(sib) == (sire, dam)
            kind = "sibling" if full else "half-sibling"
            what = ", ".join(label(r) for r in by_animal[sib])
            siblings.setdefault(f"{kind}|{what}", []).append(sib)
    for key, sibs in siblings.items():
        kind, what = key.split("|", 1)
        listed = [r for sib in sibs for r in by_animal[sib]]
        groups.append((f"{_plural(len(sibs), kind)} ({what}): {', '.join(sibs)}", listed))
    # further relatives, nearest first (breadth-first over parent and offspring links)
    seen = {animal}
    queue = deque([(animal, 0)])
    while queue:
        who, depth = queue.popleft()
        if depth >= reach:
            continue
        near = [p for p in pedigree.parents(who) if p is not None] + list(pedigree.children(who))
        for other in near:
            if other in seen:
                continue
            seen.add(other)
            queue.append((other, depth + 1))
            if other not in placed and other in by_animal:
                placed.add(other)
                what = ", ".join(label(r) for r in by_animal[other])
                groups.append(
                    (f"{other}, a relative {depth + 1} links away ({what})", by_animal[other])
                )
    return groups


def explain(
    pedigree: Pedigree,
    evidence: Evidence,
    animal: str,
    *,
    max_groups: int = 24,
    reach: int = 3,
) -> tuple[Reason, ...]:
    """The records that moved ``animal``'s odds of carrying, largest effect first.

    Parameters
    ----------
    pedigree, evidence : Pedigree, Evidence
        As for :func:`~reptidex.engine.carriers.het_odds`.
    animal : str
        The animal to explain.
    max_groups : int
        At most this many groups of records are tried (the nearest ones), one batch row each.
    reach : int
        Relatives beyond parents, offspring and siblings are looked for up to this many
        parent–offspring links away.

    Returns
    -------
    tuple of Reason
        Groups whose effect is not zero, by decreasing size of effect.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> from reptidex.engine.pedigree import Animal, Pedigree
    >>> from reptidex.engine.carriers import carrier_locus, evidence_from_morphs
    >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
    >>> ped = Pedigree([Animal("Zeus", sex="male"), Animal("Hera", sex="female"),
    ...                 Animal("K1", "Zeus", "Hera"), Animal("K2", "Zeus", "Hera")])
    >>> ev = evidence_from_morphs(ped, clown, {"Zeus": "Normal", "K1": "Clown", "K2": "Clown"})
    >>> [r.text for r in explain(ped, ev, "Zeus")]
    ['proven by 2 visual Clown offspring with Hera']
    """
    pedigree.index(animal)
    groups = _groups(pedigree, evidence, animal, reach)[:max_groups]
    drops: list[frozenset[Record]] = [frozenset()] + [frozenset(records) for _, records in groups]
    structure = plan(pedigree)
    inputs = row_inputs(pedigree, [evidence], drop=drops)
    result = calibrate(structure, pedigree, inputs)
    if not result.feasible[0]:
        raise _contradiction(structure, pedigree, evidence)
    i = pedigree.index(animal)
    post = result.posterior
    carrier: Probability = 1 - post[0, i, 0]
    reasons = []
    for row, (description, records) in enumerate(groups, start=1):
        without: Probability = 1 - post[row, i, 0]
        effect = carrier - without
        if effect == 0:
            continue
        reasons.append(
            Reason(
                description,
                tuple(dict.fromkeys(who for who, _ in records)),
                tuple(
                    evidence.priors[who].label if k < 0 else evidence.observations[who][k].label
                    for who, k in records
                ),
                carrier,
                without,
                effect,
                carrier == 1 and without != 1,
                carrier == 0 and without != 0,
            )
        )
    reasons.sort(key=lambda r: -abs(float(r.effect)))
    return tuple(reasons)
