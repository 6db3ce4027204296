"""The pedigree chart on a matplotlib Axes: every box and line of the layout where the layout
puts it, the labels a breeder reads, and a clear error without matplotlib."""

from __future__ import annotations

import io
import sys

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from pedigree_testkit import random_records

from reptidex.engine.pedigree import (
    Animal,
    ChartLayout,
    Pedigree,
    Sex,
    box_label,
    chart_layout,
    draw_chart,
    parse_csv,
    pedigree_tree,
    plot_pedigree,
)
from reptidex.engine.pedigree.plot import BOX_HEIGHT

matplotlib.use("Agg")

FULL_SIBS = parse_csv("id,sire,dam\nS,,\nD,,\nB,S,D\nG,S,D\nK,B,G\n")


def _boxes(ax: Axes) -> dict[str | None, Rectangle]:
    return {p.get_gid(): p for p in ax.patches if isinstance(p, Rectangle)}


def _check_drawn(layout: ChartLayout, ax: Axes) -> None:
    boxes = _boxes(ax)
    assert len(boxes) == len(layout.boxes)
    for box in layout.boxes:
        patch = boxes[f"box-{box.position}"]
        assert patch.get_xy() == (box.x, box.y)
        assert (patch.get_width(), patch.get_height()) == (box.width, box.height)
        assert patch.get_linestyle() == ("--" if box.unknown else "-")
    lines = {line.get_gid(): line for line in ax.lines if isinstance(line, Line2D)}
    assert len(lines) == len(layout.lines)
    for connector in layout.lines:
        drawn = lines[f"line-{connector.child}-{connector.parent}"]
        xs = np.asarray(drawn.get_xdata()).tolist()
        ys = np.asarray(drawn.get_ydata()).tolist()
        assert list(zip(xs, ys, strict=True)) == list(connector.points)


def test_every_box_and_line_of_the_layout_is_drawn_where_it_lies() -> None:
    layout = chart_layout(pedigree_tree(FULL_SIBS, "K", 3))
    ax = Figure().add_subplot()
    assert draw_chart(layout, ax) is ax
    _check_drawn(layout, ax)
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts["text-1"] == "K"
    assert texts["text-2"] == "B"
    assert texts["text-8"] == "unknown"
    assert ax.get_xlim() == (-1.0, layout.width + 1.0)
    assert ax.get_ylim() == (layout.height + 1.0, -1.0)  # y grows downwards, as laid out
    assert not ax.axison


def test_a_chart_without_axes_gets_a_figure_sized_to_it() -> None:
    layout = chart_layout(pedigree_tree(FULL_SIBS, "K", 2))
    ax = draw_chart(layout)
    assert isinstance(ax.figure, Figure)
    width, height = ax.figure.get_size_inches()
    assert (width, height) == pytest.approx((layout.width / 100, layout.height / 100))
    assert "pyplot" not in type(ax.figure.canvas).__module__


def test_labels_show_sex_name_morph_and_repeats() -> None:
    ped = Pedigree(
        [
            Animal("S", sex=Sex.MALE, attributes={"name": "Big Sire", "morph": "Pastel"}),
            Animal("D", sex=Sex.FEMALE),
            Animal("B", "S", "D", sex=Sex.MALE),
            Animal("G", "S", "D", sex=Sex.FEMALE, attributes={"morph": "Clown"}),
            Animal("K", "B", "G"),
        ]
    )
    ax = plot_pedigree(ped, "K", generations=2)
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts == {
        "text-1": "K",
        "text-2": "♂ B",
        "text-3": "♀ G\nClown",
        "text-4": "♂ Big Sire\nPastel",
        "text-5": "♀ D",
        "text-6": "♂ Big Sire\nPastel\nrepeat of #4",
        "text-7": "♀ D\nrepeat of #5",
    }
    assert ax.get_title() == "Pedigree of K · COI 25.00%"
    assert {p.get_height() for p in _boxes(ax).values()} == {BOX_HEIGHT}
    # clipped to its box (matplotlib keeps a rectangle clip path as a clip box)
    assert all(t.get_clip_on() and t.get_clip_box() is not ax.bbox for t in ax.texts)


def test_box_label_without_attributes_is_the_id_and_unknown_parents_say_so() -> None:
    layout = chart_layout(pedigree_tree(FULL_SIBS, "B", 2))
    assert [box_label(FULL_SIBS)(b) for b in layout.boxes] == [
        "B",
        "S",
        "D",
        "unknown",
        "unknown",
        "unknown",
        "unknown",
    ]


def test_a_founder_has_no_inbreeding_in_the_title_and_the_figure_renders() -> None:
    ax = plot_pedigree(FULL_SIBS, "S", generations=1)
    assert ax.get_title() == "Pedigree of S · COI 0.00%"
    png = io.BytesIO()
    assert isinstance(ax.figure, Figure)
    ax.figure.savefig(png, format="png")
    assert png.getvalue().startswith(b"\x89PNG")


def test_an_axes_of_ones_own_figure_takes_the_chart() -> None:
    figure = Figure()
    left, right = figure.subplots(1, 2)
    plot_pedigree(FULL_SIBS, "K", generations=1, ax=right, font_size=6)
    assert not left.patches
    assert len(right.patches) == 3
    assert {t.get_fontsize() for t in right.texts} == {6}


def test_unknown_animals_and_generations_are_refused() -> None:
    with pytest.raises(KeyError, match="nobody"):
        plot_pedigree(FULL_SIBS, "nobody")
    with pytest.raises(ValueError, match="at least 1"):
        plot_pedigree(FULL_SIBS, "K", generations=0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n=st.integers(min_value=1, max_value=60),
    generations=st.integers(min_value=1, max_value=4),
    collapse=st.booleans(),
)
def test_the_drawing_is_the_layout(seed: int, n: int, generations: int, collapse: bool) -> None:
    ped = Pedigree(random_records(seed, n))
    layout = chart_layout(pedigree_tree(ped, ped.ids[-1], generations), collapse_repeats=collapse)
    _check_drawn(layout, draw_chart(layout, Figure().add_subplot()))


def test_without_matplotlib_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    layout = chart_layout(pedigree_tree(FULL_SIBS, "K", 1))
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(ImportError, match=r"pip install 'reptidex\[plot\]'") as caught:
        draw_chart(layout)
    assert caught.value.name == "matplotlib"
    with pytest.raises(ImportError, match=r"reptidex\[plot\]"):
        plot_pedigree(FULL_SIBS, "K")
