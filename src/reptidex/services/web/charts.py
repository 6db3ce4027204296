"""Bar charts as inline SVG, drawn on the server (no script, no style attribute: the page's
security policy allows neither inline). A chart is drawn at its natural size and shrinks to a
narrow screen (``.chart`` in ``web.css``).

A chart is an image for the eye; the page shows the same numbers in a table beside it, and
the chart names itself (``role="img"``, a title and a description) for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

PALETTE = ("#1e5c3a", "#0b57d0", "#8a4b00")
"""Bar colours (each at least 3:1 against white, told apart by the legend's order as well)."""
INK = "#1b1f1d"
WIDTH_PER_BAR = 26
GAP = 18
HEIGHT = 180
TOP = 28
BOTTOM = 46
LEFT = 44


@dataclass(frozen=True, slots=True)
class Series:
    """One kind of bar: its name and one value per category."""

    name: str
    values: tuple[float | None, ...]
    """``None`` where there is no value (drawn as no bar, labelled "none")."""


def _tick(value: float, unit: str) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    *,
    unit: str = "",
    ceiling: float | None = None,
) -> str:
    """An SVG of grouped bars: one group per category, one bar per series, the value above
    each bar; ``ceiling`` fixes the scale's top (e.g. 100 for percentages).

    >>> svg = bar_chart("c", "Eggs", "Eggs per season", ["2025"], [Series("Eggs", (6,))])
    >>> svg.startswith('<svg') and 'role="img"' in svg and ">6</text>" in svg
    True
    """
    top = ceiling or max([v for s in series for v in s.values if v is not None] + [1])
    group = WIDTH_PER_BAR * len(series) + GAP
    width = LEFT + group * max(len(categories), 1) + GAP
    width = max(width, 360)
    height = TOP + HEIGHT + BOTTOM
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    base = TOP + HEIGHT
    for fraction in (0.0, 0.5, 1.0):
        y = base - HEIGHT * fraction
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#c9d1cc"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(_tick(top * fraction, unit))}</text>'
        )
    for index, category in enumerate(categories):
        x0 = LEFT + GAP + index * group
        for number, kind in enumerate(series):
            value = kind.values[index]
            tall = HEIGHT * ((value or 0) / top)
            x = x0 + number * WIDTH_PER_BAR
            colour = PALETTE[number % len(PALETTE)]
            parts.append(
                f'<rect x="{x}" y="{base - tall:.1f}" width="{WIDTH_PER_BAR - 3}" '
                f'height="{tall:.1f}" fill="{colour}"/>'
                f'<text x="{x + (WIDTH_PER_BAR - 3) / 2:.1f}" y="{base - tall - 4:.1f}" '
                f'text-anchor="middle" font-size="11" fill="{INK}">'
                f"{'none' if value is None else escape(_tick(value, unit))}</text>"
            )
        middle = x0 + (WIDTH_PER_BAR * len(series) - 3) / 2
        parts.append(
            f'<text x="{middle:.1f}" y="{base + 16}" text-anchor="middle" font-size="12" '
            f'fill="{INK}">{escape(category[:14])}</text>'
        )
    x = LEFT
    for number, kind in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{height - 16}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{height - 6}" font-size="12" fill="{INK}">'
            f"{escape(kind.name)}</text>"
        )
        x += 16 + 7 * len(kind.name) + 18
    parts.append("</svg>")
    return "".join(parts)
