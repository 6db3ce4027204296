"""The pedigree readers' rules, one by one: separators, suffixes, blank and short rows, the
line numbers and wording of every problem, progress, and the networkx conversions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import networkx as nx
import pytest

from reptidex.engine.pedigree import (
    PedigreeError,
    from_graph,
    parse_csv,
    parse_records,
    read_csv,
    read_records,
    to_graph,
)
from reptidex.engine.pedigree.model import Sex
from reptidex.engine.pedigree.validation import PedigreeProblem


def problems_of(error: pytest.ExceptionInfo[PedigreeError]) -> list[PedigreeProblem]:
    return list(error.value.problems)


def both_readers(text: str) -> list[tuple[str, str | None, str | None]]:
    """The (id, sire, dam) rows of ``text`` read row by row and column-wise; they must agree."""
    rows = [(a.id, a.sire, a.dam) for a in parse_records(text.splitlines(keepends=True))]
    pedigree = parse_csv(text, missing_parents="founders")
    listed = {a.id for a in parse_records(text.splitlines(keepends=True))}
    columns = [(a.id, a.sire, a.dam) for a in pedigree.animals if a.id in listed]
    assert columns == rows
    return rows


# --- separators --------------------------------------------------------------------------


def test_a_semicolon_header_without_commas_means_semicolons() -> None:
    assert both_readers("id;sire;dam\nS;;\nD;;\nK;S;D\n")[-1] == ("K", "S", "D")


def test_a_header_with_semicolons_and_commas_means_commas() -> None:
    records = parse_records(["id,sire,dam,notes;more", "K,S,D,a;b"])
    assert records[0].attributes == {"notes;more": "a;b"}
    assert (records[0].sire, records[0].dam) == ("S", "D")


def test_a_tab_in_the_header_means_tabs_whatever_the_suffix() -> None:
    assert both_readers("id\tsire\tdam\nS\t\t\nD\t\t\nK\tS\tD\n")[-1] == ("K", "S", "D")


def test_a_byte_order_mark_before_the_header_is_ignored() -> None:
    assert [a.id for a in parse_records(["\ufeffid,sire,dam", "A,,"])] == ["A"]


@pytest.mark.parametrize("suffix", ["tsv", "TAB"])
def test_a_tsv_or_tab_file_is_read_with_tabs_even_when_its_header_has_commas(
    tmp_path: Path, suffix: str
) -> None:
    folder = tmp_path / "a.b"  # a dot before the suffix's: only the last one counts
    folder.mkdir()
    path = folder / f"pedigree.{suffix}"
    path.write_text("id,sire,dam\nA,,\n", encoding="utf-8")
    expected = PedigreeProblem(
        "bad-row", "line 1: the header has no id or sire or dam column (found: id,sire,dam)", ()
    )
    with pytest.raises(PedigreeError) as by_rows:
        read_records(path)
    with pytest.raises(PedigreeError) as by_columns:
        read_csv(path)
    assert problems_of(by_rows) == problems_of(by_columns) == [expected]


def test_a_file_without_a_suffix_has_its_separator_guessed(tmp_path: Path) -> None:
    path = tmp_path / "pedigree"
    path.write_text("id,sire,dam\nS,,\nD,,\nK,S,D\n", encoding="utf-8")
    assert [a.id for a in read_records(path)] == ["S", "D", "K"]
    assert read_csv(path).parents("K") == ("S", "D")


def test_line_breaks_inside_a_quoted_field_are_kept_as_written(tmp_path: Path) -> None:
    path = tmp_path / "pedigree.csv"
    path.write_bytes(b'id,sire,dam,notes\r\nA,,,"first\r\nsecond"\r\n')
    assert read_records(path)[0].attributes == {"notes": "first\r\nsecond"}
    assert read_csv(path).animals[0].attributes == {"notes": "first\r\nsecond"}


# --- problems and their line numbers ------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n"])
def test_an_empty_file_or_an_empty_header_is_one_clear_problem(text: str) -> None:
    with pytest.raises(PedigreeError) as by_rows:
        parse_records(text.splitlines(keepends=True))
    with pytest.raises(PedigreeError) as by_columns:
        parse_csv(text)
    expected = (
        PedigreeProblem("bad-row", "the file is empty", ())
        if not text
        else PedigreeProblem(
            "bad-row", "line 1: the header has no id or sire or dam column (found: nothing)", ()
        )
    )
    assert problems_of(by_rows) == problems_of(by_columns) == [expected]


def test_the_missing_columns_are_named_with_what_the_header_holds() -> None:
    with pytest.raises(PedigreeError) as error:
        parse_csv("id,x\nA,1\n")
    assert problems_of(error) == [
        PedigreeProblem(
            "bad-row", "line 1: the header has no sire or dam column (found: id, x)", ()
        )
    ]


def test_a_field_beyond_the_csv_limit_is_a_problem_with_its_line() -> None:
    text = "id,sire,dam\nA,,\nB,," + "x" * 200_000 + "\n"
    with pytest.raises(PedigreeError) as by_rows:
        parse_records(text.splitlines(keepends=True))
    with pytest.raises(PedigreeError) as by_columns:
        parse_csv(text)
    message = "line 3: field larger than field limit (131072)"
    assert (
        problems_of(by_rows) == problems_of(by_columns) == [PedigreeProblem("bad-row", message, ())]
    )


def test_blank_rows_are_skipped_and_lines_still_counted() -> None:
    text = "id,sire,dam\nA,,\n\n   \n,S,D\nB,,,extra\nC\n"
    expected = [PedigreeProblem("bad-row", "line 5: the id is empty", ())]
    with pytest.raises(PedigreeError) as by_rows:
        parse_records(text.splitlines(keepends=True))
    with pytest.raises(PedigreeError) as by_columns:
        parse_csv(text)
    assert problems_of(by_rows) == problems_of(by_columns) == expected


def test_short_rows_are_padded_and_long_rows_cut() -> None:
    assert both_readers("id,sire,dam\nS\nD,,,ignored\nK,S,D\n") == [
        ("S", None, None),
        ("D", None, None),
        ("K", "S", "D"),
    ]


def test_lines_are_counted_across_batches_of_rows() -> None:
    """A first batch of 50,000 blank rows is skipped, and the problem after it keeps its line."""
    text = "id,sire,dam\n" + "\n" * 50_000 + "A,,\n,S,D\n"
    with pytest.raises(PedigreeError) as error:
        parse_csv(text)
    assert problems_of(error) == [PedigreeProblem("bad-row", "line 50003: the id is empty", ())]
    assert [a.id for a in parse_csv("id,sire,dam\n" + "\n" * 50_000 + "A,,\n").animals] == ["A"]


def test_a_blank_hatch_date_is_unknown_not_unreadable() -> None:
    text = "id,sire,dam,hatched\nA,,,   \nB,,,2020-05-01\n"
    pedigree = parse_csv(text)
    assert [a.hatched for a in pedigree.animals] == [None, dt.date(2020, 5, 1)]
    assert [a.hatched for a in parse_records(text.splitlines())] == [None, dt.date(2020, 5, 1)]


def test_a_gender_column_is_read_as_the_sex() -> None:
    text = "id,sire,dam,gender\nS,,,m\nD,,,f\n"
    assert [a.sex for a in parse_csv(text).animals] == [Sex.MALE, Sex.FEMALE]
    assert [a.sex for a in parse_records(text.splitlines())] == [Sex.MALE, Sex.FEMALE]


# --- progress -----------------------------------------------------------------------------


def test_progress_is_reported_in_whole_lines_about_every_mebibyte(tmp_path: Path) -> None:
    line = "A0000000000,S0000000000,D0000000000\n"
    rows = [f"A{k:010d},S{k:010d},D{k:010d}\n" for k in range(90_000)]
    assert {len(row) for row in rows} == {len(line)}
    path = tmp_path / "big.csv"
    path.write_text("id,sire,dam\n" + "".join(rows), encoding="utf-8")
    total = path.stat().st_size
    calls: list[tuple[int, int]] = []
    read_csv(path, progress=lambda done, of: calls.append((done, of)), missing_parents="founders")
    assert {of for _, of in calls} == {total}
    assert calls[-1] == (total, total)
    done = [d for d, _ in calls[:-1]]
    header = len("id,sire,dam\n")
    assert len(done) >= 3  # about 3.2 MiB, reported block by block
    assert all((d - header) % len(line) == 0 or d == total for d in done)  # whole lines
    steps = [b - a for a, b in zip([0, *done], done, strict=False)]
    assert all(0 < step <= (1 << 20) + len(line) for step in steps)


# --- networkx -----------------------------------------------------------------------------


def test_to_graph_keeps_hatch_dates_roles_and_attributes() -> None:
    pedigree = parse_csv("id,sire,dam,hatched,colour\nS,,,2019-01-02,red\nD,,,,\nK,S,D,,\n")
    graph = to_graph(pedigree)
    assert graph.nodes["S"] == {"colour": "red", "sex": "unknown", "hatched": dt.date(2019, 1, 2)}
    assert "hatched" not in graph.nodes["D"]
    assert graph.edges["S", "K"] == {"role": "sire"}
    assert graph.edges["D", "K"] == {"role": "dam"}
    assert from_graph(graph).animals == pedigree.animals


def test_from_graph_reads_sex_dates_and_attributes() -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_node("S", sex="male", hatched="2019-01-02", colour="red", weight=1200)
    graph.add_node("D", sex="F", hatched=dt.date(2019, 3, 4))
    graph.add_edge("S", "K")  # roles from the parents' sexes
    graph.add_edge("D", "K")
    pedigree = from_graph(graph)
    sire = pedigree.animals[0]
    assert (sire.sex, sire.hatched) == (Sex.MALE, dt.date(2019, 1, 2))
    assert sire.attributes == {"colour": "red", "weight": "1200"}
    assert pedigree.animals[1].hatched == dt.date(2019, 3, 4)
    assert pedigree.animals[1].attributes == {}
    assert pedigree.parents("K") == ("S", "D")


def test_from_graph_names_every_parent_it_cannot_place() -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edge("X", "K")  # no role, no sex
    graph.add_edge("S1", "L", role="sire")
    graph.add_edge("S2", "L", role="sire")
    with pytest.raises(PedigreeError) as error:
        from_graph(graph)
    assert problems_of(error) == [
        PedigreeProblem("bad-row", "cannot tell whether X is sire or dam of K", ()),
        PedigreeProblem("bad-row", "L has two parents recorded as sire", ()),
    ]


def test_only_a_byte_order_mark_is_taken_off_the_header() -> None:
    records = parse_records(["Xtra,id,sire,dam", "1,A,,"])
    assert records[0].attributes == {"Xtra": "1"}
    assert parse_csv("Xtra,id,sire,dam\n1,A,,\n").animals[0].attributes == {"Xtra": "1"}


def test_from_graph_ignores_a_hatch_value_that_is_no_date() -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_node("A", hatched=2020)
    assert from_graph(graph).animals[0].hatched is None
