"""The ``reptidex pedigree`` command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from reptidex.cli import main
from reptidex.cli.pedigree import ProgressBar

GOOD = "id,sire,dam,sex\nK2,S,D,f\nS,,,m\nD,,,f\nB,S,D,m\nG,S,D,f\nK,B,G,m\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture
def good(tmp_path: Path) -> str:
    path = tmp_path / "good.csv"
    path.write_text(GOOD)
    return str(path)


def test_check_ok(good: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["pedigree", "check", good], capsys)
    assert code == 0
    assert "6 animals" in out
    assert err == ""


def test_check_reports_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,sire,dam,sex\nA,A,,m\nB,X,Y,f\nC,Y,X,m\np,q,\nq,p,\nM,,,f\nk,M,,\n")
    code, _, err = run(["pedigree", "check", str(path)], capsys)
    assert code == 1
    lines = err.splitlines()
    assert any("A is recorded as its own parent" in line for line in lines)
    assert any("X is used both as sire and as dam" in line for line in lines)
    assert any("cycle: p -> q -> p" in line for line in lines)
    assert any("M is recorded as sire of k but its sex is female" in line for line in lines)
    assert any(line.startswith("warning: X") for line in lines)
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["check", "inbreeding", "stats"])
@pytest.mark.parametrize(
    "content", ["", "name,father\nA,\n", "id,sire,dam\nA,B,\nB,A,\n", "id,sire,dam\nA,,\nA,,\n"]
)
def test_malformed_files_fail_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, content: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    code, out, err = run(["pedigree", command, str(path)], capsys)
    assert code == 1
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert out == ""


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(["pedigree", "inbreeding", str(tmp_path / "none.csv")], capsys)
    assert code == 1
    assert "cannot read" in err


def test_inbreeding_csv_in_input_order(good: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["pedigree", "inbreeding", good], capsys)
    assert code == 0
    assert out.splitlines() == ["id,F", "K2,0.0", "S,0.0", "D,0.0", "B,0.0", "G,0.0", "K,0.25"]


def test_inbreeding_json(good: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["pedigree", "inbreeding", good, "--json"], capsys)
    assert code == 0
    assert json.loads(out) == {"K2": 0, "S": 0, "D": 0, "B": 0, "G": 0, "K": 0.25}


def test_kinship_pair_and_matrix(good: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["pedigree", "kinship", good, "B", "G"], capsys)
    assert (code, out) == (0, "0.25\n")
    code, out, _ = run(["pedigree", "kinship", good, "--ids", "K,B,S"], capsys)
    assert code == 0
    assert out.splitlines() == [
        ",K,B,S",
        "K,0.625,0.375,0.25",
        "B,0.375,0.5,0.25",
        "S,0.25,0.25,0.5",
    ]


def test_kinship_usage_errors(good: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pedigree", "kinship", good, "B"], capsys)[0] == 2
    code, _, err = run(["pedigree", "kinship", good, "B", "nobody"], capsys)
    assert code == 1
    assert "no animal 'nobody'" in err


def test_stats(good: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["pedigree", "stats", good], capsys)
    assert code == 0
    assert "animals:" in out
    assert "highest F" in out
    assert "0.250000 (K)" in out


def test_progress_bar_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    pipe = io.StringIO()
    ProgressBar("F", pipe)(5, 10)
    assert pipe.getvalue() == ""
    screen = Terminal()
    bar = ProgressBar("F", screen)
    bar(5, 10)
    bar(10, 10)
    assert "50.0%" in screen.getvalue()
    assert screen.getvalue().endswith("100.0%\n")
