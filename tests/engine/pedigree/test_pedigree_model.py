"""Building, reading, validating and converting pedigrees."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np
import pytest

from reptidex.engine.pedigree import (
    Animal,
    MissingParentWarning,
    Pedigree,
    PedigreeError,
    Sex,
    find_problems,
    from_graph,
    inbreeding,
    parse_csv,
    read_csv,
    read_records,
    to_graph,
)


def codes(error: PedigreeError) -> list[str]:
    return [p.code for p in error.problems]


def test_parents_precede_offspring_whatever_the_row_order() -> None:
    ped = Pedigree([Animal("c", "b", "a"), Animal("b", "s", "a"), Animal("s"), Animal("a")])
    position = {x: i for i, x in enumerate(ped.ids)}
    for x in ped.ids:
        for p in ped.parents(x):
            if p is not None:
                assert position[p] < position[x]
    assert ped.record_order == ("c", "b", "s", "a")


def test_missing_parent_becomes_founder_with_warning() -> None:
    with pytest.warns(MissingParentWarning, match="1 parent"):
        ped = Pedigree([Animal("k", "S", None), Animal("S2")])
    assert "S" in ped
    assert ped.parents("S") == (None, None)
    assert ped.animal("S").sex is Sex.MALE


@pytest.mark.parametrize("build", ["records", "columns", "one by one", "csv"])
def test_missing_parents_founders_or_unknown_without_a_warning(build: str) -> None:
    # K's sire S is listed with parents of its own that are not; D is not listed
    rows = [Animal("K", "S", "D"), Animal("S", "SS", "SD")]

    def make(missing: Literal["warn", "founders", "unknown"]) -> Pedigree:
        if build == "records":
            return Pedigree(rows, missing_parents=missing)
        if build == "columns":
            return Pedigree.from_columns(
                [a.id for a in rows],
                [a.sire for a in rows],
                [a.dam for a in rows],
                missing_parents=missing,
            )
        if build == "csv":
            text = "id,sire,dam\n" + "".join(f"{a.id},{a.sire},{a.dam}\n" for a in rows)
            return parse_csv(text, missing_parents=missing)
        ped = Pedigree.__new__(Pedigree)
        ped._one_by_one(list(rows), missing)  # the reference the array path is held to
        return ped

    with pytest.warns(MissingParentWarning, match="3 parent"):
        warned = make("warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        founders = make("founders")
        unknown = make("unknown")
    assert founders.ids == warned.ids == ("D", "SS", "SD", "S", "K")
    assert founders.sexes == warned.sexes
    assert founders.parents("S") == ("SS", "SD")
    assert unknown.ids == ("S", "K")
    assert unknown.parents("K") == ("S", None)
    assert unknown.parents("S") == (None, None)
    assert unknown.record_order == ("K", "S")


def test_unlisted_parents_taken_as_unknown_are_no_problem() -> None:
    # X, not listed, is used as sire and as dam: a problem only if it is made a founder
    rows = [Animal("A", "X", None), Animal("B", None, "X")]
    with pytest.raises(PedigreeError) as caught:
        Pedigree(rows, missing_parents="founders")
    assert codes(caught.value) == ["sire-and-dam"]
    assert Pedigree(rows, missing_parents="unknown").parents("B") == (None, None)


def test_missing_parents_takes_three_values() -> None:
    with pytest.raises(ValueError, match="missing_parents"):
        Pedigree([Animal("A")], missing_parents="drop")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="missing_parents"):
        Pedigree.from_columns(["A"], [None], [None], missing_parents="")  # type: ignore[arg-type]


def test_all_problems_reported_at_once() -> None:
    records = [
        Animal("A", "A"),
        Animal("B", "X", "Y"),
        Animal("C", "Y", "X"),
        Animal("M", sex=Sex.FEMALE),
        Animal("K", "M", None),
        Animal("D"),
        Animal("D"),
        Animal("old", None, None, hatched=dt.date(2020, 1, 1)),
        Animal("young", "old", None, hatched=dt.date(2019, 5, 1)),
        Animal("p", "q"),
        Animal("q", "r"),
        Animal("r", "p"),
    ]
    with pytest.raises(PedigreeError) as caught:
        Pedigree(records)
    found = codes(caught.value)
    for code in ("own-parent", "sire-and-dam", "sex-mismatch", "duplicate-id", "hatch-order"):
        assert code in found
    cycle = next(p for p in caught.value.problems if p.code == "cycle")
    assert set(cycle.animals) == {"p", "q", "r"}
    assert "p" in cycle.message
    assert {p.animals for p in caught.value.problems if p.code == "sire-and-dam"} == {
        ("X",),
        ("Y",),
    }
    assert len(str(caught.value).splitlines()) == len(caught.value.problems)


def test_two_separate_cycles_are_both_named() -> None:
    problems = find_problems(
        [Animal("a", "b"), Animal("b", "a"), Animal("x", None, "y"), Animal("y", None, "x")]
    )
    assert sorted(p.animals for p in problems if p.code == "cycle") == [("a", "b"), ("x", "y")]


def test_read_csv_accepts_father_mother_and_unknown_markers(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "\ufeffid,father,mother,sex,hatched,morph\n"
        "S,0,NA,m,2018-04-01,normal\n"
        "D,.,,f,2018-05-02,pastel\n"
        "K,S,D,,2020-06-03,pastel\n"
    )
    ped = read_csv(path)
    assert ped.ids == ("S", "D", "K")
    kid = ped.animal("K")
    assert kid.hatched == dt.date(2020, 6, 3)
    assert kid.attributes == {"morph": "pastel"}
    assert ped.animal("S").sex is Sex.MALE


def test_read_tsv(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_text("id\tsire\tdam\nA\t\t\nB\t\t\nC\tA\tB\n")
    assert read_csv(path).parents("C") == ("A", "B")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("name,sire\nA,\n", "no id or dam column"),
        ("id,sire,dam\n,A,B\n", "line 2: the id is empty"),
        ("id,sire,dam,hatched\nA,,,yesterday\n", "cannot read the date"),
    ],
)
def test_malformed_files_give_clear_problems(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(PedigreeError, match=needle):
        read_records(path)


def test_graph_round_trip() -> None:
    ped = parse_csv("id,sire,dam,sex\nS,,,male\nD,,,female\nK,S,D,female\n")
    graph = to_graph(ped)
    assert isinstance(graph, nx.DiGraph)
    assert graph.nodes["K"]["sex"] == "female"
    back = from_graph(graph)
    assert back.ids == ped.ids
    assert back.parents("K") == ("S", "D")


def test_graph_without_roles_uses_sex() -> None:
    graph = nx.DiGraph()
    graph.add_node("S", sex="male")
    graph.add_node("D", sex="female")
    graph.add_edges_from([("S", "K"), ("D", "K")])
    assert from_graph(graph).parents("K") == ("S", "D")
    graph.add_edge("Z", "K")
    with pytest.raises(PedigreeError, match="sire or dam"):
        from_graph(graph)


def test_from_parent_indices_orders_and_checks() -> None:
    ped = Pedigree.from_parent_indices([2, -1, -1, 0], [1, -1, -1, 1], ids=list("abcd"))
    assert ped.ids == ("b", "c", "a", "d")
    assert ped.depth.tolist() == [0, 0, 1, 2]
    with pytest.raises(PedigreeError, match="cycle"):
        Pedigree.from_parent_indices([1, 0], [-1, -1])
    with pytest.raises(PedigreeError, match="own parent"):
        Pedigree.from_parent_indices([0], [-1])
    with pytest.raises(PedigreeError, match="both as sire and as dam"):
        Pedigree.from_parent_indices([-1, -1, 0, 1], [-1, -1, 1, 2])


def test_pedigree_is_immutable() -> None:
    ped = parse_csv("id,sire,dam\nS,,\nD,,\nK,S,D\n")
    with pytest.raises(ValueError, match="read-only"):
        ped.sire[2] = 1
    with pytest.raises(AttributeError):
        ped.foo = 1  # type: ignore[attr-defined]
    table = inbreeding(ped)
    with pytest.raises(ValueError, match="read-only"):
        table.array[0] = 1.0


def test_extend_keeps_old_positions_and_validates() -> None:
    ped = parse_csv("id,sire,dam,sex\nS,,,m\nD,,,f\nK,S,D,f\n")
    bigger = ped.extend([Animal("e2", "S", "e1"), Animal("e1", "S", "K")])
    assert bigger.ids[:3] == ped.ids
    assert bigger.ids[3:] == ("e1", "e2")
    assert bigger.depth.tolist() == [0, 0, 1, 2, 3]
    with pytest.raises(PedigreeError, match="not listed"):
        ped.extend([Animal("x", "nobody", "D")])
    with pytest.raises(PedigreeError, match="both as sire and as dam"):
        ped.extend([Animal("x", "D", "K")])
    with pytest.raises(PedigreeError, match="already in the pedigree"):
        ped.extend([Animal("K")])
    assert len(ped) == 3
    np.testing.assert_array_equal(bigger.children_index()[0], [0, 3, 4, 5, 6, 6])
