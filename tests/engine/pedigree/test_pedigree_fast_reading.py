"""The column-wise reader and ``Pedigree.from_columns`` agree with the record-by-record path."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import warnings
from pathlib import Path

import numpy as np
import pytest
from pedigree_testkit import random_records

from reptidex.cli import pedigree as cli
from reptidex.engine.pedigree import (
    Animal,
    MissingParentWarning,
    Pedigree,
    PedigreeError,
    Sex,
    parse_csv,
    read_csv,
    read_records,
    readers,
)


def one_by_one(animals: list[Animal]) -> Pedigree:
    """The record-by-record construction (``find_problems``, then one Animal at a time)."""
    ped = Pedigree.__new__(Pedigree)
    ped._one_by_one(list(animals))
    return ped


def both_ways(path: Path) -> tuple[Pedigree, Pedigree, list[str], list[str]]:
    """(fast, reference, their warnings) for one file: ``read_csv`` against the
    row-by-row parser and the record-by-record construction."""
    with warnings.catch_warnings(record=True) as fast_caught:
        warnings.simplefilter("always")
        fast = read_csv(path)
    with warnings.catch_warnings(record=True) as slow_caught:
        warnings.simplefilter("always")
        slow = one_by_one(read_records(path))
    return (
        fast,
        slow,
        [str(w.message) for w in fast_caught],
        [str(w.message) for w in slow_caught],
    )


def assert_same(fast: Pedigree, slow: Pedigree) -> None:
    assert fast.ids == slow.ids
    assert fast.record_order == slow.record_order
    np.testing.assert_array_equal(fast.sire, slow.sire)
    np.testing.assert_array_equal(fast.dam, slow.dam)
    np.testing.assert_array_equal(fast.depth, slow.depth)
    assert fast.sexes == slow.sexes
    assert fast.animals == slow.animals  # parents, sex, hatch date and attributes
    np.testing.assert_array_equal(fast.record_index, slow.record_index)
    assert [fast.ids[i] for i in fast.record_index.tolist()] == list(fast.record_order)


def write_random_file(path: Path, seed: int, n: int = 300) -> None:
    rng = random.Random(seed)
    records = random_records(seed, n)
    listed = records[5:]  # the first founders are only referenced: missing parents
    rng.shuffle(listed)
    unknown = ["", "0", "NA", ".", " na "]
    lines = ["id,father,mother,sex,hatched,colour,morph"]
    for a in listed:
        sire = a.sire if a.sire is not None else rng.choice(unknown)
        dam = a.dam if a.dam is not None else rng.choice(unknown)
        number = int(a.id[1:])
        day = dt.date(2000, 1, 1) + dt.timedelta(days=30 * number)
        hatched = day.isoformat() if rng.random() < 0.7 else ""
        sex = {Sex.MALE: rng.choice(["m", "Male", "1"]), Sex.FEMALE: "f"}.get(a.sex, "")
        colour = rng.choice(["red", "", "albino, het"])
        lines.append(f'{a.id}, {sire} ,{dam},{sex},{hatched},"{colour}",x{number % 3}')
    lines.insert(len(lines) // 2, "")  # a blank row in the middle
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("batch", [7, 50_000])
def test_same_pedigree_warnings_and_attributes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, batch: int
) -> None:
    monkeypatch.setattr(readers, "_BATCH", batch)
    path = tmp_path / "random.csv"
    write_random_file(path, seed)
    fast, slow, fast_warned, slow_warned = both_ways(path)
    assert_same(fast, slow)
    with pytest.warns(MissingParentWarning, match="taken as founders"):
        records = Pedigree(read_records(path))
    assert_same(records, slow)
    assert fast_warned == slow_warned
    assert len(fast_warned) == 1
    assert "taken as founders" in fast_warned[0]


def test_unclosed_quote_is_read_alike(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text('id,sire,dam\n"A,,\n')
    fast, slow, _, _ = both_ways(path)
    assert_same(fast, slow)
    assert fast.ids == ("A,,",)


def test_tsv_short_and_long_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "_BATCH", 2)
    path = tmp_path / "p.tsv"
    path.write_text("id\tsire\tdam\tsex\nS\t0\t0\tm\nD\t\t\nK\tS\tD\tf\textra\n\n\nL\tS\tD\n")
    fast, slow, _, _ = both_ways(path)
    assert_same(fast, slow)
    assert fast.parents("L") == ("S", "D")


BAD_FILES = {
    "duplicate": "id,sire,dam\nA,,\nB,,\nA,,\n",
    "own parent": "id,sire,dam\nA,A,\n",
    "sire and dam": "id,sire,dam\nA,X,Y\nB,Y,X\n",
    "sex mismatch": "id,sire,dam,sex\nM,,,f\nk,M,,\n",
    "hatch order": "id,sire,dam,hatched\nS,,,2020-05-01\nK,S,,2020-04-01\n",
    "cycle": "id,sire,dam\np,q,\nq,r,\nr,p,\nz,,\n",
    "several": "id,sire,dam,sex\nA,A,,m\nB,X,Y,f\nC,Y,X,m\np,q,\nq,p,\nM,,,f\nk,M,,\n",
    "bad rows": "id,sire,dam,hatched\n,S,D,\nA,,,2020-13-01\nB,,,\n ,,,\nC,,,yesterday\n",
    "no columns": "name,father\nA,\n",
    "empty": "",
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_same_problems(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(PedigreeError) as fast:
        read_csv(path)
    with pytest.raises(PedigreeError) as slow:
        one_by_one(read_records(path))
    assert fast.value.problems == slow.value.problems
    with pytest.raises(PedigreeError) as text:
        parse_csv(content)
    assert text.value.problems == slow.value.problems
    if "line" not in slow.value.problems[0].message:  # the rows parse: build from records
        with pytest.raises(PedigreeError) as records:
            Pedigree(read_records(path))
        assert records.value.problems == slow.value.problems


def test_bad_rows_are_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILES["bad rows"])
    with pytest.raises(PedigreeError) as error:
        read_csv(path)
    assert [p.message for p in error.value.problems] == [
        "line 2: the id is empty",
        "line 3: cannot read the date '2020-13-01' of A (expected YYYY-MM-DD)",
        "line 5: the id is empty",
        "line 6: cannot read the date 'yesterday' of C (expected YYYY-MM-DD)",
    ]


def test_from_columns_matches_the_records_constructor() -> None:
    records = random_records(11, 200)
    listed = records[3:]
    ids = [a.id for a in listed]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        fast = Pedigree.from_columns(
            ids, [a.sire for a in listed], [a.dam for a in listed], [a.sex for a in listed]
        )
        slow = one_by_one(listed)
        built = Pedigree(listed)
    assert_same(fast, slow)
    assert_same(built, slow)


def test_from_columns_warns_like_the_constructor() -> None:
    with pytest.warns(MissingParentWarning, match="2 parent"):
        ped = Pedigree.from_columns(["K"], ["S"], ["D"])
    assert ped.ids == ("S", "D", "K")
    assert ped.sexes == (Sex.MALE, Sex.FEMALE, Sex.UNKNOWN)


def test_from_columns_rejects_ragged_columns() -> None:
    with pytest.raises(ValueError, match="one entry per animal"):
        Pedigree.from_columns(["A", "B"], [None], [None, None])


def test_progress_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,sire,dam\n" + "".join(f"a{i},,\n" for i in range(100_000)))
    calls: list[tuple[int, int]] = []
    ped = read_csv(path, progress=lambda done, total: calls.append((done, total)))
    assert len(ped) == 100_000
    size = path.stat().st_size
    assert len(calls) >= 2
    assert all(total == size for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (size, size)


def test_cli_shows_a_progress_bar_while_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[str, int, int]] = []

    class Recorder:
        def __init__(self, label: str) -> None:
            self.label = label

        def __call__(self, done: int, total: int) -> None:
            shown.append((self.label, done, total))

    monkeypatch.setattr(cli, "ProgressBar", Recorder)
    monkeypatch.setattr(cli, "LARGE_FILE", 10)
    path = tmp_path / "p.csv"
    path.write_text("id,sire,dam\nS,,\nD,,\nK,S,D\n")
    ped = cli._load(str(path))
    assert ped is not None
    assert shown[-1] == ("reading", path.stat().st_size, path.stat().st_size)


@pytest.mark.parametrize("seed", range(3))
def test_cli_check_says_what_the_record_path_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int
) -> None:
    path = tmp_path / "random.csv"
    write_random_file(path, seed)
    assert cli.run_check(argparse.Namespace(file=str(path))) == 0
    fast = capsys.readouterr()
    assert cli._check_record_by_record(str(path)) == 0
    slow = capsys.readouterr()
    assert (fast.out, fast.err) == (slow.out, slow.err)
    assert "taken as a founder" in fast.err
