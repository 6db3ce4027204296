"""Rules of the chart layout, pinned to exact boxes, labels and connector points."""

from __future__ import annotations

import pytest

from reptidex.engine.pedigree import chart_layout, parse_csv, pedigree_tree
from reptidex.engine.pedigree.chart import ChartLayout

SMALL = {"box_width": 100.0, "box_height": 20.0, "column_gap": 20.0, "row_gap": 0.0}

Box = tuple[int, str | None, int, str, float, float, int | None, bool]
Line = tuple[int, int, tuple[tuple[float, float], ...]]


def layout(csv: str, depth: int, **options: float | bool) -> ChartLayout:
    """Chart of animal ``K`` of a CSV pedigree, with the small sizes unless overridden."""
    return chart_layout(pedigree_tree(parse_csv(csv), "K", depth), **{**SMALL, **options})  # type: ignore[arg-type]


def boxes(chart: ChartLayout) -> list[Box]:
    """Every field of each box but its size, in drawing order."""
    return [
        (b.position, b.id, b.generation, b.line, b.x, b.y, b.repeat_of, b.collapsed)
        for b in chart.boxes
    ]


def lines(chart: ChartLayout) -> list[Line]:
    """Each connector as (child, parent, points), in drawing order."""
    return [(line.child, line.parent, line.points) for line in chart.lines]


def elbow(x1: float, y1: float, x2: float, y2: float) -> tuple[tuple[float, float], ...]:
    """The four points of an elbow connector bending halfway between the columns."""
    middle = (x1 + x2) / 2
    return ((x1, y1), (middle, y1), (middle, y2), (x2, y2))


class TestPlacement:
    """Columns by generation, rows centred on their ancestors, sires above dams."""

    CSV = "id,sire,dam\nS,,\nD,,\nB,S,D\nK,B,D\n"

    def test_full_layout_of_two_generations(self) -> None:
        chart = layout(self.CSV, 2)
        assert (chart.root, chart.generations, chart.width, chart.height) == ("K", 2, 340.0, 80.0)
        assert boxes(chart) == [
            (1, "K", 0, "", 0.0, 30.0, None, False),
            (2, "B", 1, "S", 120.0, 10.0, None, False),
            (3, "D", 1, "D", 120.0, 50.0, None, False),
            (4, "S", 2, "SS", 240.0, 0.0, None, False),
            (5, "D", 2, "SD", 240.0, 20.0, 3, False),
            (6, None, 2, "DS", 240.0, 40.0, None, False),
            (7, None, 2, "DD", 240.0, 60.0, None, False),
        ]
        assert all((b.width, b.height) == (100.0, 20.0) for b in chart.boxes)
        assert lines(chart) == [
            (1, 2, elbow(100.0, 40.0, 120.0, 20.0)),
            (1, 3, elbow(100.0, 40.0, 120.0, 60.0)),
            (2, 4, elbow(220.0, 20.0, 240.0, 10.0)),
            (2, 5, elbow(220.0, 20.0, 240.0, 30.0)),
            (3, 6, elbow(220.0, 60.0, 240.0, 50.0)),
            (3, 7, elbow(220.0, 60.0, 240.0, 70.0)),
        ]
        assert lines(chart)[0][2] == ((100.0, 40.0), (110.0, 40.0), (110.0, 20.0), (120.0, 20.0))

    def test_default_sizes(self) -> None:
        chart = chart_layout(pedigree_tree(parse_csv("id,sire,dam\nD,,\nK,,D\n"), "K", 1))
        assert (chart.width, chart.height) == (360.0, 100.0)
        assert all((b.width, b.height) == (160.0, 40.0) for b in chart.boxes)
        assert boxes(chart) == [
            (1, "K", 0, "", 0.0, 30.0, None, False),
            (2, None, 1, "S", 200.0, 5.0, None, False),
            (3, "D", 1, "D", 200.0, 55.0, None, False),
        ]
        assert lines(chart) == [
            (1, 2, ((160.0, 50.0), (180.0, 50.0), (180.0, 25.0), (200.0, 25.0))),
            (1, 3, ((160.0, 50.0), (180.0, 50.0), (180.0, 75.0), (200.0, 75.0))),
        ]


class TestUnknownParents:
    """Placeholders stand for unknown parents of known animals only, labelled by line."""

    def test_unknown_sire_of_the_root_and_nothing_behind_it(self) -> None:
        chart = layout("id,sire,dam\nD,,\nK,,D\n", 2)
        assert boxes(chart) == [
            (1, "K", 0, "", 0.0, 30.0, None, False),
            (2, None, 1, "S", 120.0, 10.0, None, False),
            (3, "D", 1, "D", 120.0, 50.0, None, False),
            (6, None, 2, "DS", 240.0, 40.0, None, False),
            (7, None, 2, "DD", 240.0, 60.0, None, False),
        ]
        assert [(line[0], line[1]) for line in lines(chart)] == [(1, 2), (1, 3), (3, 6), (3, 7)]

    def test_show_unknown_off_draws_known_animals_only(self) -> None:
        chart = layout("id,sire,dam\nS,,\nD,,\nB,S,\nK,B,D\n", 2, show_unknown=False)
        assert boxes(chart) == [
            (1, "K", 0, "", 0.0, 30.0, None, False),
            (2, "B", 1, "S", 120.0, 10.0, None, False),
            (3, "D", 1, "D", 120.0, 50.0, None, False),
            (4, "S", 2, "SS", 240.0, 0.0, None, False),
        ]
        assert [(line[0], line[1]) for line in lines(chart)] == [(1, 2), (1, 3), (2, 4)]


class TestCollapse:
    """A repeated ancestor is drawn once in full; later boxes hide what lies behind them."""

    DAM_ONLY = "id,sire,dam\nMS,,\nM,MS,\nX,,M\nY,X,\nK,X,Y\n"

    def test_repeat_with_only_a_dam_hides_two_generations_behind_it(self) -> None:
        chart = layout(self.DAM_ONLY, 4)
        assert (chart.width, chart.height) == (580.0, 320.0)
        assert boxes(chart) == [
            (1, "K", 0, "", 0.0, 150.0, None, False),
            (2, "X", 1, "S", 120.0, 70.0, None, False),
            (3, "Y", 1, "D", 120.0, 230.0, None, False),
            (4, None, 2, "SS", 240.0, 30.0, None, False),
            (5, "M", 2, "SD", 240.0, 110.0, None, False),
            (6, "X", 2, "DS", 240.0, 190.0, 2, True),
            (7, None, 2, "DD", 240.0, 270.0, None, False),
            (10, "MS", 3, "SDS", 360.0, 90.0, None, False),
            (11, None, 3, "SDD", 360.0, 130.0, None, False),
            (20, None, 4, "SDSS", 480.0, 80.0, None, False),
            (21, None, 4, "SDSD", 480.0, 100.0, None, False),
        ]
        assert [(line[0], line[1]) for line in lines(chart)] == [
            (1, 2), (1, 3), (2, 4), (2, 5), (3, 6), (3, 7), (5, 10), (5, 11), (10, 20), (10, 21)
        ]  # fmt: skip

    def test_collapse_off_draws_the_repeat_in_full(self) -> None:
        chart = layout(self.DAM_ONLY, 4, collapse_repeats=False)
        drawn = [(b.position, b.id, b.repeat_of, b.collapsed) for b in chart.boxes]
        assert (13, "M", 5, False) in drawn
        assert (26, "MS", 10, False) in drawn

    def test_repeat_with_only_a_sire_is_collapsed(self) -> None:
        chart = layout("id,sire,dam\nFS,,\nF,FS,\nY,F,\nK,F,Y\n", 3)
        assert [(b.position, b.id, b.line, b.repeat_of, b.collapsed) for b in chart.boxes] == [
            (1, "K", "", None, False),
            (2, "F", "S", None, False),
            (3, "Y", "D", None, False),
            (4, "FS", "SS", None, False),
            (5, None, "SD", None, False),
            (6, "F", "DS", 2, True),
            (7, None, "DD", None, False),
            (8, None, "SSS", None, False),
            (9, None, "SSD", None, False),
        ]

    def test_repeat_without_known_parents_is_not_marked_collapsed(self) -> None:
        chart = layout("id,sire,dam\nS,,\nD,,\nB,S,D\nG,S,D\nK,B,G\n", 3)
        assert [(b.position, b.id, b.repeat_of, b.collapsed) for b in chart.boxes] == [
            (1, "K", None, False),
            (2, "B", None, False),
            (3, "G", None, False),
            (4, "S", None, False),
            (5, "D", None, False),
            (6, "S", 4, False),
            (7, "D", 5, False),
            (8, None, None, False),
            (9, None, None, False),
            (10, None, None, False),
            (11, None, None, False),
        ]


class TestSizes:
    """Box sizes must be positive and gaps not negative; zero and fractional gaps are fine."""

    CSV = "id,sire,dam\nK,,\n"
    MESSAGE = r"^box sizes must be positive and gaps not negative$"

    @pytest.mark.parametrize(
        "option",
        [
            {"box_width": 0.0},
            {"box_height": -1.0},
            {"column_gap": -0.5},
            {"row_gap": -1.0},
        ],
    )
    def test_rejected(self, option: dict[str, float]) -> None:
        with pytest.raises(ValueError, match=self.MESSAGE):
            layout(self.CSV, 1, **option)

    def test_small_boxes_and_gaps_accepted(self) -> None:
        chart = layout(self.CSV, 1, box_width=0.5, box_height=1.0, column_gap=0.5, row_gap=0.5)
        assert (chart.width, chart.height) == (1.5, 3.0)
        assert boxes(chart)[0] == (1, "K", 0, "", 0.0, 1.0, None, False)
        assert layout(self.CSV, 1, column_gap=0.0, row_gap=0.0).height == 40.0
