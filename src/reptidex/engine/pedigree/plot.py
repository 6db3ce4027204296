"""A pedigree chart drawn on a matplotlib Axes (the ``reptidex[plot]`` extra).

The boxes and lines are those of :func:`~reptidex.engine.pedigree.chart_layout`, the layout the
SVG, PNG and PDF charts of ReptiDex draw (``reptidex pedigree chart`` and
``reptidex.adapters.render.pedigree_files.pedigree_chart``, which returns the SVG): the animal at
the left, each generation of ancestors one column to the right, sires above dams. Here they
become matplotlib patches and text, so a scientist can place a chart in a figure of their own.

matplotlib is imported only when a chart is drawn, and only its object-oriented API (never
pyplot's global figures); without it the call raises an :class:`ImportError` naming the extra.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reptidex.engine import _optional
from reptidex.engine.pedigree.ancestry import pedigree_tree
from reptidex.engine.pedigree.chart import ChartBox, ChartLayout, chart_layout
from reptidex.engine.pedigree.inbreeding import kinship
from reptidex.engine.pedigree.model import Pedigree, Sex

if TYPE_CHECKING:  # matplotlib is optional: only its names are needed to check the types
    from matplotlib.axes import Axes

__all__ = ["box_label", "draw_chart", "plot_pedigree"]

BoxLabel = Callable[[ChartBox], str]

_SEX_SYMBOL = {Sex.MALE: "♂ ", Sex.FEMALE: "♀ ", Sex.UNKNOWN: ""}
BOX_HEIGHT = 48.0
"""The height of :func:`plot_pedigree`'s boxes, in layout units."""
_PIXELS_PER_INCH = 100.0
"""Layout units per inch of a figure made for a chart (a layout box is 160 by 40)."""


def box_label(pedigree: Pedigree) -> BoxLabel:
    """The text of each box of a chart of ``pedigree``: the sex symbol and the animal's name
    (its ``name`` attribute, else its id), its ``morph`` attribute on a second line, and
    ``repeat of #N`` on a repeated ancestor (the ahnentafel number of its first box).

    Examples
    --------
    >>> from reptidex.engine.pedigree import Animal, Sex, chart_layout, pedigree_tree
    >>> ped = Pedigree([Animal("S", sex=Sex.MALE, attributes={"morph": "Pastel"}),
    ...                 Animal("K", "S", None, attributes={"name": "Kaa"})])
    >>> label = box_label(ped)
    >>> [label(b) for b in chart_layout(pedigree_tree(ped, "K", 1)).boxes]
    ['Kaa', '♂ S\\nPastel', 'unknown']
    """

    def label(box: ChartBox) -> str:
        if box.id is None:
            return "unknown"
        animal = pedigree.animal(box.id)
        lines = [_SEX_SYMBOL[animal.sex] + (animal.attributes.get("name") or box.id)]
        morph = animal.attributes.get("morph")
        if morph:
            lines.append(morph)
        if box.repeat_of is not None:
            lines.append(f"repeat of #{box.repeat_of}")
        return "\n".join(lines)

    return label


def draw_chart(
    layout: ChartLayout,
    ax: Axes | None = None,
    *,
    label: BoxLabel | None = None,
    font_size: float = 8.0,
    title: str | None = None,
) -> Axes:
    """Draw a laid-out pedigree chart on a matplotlib Axes.

    Each box is a rectangle patch whose ``gid`` is ``"box-N"`` (N its ahnentafel number), with
    its text clipped to it; each connector a line whose ``gid`` is ``"line-C-P"`` (child and
    parent numbers). Unknown parents are drawn dashed. The Axes is set to the chart's extent
    (y growing downwards, as in the layout), equal aspect, without axis lines.

    Parameters
    ----------
    layout : ChartLayout
        From :func:`~reptidex.engine.pedigree.chart_layout`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new :class:`matplotlib.figure.Figure` sized to the chart
        (not registered with pyplot: display it, or call ``ax.figure.savefig``).
    label : callable, optional
        The text of a box (see :func:`box_label`); by default the animal's id, or
        ``"unknown"``.
    font_size : float
        In points.
    title : str, optional
        Set as the Axes' title.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install 'reptidex[plot]'``).

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv, pedigree_tree, chart_layout
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nK,S,D\\n")
    >>> ax = draw_chart(chart_layout(pedigree_tree(ped, "K", 1)))
    >>> [p.get_gid() for p in ax.patches], [t.get_text() for t in ax.texts]
    (['box-1', 'box-2', 'box-3'], ['K', 'S', 'D'])
    """
    mpl = _optional.matplotlib()
    if ax is None:
        figure = mpl.figure.Figure(
            figsize=(layout.width / _PIXELS_PER_INCH, layout.height / _PIXELS_PER_INCH)
        )
        ax = figure.add_axes((0.0, 0.0, 1.0, 0.92 if title else 1.0))
    text_of = label or (lambda box: "unknown" if box.id is None else box.id)
    for line in layout.lines:
        xs = [x for x, _ in line.points]
        ys = [y for _, y in line.points]
        ax.plot(xs, ys, color="0.45", linewidth=1.0, gid=f"line-{line.child}-{line.parent}")
    for box in layout.boxes:
        rectangle = mpl.patches.Rectangle(
            (box.x, box.y),
            box.width,
            box.height,
            facecolor="0.96" if box.unknown else "white",
            edgecolor="0.6" if box.unknown else "0.2",
            linestyle="--" if box.unknown else "-",
            linewidth=1.0,
            gid=f"box-{box.position}",
        )
        ax.add_patch(rectangle)
        text = ax.text(
            box.x + 6.0,
            box.y + box.height / 2,
            text_of(box),
            fontsize=font_size,
            verticalalignment="center",
            color="0.45" if box.unknown or box.collapsed else "black",
            fontstyle="italic" if box.unknown else "normal",
            gid=f"text-{box.position}",
            clip_on=True,
        )
        text.set_clip_path(rectangle)
    ax.set_xlim(-1.0, layout.width + 1.0)
    ax.set_ylim(layout.height + 1.0, -1.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=font_size + 2)
    return ax


def plot_pedigree(
    pedigree: Pedigree,
    ident: str,
    *,
    generations: int = 4,
    ax: Axes | None = None,
    font_size: float = 8.0,
) -> Axes:
    """Draw the pedigree chart of ``ident`` on a matplotlib Axes, as the SVG chart draws it:
    ``generations`` generations of ancestors (repeated ancestors collapsed), names, sexes and
    morphs in the boxes (see :func:`box_label`), and the animal's inbreeding in the title.

    Parameters
    ----------
    pedigree : Pedigree
    ident : str
        The animal.
    generations : int
        How many generations of ancestors, at least 1.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure sized to the chart.
    font_size : float
        In points.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        If ``ident`` is not in the pedigree.
    ValueError
        If ``generations`` is less than 1.
    ImportError
        If matplotlib is not installed (``pip install 'reptidex[plot]'``).

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nB,S,D\\nG,S,D\\nK,B,G\\n")
    >>> ax = plot_pedigree(ped, "K", generations=2)
    >>> ax.get_title()
    'Pedigree of K · COI 25.00%'
    >>> [t.get_text() for t in ax.texts]
    ['K', 'B', 'G', 'S', 'D', 'S\\nrepeat of #4', 'D\\nrepeat of #5']
    >>> ax.figure.savefig(__import__("io").BytesIO(), format="png")  # draws with Agg
    """
    if generations < 1:
        raise ValueError("generations must be at least 1")
    sire, dam = pedigree.parents(ident)  # KeyError before any work
    # the animal's inbreeding is its parents' kinship: only their ancestors are visited
    coefficient = 0.0 if sire is None or dam is None else kinship(pedigree, sire, dam)
    # three lines of text (name, morph, repeat) fit a box of this height at 8 points
    layout = chart_layout(pedigree_tree(pedigree, ident, generations), box_height=BOX_HEIGHT)
    return draw_chart(
        layout,
        ax,
        label=box_label(pedigree),
        font_size=font_size,
        title=f"Pedigree of {ident} · COI {coefficient:.2%}",
    )
