"""``reptidex pedigree`` about relatives and pictures: ancestors, descendants, relationship,
founders, mean-kinship, chart, and ``stats --json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_pedigree_cli import run

from reptidex.domain.media.rendering import Theme

# S x D gives the full sibs B and G, whose son K is inbred (F = 1/4); S x E gives L.
FAMILY = (
    "id,sire,dam,sex,name,morph,hets\n"
    "K,B,G,,,,\nS,,,male,Zeus,Pastel,Clown\nD,,,female,,Clown,\nE,,,female,,,\n"
    "B,S,D,male,,,\nG,S,D,female,,,\nL,S,E,,,,\n"
)


@pytest.fixture
def family(tmp_path: Path) -> str:
    path = tmp_path / "family.csv"
    path.write_text(FAMILY)
    return str(path)


def test_ancestors_nearest_first_then_parents_before_offspring(
    family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["pedigree", "ancestors", family, "K"], capsys)
    assert (code, err) == (0, "")
    assert out == "id,generation\nB,1\nG,1\nS,2\nD,2\n"
    code, out, _ = run(
        ["pedigree", "ancestors", family, "K", "--generations", "1", "--json"], capsys
    )
    assert json.loads(out) == {"B": 1, "G": 1}


def test_descendants(family: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["pedigree", "descendants", family, "S"], capsys)
    assert code == 0
    assert out == "id,generation\nB,1\nG,1\nL,1\nK,2\n"
    code, out, _ = run(["pedigree", "descendants", family, "K", "--json"], capsys)
    assert json.loads(out) == {}


@pytest.mark.parametrize("command", ["ancestors", "descendants"])
def test_a_walk_refuses_an_unknown_animal_and_a_depth_below_one(
    command: str, family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["pedigree", command, family, "Nobody"], capsys)
    assert (code, out) == (1, "")
    assert err == f"error: no animal 'Nobody' in {family}\n"
    code, out, err = run(["pedigree", command, family, "K", "--generations", "0"], capsys)
    assert (code, out, err) == (2, "", "error: --generations must be at least 1\n")


def test_relationship_in_words_with_the_kinship(
    family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["pedigree", "relationship", family, "B", "G"], capsys)[1] == (
        "G to B: full sib; kinship 0.25\n"
    )
    assert run(["pedigree", "relationship", family, "K", "L"], capsys)[1] == (
        "L to K: half aunt/uncle; kinship 0.125\n"
    )
    assert run(["pedigree", "relationship", family, "D", "E"], capsys)[1] == (
        "E to D: unrelated (no common ancestor); kinship 0.0\n"
    )
    code, out, _ = run(["pedigree", "relationship", family, "K", "B", "--json"], capsys)
    assert json.loads(out) == {"a": "K", "b": "B", "relationship": "sire", "kinship": 0.375}
    code, _, err = run(["pedigree", "relationship", family, "K", "X"], capsys)
    assert (code, err) == (1, f"error: no animal 'X' in {family}\n")


def test_founders_with_their_share_of_the_living_animals(
    family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # K and L have no offspring: S gave half of each, D half of K, E half of L
    code, out, _ = run(["pedigree", "founders", family], capsys)
    assert code == 0
    assert out == "id,contribution\nS,0.5\nD,0.25\nE,0.25\n"
    assert json.loads(run(["pedigree", "founders", family, "--json"], capsys)[1]) == {
        "S": 0.5,
        "D": 0.25,
        "E": 0.25,
    }


def test_mean_kinship_in_record_order(family: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["pedigree", "mean-kinship", family], capsys)
    assert code == 0
    rows = dict(line.split(",") for line in out.splitlines()[1:])
    assert out.splitlines()[0] == "id,mean_kinship"
    assert list(rows) == ["K", "S", "D", "E", "B", "G", "L"]
    # to {K, L}: K's kinship with itself (1 + 1/4) / 2 = 5/8 and with L 1/8, mean 3/8
    assert float(rows["K"]) == 0.375
    assert float(rows["E"]) == (0 + 0.25) / 2
    code, out, _ = run(["pedigree", "mean-kinship", family, "--population", "D", "--json"], capsys)
    assert json.loads(out)["D"] == 0.5
    assert json.loads(out)["E"] == 0.0


def test_mean_kinship_refuses_an_empty_or_unknown_population(
    family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["pedigree", "mean-kinship", family, "--population", " , "], capsys)
    assert (code, err) == (2, "error: --population names no animal\n")
    code, _, err = run(["pedigree", "mean-kinship", family, "--population", "D,Q"], capsys)
    assert (code, err) == (1, f"error: no animal 'Q' in {family}\n")


def test_stats_as_json(family: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["pedigree", "stats", family, "--json"], capsys)
    assert code == 0
    stats = json.loads(out)
    assert (stats["animals"], stats["founders"], stats["generations"]) == (7, 3, 2)
    assert (stats["inbred"], stats["highest_inbreeding"], stats["most_inbred"]) == (1, 0.25, "K")


def test_a_chart_on_stdout_is_svg_with_names_morphs_and_the_coefficient(
    family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["pedigree", "chart", family, "K", "--generations", "2"], capsys)
    assert code == 0
    assert out.startswith("<?xml")
    for text in ("Pedigree of K", "COI 25.00%", "Zeus", "Pastel", "het Clown", "repeat of #4"):
        assert text in out, text


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".PDF", b"%PDF")])
def test_a_chart_file_takes_the_format_of_its_suffix(
    suffix: str, magic: bytes, family: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"k{suffix}"
    code, out, err = run(["pedigree", "chart", family, "K", "-o", str(target)], capsys)
    assert (code, out) == (0, "")
    assert target.read_bytes().startswith(magic)
    assert err == f"wrote {target} ({target.stat().st_size:,} bytes)\n"
    if magic == b"%PDF":
        assert "Pedigree of K" in PdfReader(target).pages[0].extract_text()


def test_a_chart_refuses_what_it_cannot_draw(
    family: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["pedigree", "chart", family, "K", "-o", str(tmp_path / "k.txt")], capsys)
    assert code == 2
    assert "name it .svg, .png or .pdf" in err
    for depth in ("0", "7"):
        code, _, err = run(["pedigree", "chart", family, "K", "--generations", depth], capsys)
        assert (code, err) == (2, "error: --generations must be between 1 and 6\n")
    code, _, err = run(["pedigree", "chart", family, "Q"], capsys)
    assert (code, err) == (1, f"error: no animal 'Q' in {family}\n")
    code, _, err = run(
        ["pedigree", "chart", family, "K", "-o", str(tmp_path / "no" / "k.svg")], capsys
    )
    assert code == 1
    assert err.startswith(f"error: cannot write {tmp_path / 'no' / 'k.svg'}: ")


def test_the_library_call_checks_before_drawing() -> None:
    from reptidex.adapters.render.pedigree_files import pedigree_chart
    from reptidex.engine.pedigree import parse_csv

    ped = parse_csv(FAMILY)
    with pytest.raises(KeyError, match="Q"):
        pedigree_chart(ped, "Q")
    with pytest.raises(ValueError, match="between 1 and 6"):
        pedigree_chart(ped, "K", generations=7)
    with pytest.raises(ValueError, match="svg, png, pdf, not 'gif'"):
        pedigree_chart(ped, "K", format="gif")  # type: ignore[arg-type]
    dark = pedigree_chart(ped, "K", generations=1, theme=Theme(mode="dark")).decode()
    assert "#17191c" in dark
    assert "#17191c" not in pedigree_chart(ped, "K", generations=1).decode()
