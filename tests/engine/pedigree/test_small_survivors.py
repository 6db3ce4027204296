"""Finer rules of the chart, the completeness index and the file readers: boxes behind a
collapsed repeat leave the rest of their generation drawn, an index over no generation, and
pedigree files read as UTF-8 whatever the locale."""

from __future__ import annotations

import contextlib
import locale
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from reptidex.engine.pedigree import chart_layout, parse_csv, pedigree_tree, read_csv
from reptidex.engine.pedigree.metrics import completeness_index
from reptidex.engine.pedigree.readers import read_records

# D is K's dam and B's dam: K's tree repeats her (position 5, collapsed) under B.
COLLAPSE = "id,sire,dam\nS,,\nDSS,,\nDSD,,\nDS,DSS,DSD\nDD,,\nD,DS,DD\nB,S,D\nK,B,D\n"


def test_boxes_hidden_behind_a_collapsed_repeat_leave_the_rest_of_their_generation() -> None:
    """Positions 10 and 11 (the parents of the repeat at 5) are not drawn; 12 and 13, the
    parents of DS further down the same generation, are."""
    tree = pedigree_tree(parse_csv(COLLAPSE), "K", 3)
    known_only = chart_layout(tree, show_unknown=False)
    assert [(b.position, b.id, b.collapsed) for b in known_only.boxes] == [
        (1, "K", False),
        (2, "B", False),
        (3, "D", False),
        (4, "S", False),
        (5, "D", True),
        (6, "DS", False),
        (7, "DD", False),
        (12, "DSS", False),
        (13, "DSD", False),
    ]
    with_unknown = chart_layout(tree)
    assert [b.position for b in with_unknown.boxes if b.generation == 3] == [8, 9, 12, 13, 14, 15]
    assert (6, 12) in [(line.child, line.parent) for line in with_unknown.lines]


def test_a_completeness_index_over_no_generation_is_0_for_every_animal() -> None:
    """With no generation looked at, both sides of every animal are wholly unknown."""
    pedigree = parse_csv("id,sire,dam\nSS,,\nSD,,\nS,SS,SD\nD,,\nK,S,D\n")
    with np.errstate(invalid="ignore"):  # each side is a mean over no generation
        index = completeness_index(pedigree, 0)
    assert index.array.tolist() == [0.0] * 5
    assert completeness_index(pedigree, 1).array.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]


@contextlib.contextmanager
def ascii_locale() -> Iterator[None]:
    """The C locale's character type for the block (its encoding ASCII), restored after."""
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


def test_a_pedigree_file_is_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """A UTF-8 file (with the byte-order mark spreadsheets write) keeps its accented names
    under a locale whose encoding is not UTF-8."""
    path = tmp_path / "herd.csv"
    path.write_bytes("\ufeffid,sire,dam\nCafé,,\nNoël,,\nZoë,Café,Noël\n".encode())
    with ascii_locale():
        records = read_records(path)
        pedigree = read_csv(path)
    assert [(a.id, a.sire, a.dam) for a in records] == [
        ("Café", None, None),
        ("Noël", None, None),
        ("Zoë", "Café", "Noël"),
    ]
    assert pedigree.parents("Zoë") == ("Café", "Noël")
