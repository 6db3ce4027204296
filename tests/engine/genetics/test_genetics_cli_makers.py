"""``reptidex genetics cross`` with a Banana male of unknown phase: the chance of each outcome
if he is a male maker and if a female maker, beside the marginal one."""

from __future__ import annotations

import json

import pytest

from reptidex.cli import main
from reptidex.engine.genetics import cross_morphs, load_catalog, split_by_maker


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["genetics", "cross", "--species", "ball_python", "--no-progress", *argv])
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_the_table_shows_each_phase_beside_the_marginal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "Banana", "Normal")
    assert code == 0
    assert not err
    lines = out.splitlines()
    assert lines[0].split() == [
        "phenotype",
        "chance",
        "percent",
        "if",
        "sire",
        "male",
        "maker",
        "if",
        "sire",
        "female",
        "maker",
        "sex",
    ]
    assert lines[1].split() == [
        "Banana",
        "1/4",
        "25.00%",
        "1/80",
        "(1.25%)",
        "39/80",
        "(48.75%)",
        "female",
    ]
    assert lines[2].split() == [
        "Banana",
        "1/4",
        "25.00%",
        "39/80",
        "(48.75%)",
        "1/80",
        "(1.25%)",
        "male",
    ]
    assert lines[5] == "4 outcomes; visual 1/2 (50.00%)"
    assert lines[6] == "if the sire is a male maker (1/2): 4 outcomes; visual 1/2 (50.00%)"
    assert lines[7] == "if the sire is a female maker (1/2): 4 outcomes; visual 1/2 (50.00%)"
    (split,) = split_by_maker(cross_morphs(load_catalog("ball_python"), "Banana", "Normal"))
    assert lines[8] == f"note: {split.note}"
    assert len(lines) == 9


def test_no_phase_columns_without_a_phase_in_doubt(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "male maker Banana", "Normal")
    assert code == 0
    assert "maker" not in out.splitlines()[0]
    assert "note:" not in out


def test_top_marks_outcomes_a_phase_does_not_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--top", "4", "Banana Pastel het Clown", "Pastel het Clown")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:5] == ["Pastel", "3/32", "9.38%", "117/640", "(18.28%)"]
    assert lines[1].split()[5] == "-"
    assert lines[6].startswith("if the sire is a male maker (1/2): 4 outcomes of 24 listed")


def test_json_carries_the_phases_as_the_api_does(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "Banana", "Normal")
    assert code == 0
    body = json.loads(out)
    (split,) = split_by_maker(cross_morphs(load_catalog("ball_python"), "Banana", "Normal"))
    assert body["maker_phases"] == [split.to_dict()]
    code, out, _ = run(capsys, "--json", "--top", "2", "Banana", "Normal")
    phases = json.loads(out)["maker_phases"][0]["phases"]
    assert [len(p["outcomes"]) for p in phases] == [2, 2]
    assert [p["omitted_probability"] for p in phases] == ["1/40", "1/40"]
    code, out, _ = run(capsys, "--json", "Pastel", "Normal")
    assert json.loads(out)["maker_phases"] == []
