"""Hypothesis strategies for the pedigree engine: valid pedigrees, with or without inbreeding.

Animals are drawn one after another; each takes its sire among the earlier males and its dam
among the earlier females, or leaves a parent unknown, so every pedigree drawn is valid (no
cycle, no animal both sire and dam, sexes consistent). ``inbred=False`` pairs only animals
without a common ancestor (every inbreeding coefficient is 0); ``inbred=True`` adds a
full-sibling mating, so at least one animal is inbred (its coefficient is at least 1/4).

Examples
--------
>>> from hypothesis import given
>>> from reptidex.engine.pedigree import inbreeding
>>> from reptidex.testing import pedigrees
>>> @given(pedigrees(inbred=False))
... def test_unrelated_parents_make_no_inbreeding(ped):
...     assert not inbreeding(ped).array.any()
>>> test_unrelated_parents_make_no_inbreeding()
"""

from __future__ import annotations

from hypothesis import strategies as st

from reptidex.engine.pedigree import Animal, Pedigree, Sex

__all__ = ["pedigrees"]


@st.composite
def pedigrees(
    draw: st.DrawFn,
    min_animals: int = 1,
    max_animals: int = 30,
    *,
    inbred: bool | None = None,
    unknown_sex: bool = False,
) -> Pedigree:
    """A valid pedigree of ``min_animals`` to ``max_animals`` listed animals (ids ``a0``,
    ``a1``, ... in the order drawn; the records come in that order).

    Parameters
    ----------
    min_animals, max_animals : int
        Bounds on the number of animals (``inbred=True`` needs at least 5).
    inbred : bool, optional
        ``True``: at least one animal is inbred; ``False``: none is; by default either.
    unknown_sex : bool
        Some animals that are nobody's parent have no recorded sex.
    """
    if not 1 <= min_animals <= max_animals:
        raise ValueError("need 1 <= min_animals <= max_animals")
    if inbred and max_animals < 5:
        raise ValueError("an inbred pedigree needs at least 5 animals")
    count = draw(st.integers(max(min_animals, 5 if inbred else 1), max_animals))
    drawn = count - 3 if inbred else count
    records: list[Animal] = []
    lines: list[frozenset[str]] = []  # each animal with its ancestors
    for i in range(drawn):
        ident = f"a{i}"
        sex = Sex.MALE if i == 0 or (i > 1 and draw(st.booleans())) else Sex.FEMALE
        sire = _parent(draw, records, Sex.MALE)
        dam_options = [
            k
            for k, a in enumerate(records)
            if a.sex is Sex.FEMALE
            and (inbred is not False or sire is None or not lines[sire] & lines[k])
        ]
        dam = draw(st.sampled_from([None, *dam_options])) if dam_options else None
        line = {ident}
        for parent in (sire, dam):
            if parent is not None:
                line |= lines[parent]
        lines.append(frozenset(line))
        records.append(
            Animal(
                ident,
                None if sire is None else records[sire].id,
                None if dam is None else records[dam].id,
                sex,
            )
        )
    if inbred:
        father = draw(st.sampled_from([a.id for a in records if a.sex is Sex.MALE]))
        mother = draw(st.sampled_from([a.id for a in records if a.sex is Sex.FEMALE]))
        brother, sister = f"a{drawn}", f"a{drawn + 1}"
        records += [
            Animal(brother, father, mother, Sex.MALE),
            Animal(sister, father, mother, Sex.FEMALE),
            Animal(f"a{drawn + 2}", brother, sister, draw(st.sampled_from([Sex.MALE, Sex.FEMALE]))),
        ]
    if unknown_sex:
        parents = {p for a in records for p in (a.sire, a.dam) if p is not None}
        records = [
            Animal(a.id, a.sire, a.dam, Sex.UNKNOWN)
            if a.id not in parents and draw(st.booleans())
            else a
            for a in records
        ]
    return Pedigree(records)


def _parent(draw: st.DrawFn, records: list[Animal], sex: Sex) -> int | None:
    options = [k for k, a in enumerate(records) if a.sex is sex]
    return draw(st.sampled_from([None, *options])) if options else None
