"""Chart layout of a pedigree tree."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from reptidex.engine.pedigree import chart_layout, parse_csv, pedigree_tree

COLLAPSE = "id,sire,dam\nS,,\nD,,\nSS,,\nB,S,D\nG,S,D\nK,B,G\n"


def test_repeats_are_collapsed_and_lines_join_boxes() -> None:
    tree = pedigree_tree(parse_csv(COLLAPSE), "K", 3)
    chart = chart_layout(tree)
    # S and D appear under B (4, 5) and again under G (6, 7)
    six = chart.box(6)
    assert six is not None
    assert six.id == "S"
    assert six.repeat_of == 4
    assert chart.box(12) is None  # S's (unknown) parents are not drawn twice
    assert chart.box(8) is not None
    assert chart.box(8).unknown  # type: ignore[union-attr]
    for line in chart.lines:
        child, parent = chart.box(line.child), chart.box(line.parent)
        assert child is not None
        assert parent is not None
        assert line.points[0] == (child.x + child.width, child.y + child.height / 2)
        assert line.points[-1] == (parent.x, parent.y + parent.height / 2)
    for box in chart.boxes:
        assert box.y >= 0
        assert box.y + box.height <= chart.height
        assert box.x + box.width <= chart.width


def test_collapse_off_draws_every_position_and_boxes_do_not_overlap() -> None:
    chart = chart_layout(pedigree_tree(parse_csv(COLLAPSE), "K", 3), collapse_repeats=False)
    assert chart.box(12) is not None
    by_generation: dict[int, list[tuple[float, float]]] = {}
    for box in chart.boxes:
        by_generation.setdefault(box.generation, []).append((box.y, box.y + box.height))
    for spans in by_generation.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start


def test_hidden_unknowns_and_immutability() -> None:
    chart = chart_layout(pedigree_tree(parse_csv(COLLAPSE), "K", 2), show_unknown=False)
    assert all(not box.unknown for box in chart.boxes)
    with pytest.raises(dataclasses.FrozenInstanceError):
        chart.boxes[0].x = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="positive"):
        chart_layout(pedigree_tree(parse_csv(COLLAPSE), "K", 2), box_width=0)
