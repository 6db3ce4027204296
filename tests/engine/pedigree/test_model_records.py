"""Records as they come in: mappings, sexes, missing parents, errors and the reading API."""

from __future__ import annotations

import datetime as dt
import inspect
import random
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pedigree_testkit import random_records, warned_at

from reptidex.engine.pedigree import (
    Animal,
    MissingParentWarning,
    Pedigree,
    PedigreeError,
    PedigreeProblem,
    Sex,
)

MissingParents = Literal["warn", "founders", "unknown"]


def codes(error: PedigreeError) -> list[str]:
    return [p.code for p in error.problems]


def next_line() -> int:
    """The line number just after the caller's line."""
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno + 1


where = warned_at


# --- Sex.parse ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("male", Sex.MALE),
        (" M ", Sex.MALE),
        ("1", Sex.MALE),
        ("sire", Sex.MALE),
        ("SIRE", Sex.MALE),
        ("♂", Sex.MALE),
        ("female", Sex.FEMALE),
        ("f", Sex.FEMALE),
        ("2", Sex.FEMALE),
        ("dam", Sex.FEMALE),
        ("Dam", Sex.FEMALE),
        ("♀", Sex.FEMALE),
        (None, Sex.UNKNOWN),
        ("", Sex.UNKNOWN),
        ("0", Sex.UNKNOWN),
        ("3", Sex.UNKNOWN),
        ("none", Sex.UNKNOWN),
    ],
)
def test_sex_parse_reads_breeder_spellings(text: str | None, sex: Sex) -> None:
    assert Sex.parse(text) is sex


# --- mapping records ----------------------------------------------------------------


def build(records: list[Mapping[str, Any]], missing: MissingParents = "warn") -> Pedigree:
    """A pedigree from mapping records; any warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return Pedigree(records, missing_parents=missing)


def test_mapping_record_with_every_field() -> None:
    ped = build(
        [
            {"id": "S", "sex": "male", "hatched": dt.date(2018, 4, 1)},
            {"id": "D", "sex": Sex.FEMALE},
            {
                "id": "K",
                "sire": "S",
                "dam": "D",
                "sex": "f",
                "hatched": "2020-06-03",
                "morph": "pastel",
                "weight": 120,
            },
        ]
    )
    assert ped.ids == ("S", "D", "K")
    kid = ped.animal("K")
    assert kid == Animal(
        "K", "S", "D", Sex.FEMALE, dt.date(2020, 6, 3), {"morph": "pastel", "weight": "120"}
    )
    assert dict(kid.attributes) == {"morph": "pastel", "weight": "120"}
    assert ped.animal("S") == Animal("S", sex=Sex.MALE, hatched=dt.date(2018, 4, 1))
    assert ped.animal("D") == Animal("D", sex=Sex.FEMALE)
    assert dict(ped.animal("D").attributes) == {}


def test_mapping_record_with_only_an_id() -> None:
    ped = build([{"id": "A"}])
    assert ped.ids == ("A",)
    assert ped.animal("A") == Animal("A")
    assert dict(ped.animal("A").attributes) == {}


def test_father_and_mother_are_read_as_sire_and_dam() -> None:
    ped = build([{"id": "S"}, {"id": "D"}, {"id": "K", "father": "S", "mother": "D"}])
    assert ped.parents("K") == ("S", "D")
    assert dict(ped.animal("K").attributes) == {}
    assert ped.animal("S").sex is Sex.UNKNOWN


def test_sire_and_dam_keys_are_not_kept_as_attributes() -> None:
    ped = build([{"id": "S"}, {"id": "D"}, {"id": "K", "sire": "S", "dam": "D", "sex": "m"}])
    assert ped.parents("K") == ("S", "D")
    assert dict(ped.animal("K").attributes) == {}


def test_non_string_ids_and_parents_become_strings() -> None:
    ped = build([{"id": 1, "sex": 1}, {"id": 2, "sex": 2}, {"id": 3, "sire": 1, "dam": 2}])
    assert ped.ids == ("1", "2", "3")
    assert ped.parents("3") == ("1", "2")
    assert ped.sexes == (Sex.MALE, Sex.FEMALE, Sex.UNKNOWN)


def test_one_known_parent_in_a_mapping() -> None:
    ped = build([{"id": "S"}, {"id": "D"}, {"id": "a", "sire": "S"}, {"id": "b", "mother": "D"}])
    assert ped.parents("a") == ("S", None)
    assert ped.parents("b") == (None, "D")


@pytest.mark.parametrize("blank", ["", None])
def test_blank_parents_are_unknown(blank: str | None) -> None:
    ped = build([{"id": "K", "sire": blank, "dam": blank}])
    assert ped.ids == ("K",)
    assert ped.parents("K") == (None, None)


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_hatch_date_is_unknown(blank: str) -> None:
    ped = build([{"id": "A", "hatched": blank}])
    assert ped.animal("A").hatched is None
    assert dict(ped.animal("A").attributes) == {}


def test_hatch_date_string_and_date_are_read() -> None:
    ped = build([{"id": "A", "hatched": "2021-02-03"}, {"id": "B", "hatched": dt.date(2021, 2, 4)}])
    assert ped.animal("A").hatched == dt.date(2021, 2, 3)
    assert ped.animal("B").hatched == dt.date(2021, 2, 4)
    assert dict(ped.animal("A").attributes) == dict(ped.animal("B").attributes) == {}


@pytest.mark.parametrize(
    ("given_sex", "sex"),
    [("f", Sex.FEMALE), ("Male", Sex.MALE), (2, Sex.FEMALE), (Sex.MALE, Sex.MALE)],
)
def test_sex_of_a_mapping_record(given_sex: object, sex: Sex) -> None:
    ped = build([{"id": "A", "sex": given_sex}])
    assert ped.animal("A").sex is sex
    assert dict(ped.animal("A").attributes) == {}


def test_sex_missing_from_a_mapping_is_unknown() -> None:
    assert build([{"id": "A", "morph": "het"}]).animal("A").sex is Sex.UNKNOWN


# --- missing parents: the warning -----------------------------------------------------


def orphans(names: list[str]) -> list[Animal]:
    """One listed kid per name, with that name as an unlisted sire."""
    return [Animal(f"kid{k}", name, None) for k, name in enumerate(names)]


def warning_text(records: list[Animal]) -> str:
    with pytest.warns(MissingParentWarning) as caught:
        Pedigree(records)
    assert len(caught) == 1
    return str(caught[0].message)


def test_warning_lists_ten_names_sorted_then_how_many_more() -> None:
    names = [f"P{i:02d}" for i in range(12)]
    random.Random(4).shuffle(names)
    assert warning_text(orphans(names)) == (
        "12 parent(s) referenced but not listed, taken as founders: "
        "P00, P01, P02, P03, P04, P05, P06, P07, P08, P09 and 2 more"
    )


def test_warning_with_exactly_ten_names_says_no_more() -> None:
    names = [f"P{i}" for i in range(10)][::-1]
    assert warning_text(orphans(names)) == (
        "10 parent(s) referenced but not listed, taken as founders: "
        "P0, P1, P2, P3, P4, P5, P6, P7, P8, P9"
    )


def test_warning_with_eleven_names() -> None:
    names = [f"Q{i:02d}" for i in range(11)]
    assert warning_text(orphans(names)).endswith(": " + ", ".join(names[:10]) + " and 1 more")


def test_warning_with_one_name() -> None:
    assert warning_text(orphans(["X"])) == (
        "1 parent(s) referenced but not listed, taken as founders: X"
    )


@settings(max_examples=30, deadline=None)
@given(st.sets(st.text("abcXYZ", min_size=1, max_size=4), min_size=1, max_size=25))
def test_warning_names_at_most_ten_sorted(names: set[str]) -> None:
    text = warning_text(orphans(sorted(names, reverse=True)))
    head, shown = text.split(": ", 1)
    assert head == f"{len(names)} parent(s) referenced but not listed, taken as founders"
    more = len(names) - 10
    listed = ", ".join(sorted(names)[:10])
    assert shown == (listed + f" and {more} more" if more > 0 else listed)


def test_warning_points_at_the_callers_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = next_line()
        Pedigree([Animal("K", "S", "D")])
    assert where(caught) == [(MissingParentWarning, __file__, line)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = next_line()
        Pedigree.from_columns(["K"], ["S"], [None])
    assert where(caught) == [(MissingParentWarning, __file__, line)]


# --- the record-by-record path --------------------------------------------------------
# The array checks and find_problems agree (hatch order by day on both), so the constructors
# take the record-by-record path only to word problems; its set-up is the reference the array
# path is tested against, called directly through one_by_one below.

MORNING = dt.datetime(2020, 1, 1, 8)
EVENING = dt.datetime(2020, 1, 1, 20)
SAME_DAY = (
    "S (sire, hatched 2020-01-01T08:00:00) is not older than its offspring K "
    "(hatched 2020-01-01T20:00:00)"
)


def test_same_day_hatching_is_worded_from_the_records() -> None:
    with pytest.raises(PedigreeError) as caught:
        Pedigree([Animal("S", "X", None, hatched=MORNING), Animal("K", "S", None, hatched=EVENING)])
    assert str(caught.value) == SAME_DAY


def test_from_columns_words_problems_from_every_column() -> None:
    with pytest.raises(PedigreeError) as caught:
        Pedigree.from_columns(
            ["S", "K"],
            ["X", "S"],
            [None, None],
            [Sex.FEMALE, Sex.MALE],
            [MORNING, EVENING],
            [{"morph": "pastel"}, {"morph": "normal"}],
            missing_parents="founders",
        )
    assert str(caught.value).splitlines() == [
        "S is recorded as sire of K but its sex is female",
        SAME_DAY,
    ]


def test_from_columns_words_hatch_problems_without_sexes_or_attributes() -> None:
    with pytest.raises(PedigreeError) as caught:
        Pedigree.from_columns(["S", "K"], ["X", "S"], [None, None], hatched=[MORNING, EVENING])
    assert str(caught.value) == SAME_DAY


def test_reference_path_sets_up_every_column() -> None:
    day = dt.timedelta(days=1)
    records = [
        Animal("S", "X", None, Sex.MALE, MORNING, {"morph": "pastel"}),
        Animal("K", "S", None, Sex.FEMALE, EVENING + day),
    ]
    ped = one_by_one(records, "founders")
    assert ped.ids == ("X", "S", "K")
    assert ped.animal("K") == Animal("K", "S", None, Sex.FEMALE, EVENING + day)
    assert dict(ped.animal("S").attributes) == {"morph": "pastel"}
    assert ped.children("X") == ("S",)
    assert ped.children("S") == ("K",)
    assert ped.children_index()[0].tolist() == [0, 1, 2, 2]


def one_by_one(records: list[Animal], missing: MissingParents = "warn") -> Pedigree:
    """The record-by-record reference, called as the constructor calls it."""
    ped = Pedigree.__new__(Pedigree)
    ped._one_by_one(records, missing)
    return ped


def test_reference_path_warns_at_the_callers_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ped = Pedigree.__new__(Pedigree)
        line = next_line()
        ped._one_by_one([Animal("K", "S", "D")])
    assert where(caught) == [(MissingParentWarning, __file__, line)]
    assert ped.ids == ("S", "D", "K")
    assert ped.children("D") == ("K",)


def test_reference_path_keeps_listed_parents_when_unlisted_ones_are_dropped() -> None:
    ped = one_by_one(
        [Animal("K", "S", "D"), Animal("S"), Animal("D"), Animal("L", "Z", "Y")], "unknown"
    )
    assert ped.parents("K") == ("S", "D")
    assert ped.parents("L") == (None, None)
    assert ped.ids == ("S", "D", "L", "K")


# Unlisted X is sire of A and dam of B: a problem only unless unlisted parents are dropped.
TROUBLED = [
    Animal("A", "X", None),
    Animal("B", None, "X"),
    Animal("C", "C", None),
    Animal("K", "S", "D"),
    Animal("S", sex=Sex.MALE),
    Animal("D", sex=Sex.MALE),
]


def test_problems_with_unlisted_parents_dropped() -> None:
    with pytest.raises(PedigreeError) as caught:
        Pedigree(TROUBLED, missing_parents="unknown")
    assert codes(caught.value) == ["own-parent", "sex-mismatch"]
    with pytest.raises(PedigreeError) as caught:
        Pedigree(TROUBLED, missing_parents="founders")
    assert codes(caught.value) == ["own-parent", "sire-and-dam", "sex-mismatch"]


def test_problems_from_columns_with_unlisted_parents_dropped() -> None:
    columns = ([a.id for a in TROUBLED], [a.sire for a in TROUBLED], [a.dam for a in TROUBLED])
    sexes = [a.sex for a in TROUBLED]
    with pytest.raises(PedigreeError) as caught:
        Pedigree.from_columns(*columns, sexes, missing_parents="unknown")
    assert codes(caught.value) == ["own-parent", "sex-mismatch"]


def test_from_columns_rejects_columns_of_other_lengths() -> None:
    with pytest.raises(ValueError, match=r"^every column must have one entry per animal$"):
        Pedigree.from_columns(["A", "B"], [None, None], [None])


# --- errors ---------------------------------------------------------------------------


def test_pedigree_error_says_one_problem_a_line() -> None:
    with pytest.raises(PedigreeError) as caught:
        Pedigree([Animal("A", "A"), Animal("B", None, "B")])
    assert str(caught.value) == "A is recorded as its own parent\nB is recorded as its own parent"
    problems = [PedigreeProblem("x", "one", ()), PedigreeProblem("y", "two", ())]
    error = PedigreeError(problems)
    assert str(error) == "one\ntwo"
    assert error.problems == tuple(problems)


def test_unknown_id_is_a_worded_key_error() -> None:
    ped = Pedigree([Animal("A")])
    with pytest.raises(KeyError) as caught:
        ped.index("zz")
    assert caught.value.args == ("no animal 'zz' in the pedigree",)
    with pytest.raises(KeyError, match="no animal 'zz'"):
        ped.animal("zz")


# --- reading --------------------------------------------------------------------------


def test_iterating_gives_the_ids_in_order() -> None:
    ped = Pedigree([Animal("K", "S", "D"), Animal("S"), Animal("D")])
    assert list(ped) == ["S", "D", "K"]
    assert list(Pedigree([])) == []


def test_animal_whose_parents_are_first_in_ids() -> None:
    ped = Pedigree([Animal("D", sex=Sex.FEMALE), Animal("S", sex=Sex.MALE), Animal("K", "S", "D")])
    assert ped.ids == ("D", "S", "K")
    assert ped.animal("K") == Animal("K", "S", "D")
    other = Pedigree(
        [Animal("S", sex=Sex.MALE), Animal("D", sex=Sex.FEMALE), Animal("K", "S", "D")]
    )
    assert other.animal("K") == Animal("K", "S", "D")


def test_animal_of_a_pedigree_without_sexes() -> None:
    ped = Pedigree.from_parent_indices([-1, -1, 0], [-1, -1, 1])
    assert ped.animal("2") == Animal("2", "0", "1", Sex.UNKNOWN)
    assert ped.animal("0").sex is Sex.UNKNOWN


@pytest.mark.parametrize(
    ("records", "text"),
    [
        # a male first in ids and a kid with only that sire
        (
            [
                Animal("B", sex=Sex.MALE),
                Animal("A", sex=Sex.FEMALE),
                Animal("C", "B", "A"),
                Animal("E", "B", None),
            ],
            "<Pedigree of 4 animals, 2 founders>",
        ),
        # a female first in ids and a kid with only that dam
        (
            [Animal("A", sex=Sex.FEMALE), Animal("B", sex=Sex.MALE), Animal("F", None, "A")],
            "<Pedigree of 3 animals, 2 founders>",
        ),
        ([Animal("A"), Animal("B"), Animal("C")], "<Pedigree of 3 animals, 3 founders>"),
        ([Animal("A"), Animal("K", "A", None)], "<Pedigree of 2 animals, 1 founders>"),
    ],
)
def test_repr_counts_animals_and_founders(records: list[Animal], text: str) -> None:
    assert repr(Pedigree(records)) == text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_children_come_in_the_order_of_ids(seed: int) -> None:
    ped = Pedigree(random_records(seed, 600, unknown=0.02))
    starts, kids = ped.children_index()
    assert (
        starts.tolist()
        == np.searchsorted(
            np.sort(np.concatenate([ped.sire[ped.sire >= 0], ped.dam[ped.dam >= 0]])),
            np.arange(len(ped) + 1),
        ).tolist()
    )
    for i, ident in enumerate(ped.ids):
        mine = kids[starts[i] : starts[i + 1]].tolist()
        expected = np.flatnonzero((ped.sire == i) | (ped.dam == i)).tolist()
        assert mine == expected
        assert ped.children(ident) == tuple(ped.ids[k] for k in expected)


def test_an_animal_needs_an_id_and_an_empty_parent_is_unknown() -> None:
    with pytest.raises(ValueError, match=r"^an animal needs an id$"):
        Animal("")
    assert Animal("k", "", "") == Animal("k")
    assert Pedigree([Animal("k", "S", "")], missing_parents="founders").parents("k") == ("S", None)


def test_extend_orders_new_parents_first_whatever_their_ids() -> None:
    """A new animal's new parent precedes it, as when the pedigree is built at once."""
    base = Pedigree([Animal("S", sex=Sex.MALE), Animal("D", sex=Sex.FEMALE)])
    clutch = [Animal("k", "S", "0"), Animal("0", "S", "D", Sex.FEMALE)]
    grown = base.extend(clutch)
    whole = Pedigree([*base.animals, *clutch])
    assert grown.ids == ("S", "D", "0", "k") == whole.ids
    assert grown.depth.tolist() == [0, 0, 1, 2] == whole.depth.tolist()
