"""The array paths of the pedigree model: ``_fill`` (behind ``Pedigree(...)`` and
``Pedigree.from_columns``), ``Pedigree.from_parent_indices``, ``Pedigree.extend`` and the
layered topological order they share.

``_fill`` is checked against the record-by-record reference ``_one_by_one``: same pedigree,
same warnings, same problems, whatever the records."""

from __future__ import annotations

import datetime as dt
import inspect
import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pedigree_testkit import random_records, warned_at

from reptidex.engine.pedigree import (
    Animal,
    MissingParentWarning,
    Pedigree,
    PedigreeError,
    Sex,
)
from reptidex.engine.pedigree.model import MissingParents, _layered_order
from reptidex.engine.pedigree.validation import PedigreeProblem

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
MODES: tuple[MissingParents, ...] = ("warn", "founders", "unknown")
NO_ATTRIBUTES: Mapping[str, str] = MappingProxyType({})

Outcome = tuple[str, object, list[tuple[type[Warning], str]]]


# --- helpers ------------------------------------------------------------------------


def reference(animals: Sequence[Animal], missing_parents: MissingParents = "warn") -> Pedigree:
    """The record-by-record construction that the array path must agree with."""
    ped = Pedigree.__new__(Pedigree)
    ped._one_by_one(list(animals), missing_parents)
    return ped


def by_columns(animals: Sequence[Animal], missing_parents: MissingParents = "warn") -> Pedigree:
    """``Pedigree.from_columns`` of the records; a column left out when all its values
    are the defaults, as a reader without that column would do."""
    sexes = [a.sex for a in animals]
    hatched = [a.hatched for a in animals]
    attributes = [a.attributes for a in animals]
    return Pedigree.from_columns(
        [a.id for a in animals],
        [a.sire for a in animals],
        [a.dam for a in animals],
        None if all(s is Sex.UNKNOWN for s in sexes) else sexes,
        None if all(h is None for h in hatched) else hatched,
        None if not any(attributes) else attributes,
        missing_parents=missing_parents,
    )


def by_records(animals: Sequence[Animal], missing_parents: MissingParents = "warn") -> Pedigree:
    return Pedigree(animals, missing_parents=missing_parents)


BUILDERS = {"records": by_records, "columns": by_columns}


def observe(ped: Pedigree) -> dict[str, object]:
    """Everything a caller can read from a pedigree."""
    starts, kids = ped.children_index()
    arrays = (ped.record_index, ped.sire, ped.dam, ped.depth)
    return {
        "ids": ped.ids,
        "record_order": ped.record_order,
        "record_index": ped.record_index.tolist(),
        "sire": ped.sire.tolist(),
        "dam": ped.dam.tolist(),
        "depth": ped.depth.tolist(),
        "sexes": ped.sexes,
        "animals": ped.animals,
        "index": [ped.index(i) for i in ped.ids],
        "parents": [ped.parents(i) for i in ped.ids],
        "children": (starts.tolist(), kids.tolist()),
        "dtypes": [a.dtype.str for a in arrays],
        "writeable": [a.flags.writeable for a in arrays],
        "len": len(ped),
        "iter": list(ped),
    }


def outcome(build: Callable[[], Pedigree]) -> Outcome:
    """("ok", observables, warnings) or ("error", problems and message, warnings)."""
    value: object
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            kind, value = "ok", observe(build())
        except PedigreeError as error:
            kind, value = "error", (error.problems, str(error))
    return kind, value, [(w.category, str(w.message)) for w in caught]


def problems_of(build: Callable[[], object]) -> tuple[PedigreeProblem, ...]:
    with pytest.raises(PedigreeError) as error:
        build()
    assert str(error.value) == "\n".join(p.message for p in error.value.problems)
    return error.value.problems


# --- strategies -----------------------------------------------------------------------

DAYS = [dt.date(2020, 1, 1), dt.date(2020, 6, 1), dt.date(2021, 1, 1)]
ATTRIBUTES = [NO_ATTRIBUTES, MappingProxyType({"colour": "red"})]
NAMES = ["a", "b", "c", "d", "e", "f"]
parents = st.one_of(st.none(), st.sampled_from([*NAMES, "x", "y", "z"]))
messy_records = st.lists(
    st.builds(
        Animal,
        st.sampled_from(NAMES),
        parents,
        parents,
        st.sampled_from(list(Sex)),
        st.one_of(st.none(), st.sampled_from(DAYS)),
        st.sampled_from(ATTRIBUTES),
    ),
    max_size=7,
)


@st.composite
def sound_records(draw: st.DrawFn) -> list[Animal]:
    """Valid records in any order: parents listed earlier or not at all (several
    unlisted ones), sires male or unknown, dams female or unknown, parents older."""
    males = ["xm1", "xm2", "xm3"]
    females = ["xf1", "xf2"]
    plain = draw(st.booleans())  # no sex, hatch date or attributes: columns left out
    records: list[Animal] = []
    for i in range(draw(st.integers(min_value=0, max_value=14))):
        ident = f"a{i}"
        sire = draw(st.one_of(st.none(), st.sampled_from(males)))
        dam = draw(st.one_of(st.none(), st.sampled_from(females)))
        sex = Sex.UNKNOWN if plain else draw(st.sampled_from(list(Sex)))
        hatched = None
        if not plain and draw(st.booleans()):
            hatched = dt.date(2000, 1, 1) + dt.timedelta(days=40 * i)
        attributes = NO_ATTRIBUTES if plain else draw(st.sampled_from(ATTRIBUTES))
        records.append(Animal(ident, sire, dam, sex, hatched, attributes))
        as_sire = sex is Sex.MALE or (sex is Sex.UNKNOWN and draw(st.booleans()))
        if sex is not Sex.FEMALE and as_sire:
            males.append(ident)
        elif sex is not Sex.MALE:
            females.append(ident)
    return draw(st.permutations(records))


# --- _fill: the array path equals the record-by-record reference ------------------------


@SETTINGS
@given(records=st.one_of(sound_records(), messy_records), missing=st.sampled_from(MODES))
def test_array_path_equals_record_path(records: list[Animal], missing: MissingParents) -> None:
    """Pedigree(records) and from_columns give the reference's pedigree, warnings and errors."""
    expected = outcome(lambda: reference(records, missing))
    assert outcome(lambda: by_records(records, missing)) == expected
    assert outcome(lambda: by_columns(records, missing)) == expected


@SETTINGS
@given(records=sound_records(), missing=st.sampled_from(MODES))
def test_sound_records_are_ordered_and_indexed(
    records: list[Animal], missing: MissingParents
) -> None:
    """Parents first, generation by generation; within one, missing parents first (in the
    order first met, sire before dam) and then the records in the order they came."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingParentWarning)
        ped = Pedigree(records, missing_parents=missing)
    listed = [a.id for a in records]
    missing_first: list[str] = []
    if missing != "unknown":
        for a in records:
            for p in (a.sire, a.dam):
                if p is not None and p not in listed and p not in missing_first:
                    missing_first.append(p)
    came = missing_first + listed
    depth = dict(zip(ped.ids, ped.depth.tolist(), strict=True))
    assert ped.ids == tuple(sorted(came, key=lambda i: (depth[i], came.index(i))))
    assert ped.record_order == tuple(listed)
    assert [ped.ids[i] for i in ped.record_index.tolist()] == listed
    for a in records:
        sire, dam = ped.parents(a.id)
        assert sire == (None if missing == "unknown" and a.sire not in listed else a.sire)
        assert dam == (None if missing == "unknown" and a.dam not in listed else a.dam)
    for m in missing_first:
        assert ped.parents(m) == (None, None)
        assert depth[m] == 0


@pytest.mark.parametrize("seed", range(3))
def test_large_generations_keep_the_order_records_came_in(seed: int) -> None:
    """A big pedigree, shuffled: within a generation, ids follow the order of arrival."""
    records = random_records(seed, 600, founders=40)
    random.Random(seed).shuffle(records)
    for ped in (Pedigree(records), Pedigree.from_columns(*columns_of(records))):
        position = {a.id: k for k, a in enumerate(records)}
        key = {i: (int(d), position[i]) for i, d in zip(ped.ids, ped.depth.tolist(), strict=True)}
        assert list(ped.ids) == sorted(position, key=key.__getitem__)
        assert observe(ped) == observe(reference(records))


def columns_of(records: Sequence[Animal]) -> tuple[list[Any], ...]:
    return (
        [a.id for a in records],
        [a.sire for a in records],
        [a.dam for a in records],
        [a.sex for a in records],
    )


def test_missing_parent_warning_names_the_calling_line() -> None:
    """The warning points at the line that built the pedigree, not into the package."""
    frame = inspect.currentframe()
    assert frame is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = frame.f_lineno + 1
        Pedigree([Animal("k", "S", "D")])
        Pedigree.from_columns(["k"], ["S"], ["D"])
    assert warned_at(caught) == [
        (MissingParentWarning, __file__, line),
        (MissingParentWarning, __file__, line + 1),
    ]
    text = "2 parent(s) referenced but not listed, taken as founders: D, S"
    assert [str(w.message) for w in caught] == [text, text]


M, F, U = Sex.MALE, Sex.FEMALE, Sex.UNKNOWN

# records, missing_parents, ids, {id: (sire, dam, depth, sex)}, warning
KNOWN: dict[
    str,
    tuple[
        list[Animal],
        MissingParents,
        tuple[str, ...],
        dict[str, tuple[str | None, str | None, int, Sex]],
        list[str],
    ],
] = {
    "missing founders first, listed parents after them": (
        [
            Animal("S", sex=M),
            Animal("D", sex=F),
            Animal("A", "X", "Y"),
            Animal("K", "S", "D"),
            Animal("B", "Z", "Y"),
        ],
        "warn",
        ("X", "Y", "Z", "S", "D", "A", "K", "B"),
        {
            "X": (None, None, 0, M),
            "Y": (None, None, 0, F),
            "Z": (None, None, 0, M),
            "S": (None, None, 0, M),
            "D": (None, None, 0, F),
            "A": ("X", "Y", 1, U),
            "K": ("S", "D", 1, U),
            "B": ("Z", "Y", 1, U),
        },
        ["3 parent(s) referenced but not listed, taken as founders: X, Y, Z"],
    ),
    "one missing sire is a founder": (
        [Animal("F"), Animal("K", "S", None)],
        "founders",
        ("S", "F", "K"),
        {"S": (None, None, 0, M), "F": (None, None, 0, U), "K": ("S", None, 1, U)},
        [],
    ),
    "one missing dam is a founder": (
        [Animal("F"), Animal("K", None, "D")],
        "warn",
        ("D", "F", "K"),
        {"D": (None, None, 0, F), "F": (None, None, 0, U), "K": (None, "D", 1, U)},
        ["1 parent(s) referenced but not listed, taken as founders: D"],
    ),
    "one unknown parent of each kind": (
        [Animal("A", None, "D"), Animal("K", "S", "D")],
        "founders",
        ("D", "S", "A", "K"),
        {
            "D": (None, None, 0, F),
            "S": (None, None, 0, M),
            "A": (None, "D", 1, U),
            "K": ("S", "D", 1, U),
        },
        [],
    ),
    "unlisted parents taken as unknown": (
        [Animal("A", "X", "Y"), Animal("B"), Animal("C"), Animal("K", "C", None)],
        "unknown",
        ("A", "B", "C", "K"),
        {
            "A": (None, None, 0, U),
            "B": (None, None, 0, U),
            "C": (None, None, 0, U),
            "K": ("C", None, 1, U),
        },
        [],
    ),
    "unlisted dam taken as unknown": (
        [Animal("A", "B", "Y"), Animal("B"), Animal("C")],
        "unknown",
        ("B", "C", "A"),
        {"A": ("B", None, 1, U), "B": (None, None, 0, U), "C": (None, None, 0, U)},
        [],
    ),
}


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
@pytest.mark.parametrize("case", KNOWN.values(), ids=KNOWN.keys())
def test_known_pedigrees(
    build: Callable[[Sequence[Animal], MissingParents], Pedigree],
    case: tuple[
        list[Animal],
        MissingParents,
        tuple[str, ...],
        dict[str, tuple[str | None, str | None, int, Sex]],
        list[str],
    ],
) -> None:
    records, missing, ids, expected, warned = case
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ped = build(records, missing)
    assert [str(w.message) for w in caught] == warned
    assert ped.ids == ids
    assert {
        i: (*ped.parents(i), int(ped.depth[ped.index(i)]), ped.animal(i).sex) for i in ids
    } == expected
    assert ped.record_order == tuple(a.id for a in records)
    assert ped.record_index.tolist() == [ids.index(a.id) for a in records]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingParentWarning)
        assert observe(ped) == observe(reference(records, missing))


# records, the problems every path must raise
BAD: dict[str, tuple[list[Animal], list[PedigreeProblem]]] = {
    "parent hatched the same day": (
        [
            Animal("S", sex=M, hatched=dt.date(2020, 5, 1)),
            Animal("K", "S", None, hatched=dt.date(2020, 5, 1)),
        ],
        [
            PedigreeProblem(
                "hatch-order",
                "S (sire, hatched 2020-05-01) is not older than its offspring K "
                "(hatched 2020-05-01)",
                ("S", "K"),
            )
        ],
    ),
    "male dam": (
        [Animal("M", sex=M), Animal("K", None, "M")],
        [
            PedigreeProblem(
                "sex-mismatch", "M is recorded as dam of K but its sex is male", ("M", "K")
            )
        ],
    ),
    "female sire": (
        [Animal("W", sex=F), Animal("K", "W", None)],
        [
            PedigreeProblem(
                "sex-mismatch", "W is recorded as sire of K but its sex is female", ("W", "K")
            )
        ],
    ),
    "one animal both sire and dam": (
        [Animal("X"), Animal("Y"), Animal("Z"), Animal("A", "X", "Y"), Animal("B", "Z", "X")],
        [PedigreeProblem("sire-and-dam", "X is used both as sire and as dam", ("X",))],
    ),
    "own sire": (
        [Animal("A", "A", None), Animal("B")],
        [PedigreeProblem("own-parent", "A is recorded as its own parent", ("A",))],
    ),
    "own dam": (
        [Animal("B"), Animal("A", None, "A")],
        [PedigreeProblem("own-parent", "A is recorded as its own parent", ("A",))],
    ),
    "duplicate": (
        [Animal("A"), Animal("A")],
        [PedigreeProblem("duplicate-id", "A is listed 2 times", ("A",))],
    ),
}


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_known_problems(
    build: Callable[[Sequence[Animal]], Pedigree],
    case: tuple[list[Animal], list[PedigreeProblem]],
) -> None:
    records, expected = case
    assert problems_of(lambda: build(records)) == tuple(expected)
    assert problems_of(lambda: reference(records)) == tuple(expected)


# --- from_parent_indices ---------------------------------------------------------------


def records_of(
    sire: Sequence[int], dam: Sequence[int], ids: Sequence[str] | None = None
) -> list[Animal]:
    names = [str(i) for i in range(len(sire))] if ids is None else list(ids)
    return [
        Animal(names[i], None if s < 0 else names[s], None if d < 0 else names[d])
        for i, (s, d) in enumerate(zip(sire, dam, strict=True))
    ]


@pytest.mark.parametrize(
    ("sire", "dam", "ids", "order", "sire_at", "dam_at"),
    [
        # animal 0 is a sire
        (
            [-1, 0, 0, -1, 1],
            [-1, 3, 3, -1, 2],
            "sbcde",
            "sdbce",
            [-1, -1, 0, 0, 2],
            [-1, -1, 1, 1, 3],
        ),
        # animal 0 is a dam
        (
            [-1, 3, 3, -1, 1],
            [-1, 0, 0, -1, 2],
            "dbcse",
            "dsbce",
            [-1, -1, 1, 1, 2],
            [-1, -1, 0, 0, 3],
        ),
    ],
)
def test_from_parent_indices_known_answers(
    sire: list[int],
    dam: list[int],
    ids: str,
    order: str,
    sire_at: list[int],
    dam_at: list[int],
) -> None:
    ped = Pedigree.from_parent_indices(sire, dam, ids=list(ids))
    assert ped.ids == tuple(order)
    assert ped.sire.tolist() == sire_at
    assert ped.dam.tolist() == dam_at
    assert ped.depth.tolist() == [0, 0, 1, 1, 2]
    assert ped.record_order == tuple(ids)
    assert ped.record_index.tolist() == [order.index(x) for x in ids]
    assert ped.sexes == (Sex.UNKNOWN,) * 5
    assert ped.children(order[0]) == (order[2], order[3])
    assert ped.children("e") == ()
    assert ped.animal("e") == Animal("e", order[2], order[3])
    assert observe(ped) == observe(Pedigree(records_of(sire, dam, list(ids))))


def test_from_parent_indices_names_by_position() -> None:
    ped = Pedigree.from_parent_indices(np.array([1, -1, -1]), np.array([2, -1, -1]))
    assert ped.ids == ("1", "2", "0")
    assert ped.record_order == ("0", "1", "2")
    assert observe(ped) == observe(Pedigree(records_of([1, -1, -1], [2, -1, -1])))


def test_from_parent_indices_reads_whole_number_floats_as_indices() -> None:
    """Columns read as floats (e.g. with np.loadtxt) are taken as integer positions."""
    sire, dam = [-1, -1, 0, 0, 2], [-1, -1, 1, 1, 3]
    as_ints = Pedigree.from_parent_indices(sire, dam)
    as_floats = Pedigree.from_parent_indices(
        np.array(sire, dtype=np.float64), np.array(dam, dtype=np.float64)
    )
    assert observe(as_floats) == observe(as_ints)


def test_from_parent_indices_of_nothing() -> None:
    ped = Pedigree.from_parent_indices([], [])
    assert observe(ped) == observe(Pedigree([]))


@pytest.mark.parametrize(
    ("sire", "dam", "ids"),
    [([-1, -1], [-1], None), ([-1], [-1, -1], None), ([-1, -1], [-1, -1], ["a"])],
)
def test_from_parent_indices_lengths_must_agree(
    sire: list[int], dam: list[int], ids: list[str] | None
) -> None:
    with pytest.raises(ValueError, match=r"^sire, dam and ids must have the same length$"):
        Pedigree.from_parent_indices(sire, dam, ids=ids)


def test_from_parent_indices_duplicate_ids() -> None:
    problems = problems_of(lambda: Pedigree.from_parent_indices([-1, -1], [-1, 0], ["a", "a"]))
    assert problems == (PedigreeProblem("duplicate-id", "duplicate ids", ()),)


@pytest.mark.parametrize(
    ("sire", "dam", "bad"),
    [
        ([-2, -1], [-1, -1], "a"),
        ([2, -1], [-1, -1], "a"),
        ([7, -1], [-1, -1], "a"),
        ([-1, -1], [-1, -2], "b"),
        ([-1, -1], [-1, 2], "b"),
        ([-1, -1], [-9, -1], "a"),
        ([-1, -3], [-1, -1], "b"),
        ([-1, 0], [-1, 2], "b"),
        ([3, -1, 5], [-1, -7, 0], "abc"),
    ],
)
def test_from_parent_indices_bad_index(sire: list[int], dam: list[int], bad: str) -> None:
    """Every animal with an index outside -1 .. n-1, each once, in order."""
    names = "abc"[: len(sire)]
    problems = problems_of(lambda: Pedigree.from_parent_indices(sire, dam, list(names)))
    assert problems == tuple(
        PedigreeProblem("bad-index", f"{x} has a parent index out of range", ()) for x in bad
    )


def test_from_parent_indices_own_parent_and_sire_and_dam() -> None:
    # b is its own sire, c its own dam; a and d are both sires and dams
    sire = [-1, 1, -1, -1, 0, 3]
    dam = [-1, -1, 2, -1, 3, 0]
    problems = problems_of(lambda: Pedigree.from_parent_indices(sire, dam, list("abcdef")))
    assert problems == (
        PedigreeProblem("own-parent", "b is recorded as its own parent", ("b",)),
        PedigreeProblem("own-parent", "c is recorded as its own parent", ("c",)),
        PedigreeProblem("sire-and-dam", "a is used both as sire and as dam", ("a",)),
        PedigreeProblem("sire-and-dam", "d is used both as sire and as dam", ("d",)),
    )


@pytest.mark.parametrize(
    ("sire", "dam"),
    [([-1, -1, 0, 1], [-1, -1, 1, 0]), ([-1, -1, 1, 0], [-1, -1, 0, 1])],
)
def test_from_parent_indices_first_animal_both_sire_and_dam(
    sire: list[int], dam: list[int]
) -> None:
    problems = problems_of(lambda: Pedigree.from_parent_indices(sire, dam, list("abcd")))
    assert problems == tuple(
        PedigreeProblem("sire-and-dam", f"{x} is used both as sire and as dam", (x,)) for x in "ab"
    )


def test_from_parent_indices_cycles() -> None:
    """Only the animals on or below a cycle are examined; each cycle is named once."""
    # a <-> b is a cycle, c descends from it, d and e are sound
    problems = problems_of(
        lambda: Pedigree.from_parent_indices([1, 0, 0, -1, 3], [-1, -1, -1, -1, -1], list("abcde"))
    )
    assert problems == (
        PedigreeProblem("cycle", "cycle: a -> b -> a (each has the next as a parent)", ("a", "b")),
    )


@pytest.mark.parametrize("kind", ["bad-index", "own-parent", "sire-and-dam"])
def test_from_parent_indices_reports_at_most_100_of_a_kind(kind: str) -> None:
    n = 202
    sire = np.full(n, -1)
    dam = np.full(n, -1)
    if kind == "bad-index":
        sire[:] = n
    elif kind == "own-parent":
        sire[:] = np.arange(n)
    else:  # founders 0..100 are each the sire of one kid and the dam of another
        kids = np.arange(101, 202)
        sire[kids] = np.arange(101)
        dam[kids] = (np.arange(101) + 1) % 101
    problems = problems_of(lambda: Pedigree.from_parent_indices(sire, dam))
    assert len(problems) == 100
    assert {p.code for p in problems} == {kind}
    assert [p.message.split()[0] for p in problems] == [str(i) for i in range(100)]


@st.composite
def parent_arrays(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    n = draw(st.integers(min_value=0, max_value=12))
    index = st.integers(min_value=-1, max_value=max(n - 1, -1))
    sire = draw(st.lists(st.one_of(st.just(-1), index), min_size=n, max_size=n))
    dam = draw(st.lists(st.one_of(st.just(-1), index), min_size=n, max_size=n))
    return sire, dam


@SETTINGS
@given(arrays=parent_arrays())
def test_from_parent_indices_agrees_with_records(arrays: tuple[list[int], list[int]]) -> None:
    """The same pedigree as from records; the same own-parent and sire-and-dam problems,
    else the same cycles."""
    sire, dam = arrays
    records = records_of(sire, dam)
    expected = outcome(lambda: Pedigree(records))
    got = outcome(lambda: Pedigree.from_parent_indices(sire, dam))
    assert got[0] == expected[0]
    if expected[0] == "ok":
        assert got == expected
        return
    found: tuple[PedigreeProblem, ...] = got[1][0]  # type: ignore[index]
    wanted: tuple[PedigreeProblem, ...] = expected[1][0]  # type: ignore[index]
    for code in ("own-parent", "sire-and-dam"):
        assert {p for p in found if p.code == code} == {p for p in wanted if p.code == code}
    if not any(p.code in ("own-parent", "sire-and-dam") for p in wanted):
        assert found == wanted


# --- extend ----------------------------------------------------------------------------


def base_pedigree() -> Pedigree:
    return Pedigree(
        [
            Animal("D", sex=F, hatched=dt.date(2019, 1, 1)),
            Animal("S", sex=M, hatched=dt.date(2019, 2, 1), attributes={"morph": "het"}),
            Animal("K", "S", "D", F, dt.date(2020, 1, 1)),
            Animal("M", sex=M),
        ]
    )


def test_extend_known_answer() -> None:
    base = base_pedigree()
    before = observe(base)
    assert base.ids == ("D", "S", "M", "K")
    clutch = [
        Animal("e6", "e1", "K"),
        Animal("e3", "e1", "e2", M, dt.date(2022, 1, 1), {"clutch": "2"}),
        Animal("e1", "S", "K", M),
        Animal("e2", None, "D", F, dt.date(2021, 5, 1)),
        Animal("e4"),
        Animal("e5", "M", None, attributes={"note": "x"}),
    ]
    ped = base.extend(clutch)
    # new animals after the old ones, each after its new parents
    ids = ("D", "S", "M", "K", "e1", "e2", "e4", "e5", "e6", "e3")
    assert ped.ids == ids
    assert [ped.index(i) for i in ids] == list(range(10))
    assert ped.sire.tolist() == [-1, -1, -1, 1, 1, -1, -1, 2, 4, 4]
    assert ped.dam.tolist() == [-1, -1, -1, 0, 3, 0, -1, -1, 3, 5]
    assert ped.depth.tolist() == [0, 0, 0, 1, 2, 1, 0, 1, 3, 3]
    assert ped.sexes == (F, M, M, F, M, F, U, U, U, M)
    assert ped.record_order == ("D", "S", "K", "M", "e6", "e3", "e1", "e2", "e4", "e5")
    assert ped.record_index.tolist() == [0, 1, 3, 2, 8, 9, 4, 5, 6, 7]
    assert ped.animal("e2") == Animal("e2", None, "D", F, dt.date(2021, 5, 1))
    assert ped.animal("e5") == Animal("e5", "M", None, U, None, {"note": "x"})
    assert ped.animal("e3") == Animal("e3", "e1", "e2", M, dt.date(2022, 1, 1), {"clutch": "2"})
    assert ped.animal("S") == Animal(
        "S", sex=M, hatched=dt.date(2019, 2, 1), attributes={"morph": "het"}
    )
    assert ped.children("e1") == ("e6", "e3")
    assert ped.children("D") == ("K", "e2")
    assert ped.children("K") == ("e1", "e6")
    # the same animals and depths as all the records at once
    whole = reference([*(base.animal(i) for i in base.record_order), *clutch])
    assert set(ped.animals) == set(whole.animals)
    assert sorted(zip(ped.ids, ped.depth.tolist(), strict=True)) == sorted(
        zip(whole.ids, whole.depth.tolist(), strict=True)
    )
    assert observe(base) == before  # the old pedigree is untouched


def test_extend_with_nothing_and_from_indices() -> None:
    base = base_pedigree()
    assert observe(base.extend([])) == observe(base)
    bare = Pedigree.from_parent_indices([-1, -1, 0], [-1, -1, 1], ids=["s", "d", "k"])
    ped = bare.extend([{"id": "x", "sire": "k", "sex": "m"}, {"id": "y", "dam": "d"}])
    assert ped.ids == ("s", "d", "k", "x", "y")
    assert ped.sexes == (U, U, U, M, U)
    assert ped.depth.tolist() == [0, 0, 1, 2, 1]
    assert ped.parents("y") == (None, "d")
    assert ped.record_index.tolist() == [0, 1, 2, 3, 4]


@SETTINGS
@given(records=sound_records(), cut=st.integers(min_value=0, max_value=14))
def test_extend_equals_building_at_once(records: list[Animal], cut: int) -> None:
    """Old animals keep their positions; the whole agrees with one construction."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingParentWarning)
        whole = Pedigree(records)
        head = set(whole.ids[: max(0, len(whole.ids) - cut)])
        listed_first = [a for a in records if a.id in head]
        first = Pedigree(listed_first)
    rest = [a for a in records if a.id not in first]
    missing = [p for a in rest for p in (a.sire, a.dam) if p is not None]
    if any(p not in first and p not in {a.id for a in rest} for p in missing):
        return  # a missing parent of the rest is no part of the first pedigree
    ped = first.extend(rest)
    assert ped.ids[: len(first)] == first.ids
    assert ped.record_order == first.record_order + tuple(a.id for a in rest)
    assert [ped.ids[i] for i in ped.record_index.tolist()] == list(ped.record_order)
    assert [ped.index(i) for i in ped.ids] == list(range(len(ped)))
    assert sorted(ped.animals, key=lambda a: a.id) == sorted(whole.animals, key=lambda a: a.id)
    depth = dict(zip(whole.ids, whole.depth.tolist(), strict=True))
    assert ped.depth.tolist() == [depth[i] for i in ped.ids]
    assert ped.sexes == tuple(whole.sexes[whole.index(i)] for i in ped.ids)
    for k in range(len(ped)):
        for p in (int(ped.sire[k]), int(ped.dam[k])):
            assert -1 <= p < k


def plain_pedigree(first: str) -> Pedigree:
    """S sire and D dam of K, all of unknown sex; ``first`` is listed first."""
    other = "D" if first == "S" else "S"
    return Pedigree([Animal(first), Animal(other), Animal("K", "S", "D")])


@pytest.mark.parametrize(
    ("base", "clutch", "expected"),
    [
        (
            "S",
            [Animal("K")],
            [PedigreeProblem("duplicate-id", "K is already in the pedigree", ("K",))],
        ),
        (
            "S",
            [Animal("x", "nobody", "noone")],
            [
                PedigreeProblem(
                    "unknown-parent", "x has sire nobody, which is not listed", ("nobody",)
                ),
                PedigreeProblem(
                    "unknown-parent", "x has dam noone, which is not listed", ("noone",)
                ),
            ],
        ),
        (
            "S",
            [Animal("x", None, "noone")],
            [PedigreeProblem("unknown-parent", "x has dam noone, which is not listed", ("noone",))],
        ),
        (
            "S",
            [Animal("y"), Animal("x", "y", "noone")],
            [PedigreeProblem("unknown-parent", "x has dam noone, which is not listed", ("noone",))],
        ),
        (
            "S",
            [Animal("x", "nobody", "S")],
            [
                PedigreeProblem(
                    "unknown-parent", "x has sire nobody, which is not listed", ("nobody",)
                ),
                PedigreeProblem("sire-and-dam", "S is used both as sire and as dam", ("S",)),
            ],
        ),
        (
            "S",
            [Animal("x", None, "S")],
            [PedigreeProblem("sire-and-dam", "S is used both as sire and as dam", ("S",))],
        ),
        (
            "D",
            [Animal("x", None, "S")],
            [PedigreeProblem("sire-and-dam", "S is used both as sire and as dam", ("S",))],
        ),
        (
            "D",
            [Animal("x", "D", None)],
            [PedigreeProblem("sire-and-dam", "D is used both as sire and as dam", ("D",))],
        ),
        (
            "S",
            [Animal("x", "D", None)],
            [PedigreeProblem("sire-and-dam", "D is used both as sire and as dam", ("D",))],
        ),
        (
            "D",
            [Animal("K"), Animal("x", "K", "K")],
            [
                PedigreeProblem("duplicate-id", "K is already in the pedigree", ("K",)),
                PedigreeProblem("sire-and-dam", "K is used both as sire and as dam", ("K",)),
            ],
        ),
    ],
)
def test_extend_problems(base: str, clutch: list[Animal], expected: list[PedigreeProblem]) -> None:
    ped = plain_pedigree(base)
    before = observe(ped)
    assert problems_of(lambda: ped.extend(clutch)) == tuple(expected)
    assert observe(ped) == before


def test_extend_checks_new_animals_against_old_sex_and_hatch_date() -> None:
    base = base_pedigree()
    assert problems_of(lambda: base.extend([Animal("x", None, "M")])) == (
        PedigreeProblem(
            "sex-mismatch", "M is recorded as dam of x but its sex is male", ("M", "x")
        ),
    )
    assert problems_of(
        lambda: base.extend([Animal("x", "S", None, hatched=dt.date(2019, 1, 15))])
    ) == (
        PedigreeProblem(
            "hatch-order",
            "S (sire, hatched 2019-02-01) is not older than its offspring x (hatched 2019-01-15)",
            ("S", "x"),
        ),
    )


# --- _layered_order ----------------------------------------------------------------------


def layered_reference(sire: Sequence[int], dam: Sequence[int]) -> tuple[list[int], list[int]]:
    """Depth by repeated relaxation (-1 on or below a cycle), order by (depth, index)."""
    n = len(sire)
    depth = [-1] * n
    changed = True
    while changed:
        changed = False
        for i in range(n):
            ps = [p for p in (sire[i], dam[i]) if p >= 0]
            if depth[i] < 0 and all(depth[p] >= 0 for p in ps):
                depth[i] = 1 + max((depth[p] for p in ps), default=-1)
                changed = True
    order = sorted((i for i in range(n) if depth[i] >= 0), key=lambda i: (depth[i], i))
    return depth, order


def check_layered(sire: Sequence[int], dam: Sequence[int]) -> None:
    depth, order = _layered_order(np.array(sire, dtype=np.int64), np.array(dam, dtype=np.int64))
    assert (depth.tolist(), order.tolist()) == layered_reference(sire, dam)
    assert depth.dtype == np.int64
    assert order.dtype == np.int64


@SETTINGS
@given(arrays=parent_arrays())
def test_layered_order_on_any_parent_arrays(arrays: tuple[list[int], list[int]]) -> None:
    """Depths and a stable topological order; cycles and what is below them left out."""
    check_layered(*arrays)


@pytest.mark.parametrize("seed", range(4))
def test_layered_order_on_large_random_graphs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    sire = np.where(rng.random(n) < 0.3, -1, rng.integers(0, n, n))
    dam = np.where(rng.random(n) < 0.3, -1, rng.integers(0, n, n))
    if seed % 2:  # parents listed anywhere, but no cycle
        rank = rng.permutation(n)
        sire = np.where((sire >= 0) & (rank[np.maximum(sire, 0)] < rank), sire, -1)
        dam = np.where((dam >= 0) & (rank[np.maximum(dam, 0)] < rank), dam, -1)
    check_layered(sire.tolist(), dam.tolist())


def test_layered_order_known_answer() -> None:
    # 0 founder; 1 child of 0; 2 and 3 a cycle below 1; 4 below the cycle; 5 its own parent
    depth, order = _layered_order(
        np.array([-1, 0, 3, 2, 2, 5, -1]), np.array([-1, -1, 1, -1, -1, -1, -1])
    )
    assert depth.tolist() == [0, 1, -1, -1, -1, -1, 0]
    assert order.tolist() == [0, 6, 1]
