"""Chart model: a pedigree tree laid out as boxes and connecting lines, ready to draw.

A pure function of the tree; renderers (SVG, PNG, PDF) draw the result. The root sits at
the left, each generation of ancestors one column to the right, sires above dams.
"""

from __future__ import annotations

from dataclasses import dataclass

from reptidex.engine.pedigree.ancestry import PedigreeTree

__all__ = ["ChartBox", "ChartLayout", "ChartLine", "chart_layout"]


@dataclass(frozen=True, slots=True)
class ChartBox:
    """One box of a pedigree chart.

    Attributes
    ----------
    position : int
        Ahnentafel number (root 1, sire of ``k`` is ``2k``, dam ``2k + 1``).
    id : str or None
        The animal; ``None`` for an unknown parent.
    generation : int
    line : str
        Path from the root, ``S`` for sire and ``D`` for dam.
    x, y, width, height : float
        Top-left corner and size.
    repeat_of : int or None
        For a repeated ancestor (pedigree collapse), the position of its first box.
    collapsed : bool
        True when the ancestors behind this repeated box are not drawn again.
    """

    position: int
    id: str | None
    generation: int
    line: str
    x: float
    y: float
    width: float
    height: float
    repeat_of: int | None = None
    collapsed: bool = False

    @property
    def unknown(self) -> bool:
        """Whether this box stands for an unknown parent."""
        return self.id is None


@dataclass(frozen=True, slots=True)
class ChartLine:
    """A connector from a child's box to one parent's box, as a polyline."""

    child: int
    parent: int
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class ChartLayout:
    """A laid-out pedigree chart: its size, boxes and lines."""

    root: str
    generations: int
    width: float
    height: float
    boxes: tuple[ChartBox, ...]
    lines: tuple[ChartLine, ...]

    def box(self, position: int) -> ChartBox | None:
        """The box at an ahnentafel position, or ``None`` if not drawn."""
        for box in self.boxes:
            if box.position == position:
                return box
        return None


def chart_layout(
    tree: PedigreeTree,
    *,
    box_width: float = 160.0,
    box_height: float = 40.0,
    column_gap: float = 40.0,
    row_gap: float = 10.0,
    collapse_repeats: bool = True,
    show_unknown: bool = True,
) -> ChartLayout:
    """Lay out a pedigree tree as a chart.

    Parameters
    ----------
    tree : PedigreeTree
        From :func:`~reptidex.engine.pedigree.pedigree_tree`.
    box_width, box_height : float
        Size of every box.
    column_gap, row_gap : float
        Space between generations and between the boxes of the last generation.
    collapse_repeats : bool
        Draw the ancestors of a repeated animal only at its first appearance; later
        appearances become single boxes marked ``collapsed``.
    show_unknown : bool
        Draw placeholder boxes (``id`` None) for unknown parents within the depth.

    Returns
    -------
    ChartLayout
        Boxes in ahnentafel order and elbow lines from each child to its parents.

    Raises
    ------
    ValueError
        If a size is not positive.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv, pedigree_tree
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nB,S,D\\nK,B,D\\n")
    >>> chart = chart_layout(pedigree_tree(ped, "K", 2), box_width=100, box_height=20,
    ...                      column_gap=20, row_gap=0)
    >>> [(b.position, b.id, b.x, b.y, b.collapsed) for b in chart.boxes]
    [(1, 'K', 0.0, 30.0, False), (2, 'B', 120.0, 10.0, False), (3, 'D', 120.0, 50.0, False), (4, 'S', 240.0, 0.0, False), (5, 'D', 240.0, 20.0, False), (6, None, 240.0, 40.0, False), (7, None, 240.0, 60.0, False)]
    >>> chart.lines[0].points
    ((100.0, 40.0), (110.0, 40.0), (110.0, 20.0), (120.0, 20.0))
    >>> chart.width, chart.height
    (340.0, 80.0)
    """
    if min(box_width, box_height) <= 0 or min(column_gap, row_gap) < 0:
        raise ValueError("box sizes must be positive and gaps not negative")
    box_width, box_height = float(box_width), float(box_height)
    column_gap, row_gap = float(column_gap), float(row_gap)
    depth = tree.generations
    slot = box_height + row_gap
    height = (2**depth) * slot
    width = (depth + 1) * box_width + depth * column_gap
    known = {node.position: node for node in tree.nodes}
    repeats = {node.position for node in tree.nodes if node.repeated}

    def hidden(position: int) -> bool:
        # behind a collapsed repeat: some proper descendant position is a repeat
        p = position // 2
        while p >= 1:
            if p in repeats:
                return True
            p //= 2
        return False

    def place(position: int, generation: int) -> tuple[float, float]:
        k = position - 2**generation
        span = 2 ** (depth - generation) * slot
        centre = (k + 0.5) * span
        return generation * (box_width + column_gap), centre - box_height / 2

    boxes: list[ChartBox] = []
    for generation in range(depth + 1):
        for position in range(2**generation, 2 ** (generation + 1)):
            if collapse_repeats and hidden(position):
                continue
            node = known.get(position)
            if node is None:
                child = known.get(position // 2)
                if not show_unknown or generation == 0 or child is None:
                    continue
                if collapse_repeats and child.repeated:
                    continue
                line = child.line + ("S" if position % 2 == 0 else "D")
                x, y = place(position, generation)
                boxes.append(
                    ChartBox(position, None, generation, line, x, y, box_width, box_height)
                )
                continue
            x, y = place(position, generation)
            collapsed = (
                collapse_repeats
                and node.repeated
                and generation < depth
                and any(p in known for p in (2 * position, 2 * position + 1))
            )
            boxes.append(
                ChartBox(
                    position,
                    node.id,
                    generation,
                    node.line,
                    x,
                    y,
                    box_width,
                    box_height,
                    node.repeat_of,
                    collapsed,
                )
            )
    by_position = {b.position: b for b in boxes}
    lines = []
    for box in boxes:
        if box.position == 1 or box.position // 2 not in by_position:
            continue
        below = by_position[box.position // 2]
        x1 = below.x + below.width
        y1 = below.y + below.height / 2
        x2 = box.x
        y2 = box.y + box.height / 2
        middle = x1 + (x2 - x1) / 2
        lines.append(
            ChartLine(
                below.position, box.position, ((x1, y1), (middle, y1), (middle, y2), (x2, y2))
            )
        )
    return ChartLayout(tree.root, depth, width, height, tuple(boxes), tuple(lines))
