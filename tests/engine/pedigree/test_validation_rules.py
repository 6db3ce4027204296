"""The validation rules one by one: each problem's code, exact message and animals."""

from __future__ import annotations

import datetime as dt

from reptidex.engine.pedigree import Animal, PedigreeProblem, Sex, find_cycles, find_problems


def test_a_duplicate_id_names_the_animal() -> None:
    """An id listed twice is one problem naming that id."""
    assert find_problems([Animal("A"), Animal("A")]) == [
        PedigreeProblem("duplicate-id", "A is listed 2 times", ("A",))
    ]


def test_an_own_parent_names_the_animal() -> None:
    """An animal recorded as its own sire is one problem naming it (and no cycle)."""
    assert find_problems([Animal("A", "A", None)]) == [
        PedigreeProblem("own-parent", "A is recorded as its own parent", ("A",))
    ]


def test_a_male_dam_is_reported_when_the_sire_is_unknown() -> None:
    """An unknown sire does not stop the dam's check: a male dam is named with her offspring."""
    assert find_problems([Animal("M", sex=Sex.MALE), Animal("K", None, "M")]) == [
        PedigreeProblem("sex-mismatch", "M is recorded as dam of K but its sex is male", ("M", "K"))
    ]


def test_a_female_sire_is_reported() -> None:
    """A sire recorded as female is named with its offspring."""
    assert find_problems([Animal("F", sex=Sex.FEMALE), Animal("K", "F", None)]) == [
        PedigreeProblem(
            "sex-mismatch", "F is recorded as sire of K but its sex is female", ("F", "K")
        )
    ]


def test_a_parent_hatched_the_same_day_is_not_older() -> None:
    """A parent hatched on the same day as its offspring breaks the hatch order."""
    day = dt.date(2020, 5, 1)
    records = [Animal("D", hatched=day), Animal("K", None, "D", hatched=day)]
    assert find_problems(records) == [
        PedigreeProblem(
            "hatch-order",
            "D (dam, hatched 2020-05-01) is not older than its offspring K (hatched 2020-05-01)",
            ("D", "K"),
        )
    ]


def test_an_own_parent_is_no_edge_of_a_cycle() -> None:
    """The cycle through an animal that is also its own parent is named without the self-loop."""
    problems = find_problems([Animal("A", "A", "B"), Animal("B", "A", None)])
    assert problems == [
        PedigreeProblem("own-parent", "A is recorded as its own parent", ("A",)),
        PedigreeProblem("cycle", "cycle: A -> B -> A (each has the next as a parent)", ("A", "B")),
    ]


def test_a_cycle_entered_from_a_founder_is_found() -> None:
    """A cycle whose first animal also has a listed founder parent is still reported."""
    assert [p.animals for p in find_cycles({"F": [], "A": ["F", "B"], "B": ["A"]})] == [("A", "B")]


def test_a_cycle_behind_an_offspring_is_found() -> None:
    """An animal descended from a cycle, sorting before it, does not hide the cycle."""
    assert [p.animals for p in find_cycles({"A": ["B"], "B": ["C"], "C": ["B"]})] == [("B", "C")]


def test_a_simple_cycle_message_has_no_knot() -> None:
    """A group that is exactly one cycle is worded without a knot size."""
    assert find_cycles({"A": ["B"], "B": ["C"], "C": ["A"]}) == [
        PedigreeProblem(
            "cycle", "cycle: A -> B -> C -> A (each has the next as a parent)", ("A", "B", "C")
        )
    ]


def test_a_knot_names_one_cycle_and_its_size() -> None:
    """A group larger than the cycle named in it says how many animals it holds."""
    assert find_cycles({"A": ["B"], "B": ["A", "C"], "C": ["B"]}) == [
        PedigreeProblem(
            "cycle",
            "cycle: A -> B -> A (each has the next as a parent) (a knot of 3 animals)",
            ("A", "B"),
        )
    ]


def test_a_cycle_is_named_in_its_own_group() -> None:
    """A cycle's animal with a parent on another cycle first is still named on its own cycle."""
    parents = {"A": ["C", "B"], "B": ["A"], "C": ["D"], "D": ["C"]}
    assert [p.animals for p in find_cycles(parents)] == [("A", "B"), ("C", "D")]


def test_cycles_are_reported_by_smallest_id_each_from_its_smallest_id() -> None:
    """Many disjoint cycles come sorted by their smallest id, each starting from it."""
    parents: dict[str, list[str]] = {}
    for group in range(8):
        members = [f"g{group}-{k:02d}" for k in range(12)]
        for k, member in enumerate(members):
            parents[member] = [members[(k + 1) % len(members)]]
    listed = dict(sorted(parents.items(), key=lambda item: item[0][::-1]))
    problems = find_cycles(listed)
    assert [p.animals[0] for p in problems] == [f"g{group}-00" for group in range(8)]
    assert problems[0].animals == tuple(f"g0-{k:02d}" for k in range(12))


def test_hatch_order_is_by_day_whether_dates_or_datetimes() -> None:
    """A parent hatched the same day as its offspring is not older, whatever the time of day,
    and a date beside a datetime is compared, not a TypeError."""
    import datetime as dt

    morning, evening = dt.datetime(2020, 1, 1, 8), dt.datetime(2020, 1, 1, 20)
    for parent, kid in (
        (morning, evening),
        (dt.date(2020, 1, 1), evening),
        (morning, dt.date(2020, 1, 1)),
    ):
        problems = find_problems([Animal("S", hatched=parent), Animal("K", "S", None, hatched=kid)])
        assert [p.code for p in problems] == ["hatch-order"], (parent, kid)
    older = [Animal("S", hatched=dt.date(2019, 12, 31)), Animal("K", "S", None, hatched=evening)]
    assert find_problems(older) == []
