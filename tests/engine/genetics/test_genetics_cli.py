"""The ``reptidex genetics`` command line."""

from __future__ import annotations

import io
import json
import time
from fractions import Fraction

import pytest

from reptidex.cli import main, progress
from reptidex.cli.genetics import _possible_het


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["genetics", *argv])
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_acceptance_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "cross",
        "--species",
        "ball_python",
        "--json",
        "Pastel Spider het Clown",
        "Pastel het Clown",
    )
    assert code == 0
    assert not err
    data = json.loads(out)
    assert len(data["outcomes"]) == 12
    killer_bee = next(o for o in data["outcomes"] if o["phenotype"] == "Killer Bee")
    assert killer_bee == {
        "probability": "3/32",
        "percent": 9.375,
        "phenotype": "Killer Bee",
        "traits": ["Super Pastel", "Spider"],
        "hets": [],
        "possible_hets": [{"gene": "Clown", "probability": "2/3"}],
        "sex": None,
        "lethal": False,
        "warnings": killer_bee["warnings"],
    }
    bumblebee_clown = next(o for o in data["outcomes"] if o["phenotype"] == "Bumblebee Clown")
    assert bumblebee_clown["probability"] == "1/16"


def test_plain_table_and_viable_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cross", "--species", "ball_python", "Spider", "Spider")
    assert code == 0
    assert "Super Spider (LETHAL)" in out
    assert "1/4" in out
    assert out.splitlines()[-1] == "3 outcomes; lethal 1/4 (25.00%); visual 1/2 (50.00%)"
    code, out, _ = run(
        capsys, "cross", "--species", "ball_python", "--viable-only", "Spider", "Spider"
    )
    assert code == 0
    assert "LETHAL" not in out
    assert "2/3" in out


@pytest.mark.parametrize(
    "argv",
    [
        ("cross", "--species", "ball_python", "Pastle", "Normal"),
        ("cross", "--species", "dodo", "Normal", "Normal"),
        ("genes", "--species", "dodo"),
    ],
)
def test_bad_input_exits_non_zero_with_message_on_stderr(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert err.startswith("error:")
    assert "Traceback" not in err
    assert not out


def test_species_and_genes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "species")
    assert code == 0
    assert "ball_python" in out
    assert "bearded_dragon" in out
    code, out, _ = run(capsys, "genes", "--species", "leopard_gecko")
    assert code == 0
    assert "Tremper Albino: recessive" in out
    assert "Enigma syndrome" in out


def test_a_morph_read_as_a_double_het_is_noted_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "cross", "--species", "ball_python", "het Clown Pied", "Clown")
    assert code == 0
    phenotypes = {line.split("  ")[0] for line in out.splitlines()[1:-1]}
    assert phenotypes == {"Normal", "Clown"}  # a double het sire: no visual Piebald
    assert err == (
        "note: the sire morph: 'Piebald' after 'het Clown' is read as het Piebald, not a visual "
        "Piebald: write 'Piebald het Clown' for a visual Piebald\n"
    )
    code, _, err = run(capsys, "cross", "--species", "ball_python", "Piebald het Clown", "Clown")
    assert (code, err) == (0, "")


def test_top_lists_the_most_likely_and_says_what_the_rest_weigh(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parents = ("Pastel Spider Mojave het Clown", "Pastel Enchi het Clown")
    code, out, _ = run(capsys, "cross", "--species", "ball_python", "--top", "3", *parents)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1 + 3 + 1
    assert lines[-1] == (
        "3 outcomes of 48 listed; the others weigh 55/64 (85.94%); "
        "among those listed: visual 9/64 (14.06%), het Clown 3/32 (9.38%)"
    )
    code, out, _ = run(
        capsys, "cross", "--species", "ball_python", "--top", "3", "--json", *parents
    )
    data = json.loads(out)
    assert (len(data["outcomes"]), data["outcome_count"]) == (3, 48)
    assert data["omitted_probability"] == "55/64"
    # asking for more than there are lists them all
    code, out, _ = run(
        capsys, "cross", "--species", "ball_python", "--top", "100", "Spider", "Normal"
    )
    assert out.splitlines()[-1] == "2 outcomes; visual 1/2 (50.00%)"


def test_the_summary_line_gives_the_chance_of_a_visual_and_of_each_het(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "cross", "--species", "ball_python", "Pastel het Clown", "het Clown")
    assert out.splitlines()[-1] == "4 outcomes; visual 5/8 (62.50%); het Clown 1/2 (50.00%)"
    # a 66% het sire: each possible het weighs its odds; lethal outcomes are no hatchlings
    _, out, _ = run(
        capsys, "cross", "--species", "ball_python", "Spider 66% het Pied", "Spider het Pied"
    )
    assert out.splitlines()[-1] == (
        "6 outcomes; lethal 1/4 (25.00%); visual 13/24 (54.17%); het Piebald 3/8 (37.50%)"
    )


def test_a_progress_line_only_when_asked_or_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parents = ("Pastel Spider het Clown", "Pastel het Clown")
    _, plain, err = run(capsys, "cross", "--species", "ball_python", *parents)
    assert err == ""  # standard error is no terminal here
    # asked for, but a small cross ends before the first second: nothing is drawn
    _, out, err = run(capsys, "cross", "--species", "ball_python", "--progress", *parents)
    assert (out, err) == (plain, "")
    # a cross taking longer (each row waits here until the line has been drawn)
    monkeypatch.setattr(progress, "DELAY", 0)
    monkeypatch.setattr(progress, "INTERVAL", 0.001)
    advance, draw = progress.Progress.advance, progress.Progress.draw
    drawn: list[str] = []

    def drawing(self: progress.Progress) -> None:
        draw(self)
        drawn.append(self.label)

    def slow(self: progress.Progress, steps: int = 1) -> None:
        advance(self, steps)
        deadline = time.monotonic() + 10
        while "writing" not in drawn and time.monotonic() < deadline:
            time.sleep(0.001)

    monkeypatch.setattr(progress.Progress, "draw", drawing)
    monkeypatch.setattr(progress.Progress, "advance", slow)
    _, out, err = run(capsys, "cross", "--species", "ball_python", "--progress", *parents)
    assert out == plain
    assert "\rwriting [" in err
    assert set(drawn) <= {"crossing", "writing", "aligning columns"}
    assert err.endswith("\r\x1b[K")  # cleared before the table
    _, out, err = run(capsys, "cross", "--species", "ball_python", "--no-progress", *parents)
    assert (out, err) == (plain, "")


def test_progress_is_shown_on_a_terminal_unless_refused() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress.wanted(None, Terminal())
    assert not progress.wanted(False, Terminal())
    assert not progress.wanted(None, io.StringIO())
    assert progress.wanted(True, io.StringIO())


@pytest.mark.parametrize("top", ["0", "-2", "many"])
def test_top_must_be_a_positive_whole_number(capsys: pytest.CaptureFixture[str], top: str) -> None:
    code, _, err = run(
        capsys, "cross", "--species", "ball_python", "--top", top, "Spider", "Normal"
    )
    assert code == 2
    assert "argument --top" in err


def test_species_and_genes_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "species", "--json")
    rows = json.loads(out)
    ball = next(row for row in rows if row["id"] == "ball_python")
    assert ball["name"] == "Ball python"
    assert ball["genes"] > 50
    _, out, _ = run(capsys, "genes", "--species", "leopard_gecko", "--json")
    catalog = json.loads(out)
    assert catalog["species"]["id"] == "leopard_gecko"
    assert any(locus.get("name") for locus in catalog["loci"])


def test_possible_hets_read_as_breeders_write_them_beside_the_exact_chance(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "cross", "--species", "ball_python", "Pastel het Clown", "het Clown")
    assert "Pastel        3/8     37.50%   66% het Clown (2/3)" in out.splitlines()
    assert _possible_het(Fraction(1, 3), "Pied") == "33% het Pied (1/3)"
    assert _possible_het(Fraction(1, 2), "Pied") == "50% het Pied (1/2)"
    assert _possible_het(Fraction(4, 7), "Clown") == "57.1% het Clown (4/7)"


def test_prove_out_a_possible_het_from_its_hatchlings(capsys: pytest.CaptureFixture[str]) -> None:
    six_normals = [arg for _ in range(6) for arg in ("--hatchling", "Normal")]
    code, out, _ = run(
        capsys, "prove-out", "--species", "ball_python", "--gene", "Clown", *six_normals,
        "66% het Clown", "Clown",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines() == [
        "before: 66% het Clown (2/3)",
        "after 6 hatchlings: 3.0% het Clown (1/33)",
    ]
    code, out, _ = run(
        capsys, "prove-out", "--species", "ball_python", "--gene", "clown", "--dam",
        "--hatchling", "Clown", "66% het Clown", "Clown",
    )  # fmt: skip
    assert out.splitlines() == [
        "before: 66% het Clown (2/3)",
        "after 1 hatchling: proven het Clown (1)",
    ]


def test_clutch_odds_of_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "clutch", "--species", "ball_python", "--eggs", "6", "--target", "Clown",
        "het Clown", "het Clown",
    )  # fmt: skip
    assert (code, out) == (0, "at least one Clown in 6 eggs: 3367/4096 (82.20%)\n")
    code, _, err = run(
        capsys, "clutch", "--species", "ball_python", "--eggs", "6", "--target", "Clwon",
        "het Clown", "het Clown",
    )  # fmt: skip
    assert code == 1
    assert err == "error: unknown word 'clwon' (did you mean Clown?) in 'Clwon'\n"


def test_bel_alone_says_which_pairing_it_was_read_as_and_the_others(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "cross", "--species", "ball_python", "--json", "BEL", "Normal")
    assert code == 0
    data = json.loads(out)
    assert data["sire"] == "Lesser Mojave Blue-Eyed Leucistic (BEL)"
    assert [o["phenotype"] for o in data["outcomes"]] == ["Lesser", "Mojave"]
    assert err == (
        "note: the sire morph: 'BEL' is read as Lesser Mojave; a Blue-Eyed Leucistic may also "
        "be Super Lesser, Super Butter, Super Mojave, Super Russo, Lesser Butter, Butter Mojave, "
        "Mojave Russo, Lesser Russo or Butter Russo: write the pairing for another\n"
    )
    code, out, err = run(capsys, "cross", "--species", "ball_python", "Lesser", "Mojave")
    assert (code, err) == (0, "")
    assert "Lesser Mojave Blue-Eyed Leucistic (BEL)" in out
    code, out, _ = run(capsys, "genes", "--species", "ball_python")
    assert (
        "look Blue-Eyed Leucistic (BEL): Lesser Mojave, Super Lesser, Super Butter, Super Mojave"
        in out
    )


def test_a_species_may_be_given_by_its_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "cross", "--species", "Ball python", "--json", "Clown", "Clown")
    assert (code, err) == (0, "")
    assert json.loads(out)["species"] == "ball_python"
    code, out, _ = run(capsys, "genes", "--species", "LEOPARD GECKO")
    assert code == 0
    assert "Tremper Albino: recessive" in out
    code, out, err = run(capsys, "cross", "--species", "dodo", "Normal", "Normal")
    assert (code, out) == (1, "")
    assert err.startswith(
        "error: unknown species 'dodo'; known species: ball_python (Ball python), "
        "bearded_dragon (Bearded dragon)"
    )


def test_an_empty_parent_is_refused_not_read_as_normal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "cross", "--species", "ball_python", "", "Clown")
    assert (code, out) == (1, "")
    assert err == "error: the sire morph: a morph is needed: write 'Normal' for the wild type\n"


def test_rank_orders_every_pairing_by_the_chance_of_the_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    animals = ("--male", "Zeus=Clown", "--male", "Ares=Pastel het Clown",
               "--female", "Hera=het Clown", "--female", "Io=66% het Clown")  # fmt: skip
    code, out, _ = run(capsys, "rank", "--species", "Ball python", "--target", "Clown", *animals)
    assert code == 0
    assert out.splitlines() == [
        "pairing      chance of Clown",
        "Zeus x Hera  1/2 (50.00%)",
        "Zeus x Io    1/3 (33.33%)",
        "Ares x Hera  1/4 (25.00%)",
        "Ares x Io    1/6 (16.67%)",
    ]
    code, out, _ = run(
        capsys, "rank", "--species", "ball_python", "--target", "Clown", "--json", *animals
    )
    ranked = json.loads(out)
    assert ranked["target"] == "Clown"
    assert [(p["male"], p["female"], p["probability"]) for p in ranked["pairings"]] == [
        ("Zeus", "Hera", "1/2"), ("Zeus", "Io", "1/3"), ("Ares", "Hera", "1/4"), ("Ares", "Io", "1/6"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--male", "Zeus=Clwn", "--female", "Hera=het Clown"), "Clwn"),
        (
            ("--male", "Zeus=Clown", "--male", "Zeus=het Clown", "--female", "Hera=Clown"),
            "each male needs a name of its own",
        ),
    ],
)
def test_rank_refuses_what_it_cannot_read(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, "rank", "--species", "ball_python", "--target", "Clown", *argv)
    assert (code, out) == (1, "")
    assert message in err


def test_rank_needs_name_and_morph(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["genetics", "rank", "--species", "ball_python", "--target", "Clown",
              "--male", "Zeus", "--female", "Hera=Clown"])  # fmt: skip
    assert ended.value.code == 2
    assert "not NAME=MORPH: 'Zeus'" in capsys.readouterr().err


def test_every_unknown_word_of_both_parents_is_said_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "cross", "--species", "ball_python", "Pastl het Clwn", "Spidr")
    assert (code, out) == (1, "")
    assert "the sire morph: unknown words 'pastl'" in err
    assert "'clwn' (did you mean Clown?)" in err
    assert "the dam morph: unknown word 'spidr'" in err
