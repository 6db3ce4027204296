"""An animal's weights as a line chart: inline SVG drawn on the server (no script), with its
title and description for screen readers (the page shows the same figures as a table).

Only presentation attributes are written (no ``style``), so the page's Content-Security-Policy
(``style-src 'self'``) lets the chart show as drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH = 640
HEIGHT = 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 16, 40


@dataclass(frozen=True, slots=True)
class Weighing:
    """One weight of the animal: the day and the grams."""

    on: date
    grams: float


def _grams(value: float) -> str:
    """``value`` grams as a person reads it.

    >>> _grams(312.0), _grams(312.25)
    ('312 g', '312.25 g')
    """
    return f"{value:g} g" if value == int(value) else f"{value:.2f}".rstrip("0") + " g"


def weight_chart(weighings: Sequence[Weighing], *, label: str) -> str:
    """The SVG of ``weighings`` (in date order) as a line over time, named ``label``; the
    empty string when there are none.

    The vertical axis runs from zero to the heaviest weight, so a gain looks as large as it
    is; each weighing is a point on the line.

    >>> svg = weight_chart([Weighing(date(2026, 1, 1), 80), Weighing(date(2026, 3, 1), 160)],
    ...                    label="Weights of Nova")
    >>> 'role="img"' in svg and "<title" in svg and svg.count("<circle") == 2
    True
    >>> weight_chart([], label="none")
    ''
    """
    if not weighings:
        return ""
    first, last = weighings[0].on, weighings[-1].on
    span_days = max((last - first).days, 1)
    top = max(w.grams for w in weighings)
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM

    def x(day: date) -> float:
        if first == last:
            return _LEFT + plot_w / 2
        return _LEFT + plot_w * (day - first).days / span_days

    def y(grams: float) -> float:
        return _TOP + plot_h * (1 - grams / top)

    points = [(round(x(w.on), 1), round(y(w.grams), 1)) for w in weighings]
    line = " ".join(f"{px},{py}" for px, py in points)
    dots = "".join(
        f'<circle cx="{px}" cy="{py}" r="4" fill="#1e5c3a"><title>{w.on.isoformat()}: '
        f"{escape(_grams(w.grams))}</title></circle>"
        for (px, py), w in zip(points, weighings, strict=True)
    )
    description = (
        f"{len(weighings)} weighings from {first.isoformat()} ({_grams(weighings[0].grams)}) "
        f"to {last.isoformat()} ({_grams(weighings[-1].grams)}); heaviest {_grams(top)}."
    )
    base = HEIGHT - _BOTTOM
    axis = (
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}" stroke="#4a524e"/>'
        f'<line x1="{_LEFT}" y1="{base}" x2="{WIDTH - _RIGHT}" y2="{base}" stroke="#4a524e"/>'
        f'<text x="{_LEFT - 6}" y="{_TOP + 5}" text-anchor="end" font-size="13" '
        f'fill="#1b1f1d">{escape(_grams(top))}</text>'
        f'<text x="{_LEFT - 6}" y="{base}" text-anchor="end" font-size="13" '
        f'fill="#1b1f1d">0 g</text>'
        f'<text x="{_LEFT}" y="{HEIGHT - 14}" font-size="13" fill="#1b1f1d">'
        f"{first.isoformat()}</text>"
        f'<text x="{WIDTH - _RIGHT}" y="{HEIGHT - 14}" text-anchor="end" font-size="13" '
        f'fill="#1b1f1d">{last.isoformat()}</text>'
    )
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="weight-chart-title weight-chart-desc" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="weight-chart-title">{escape(label)}</title>'
        f'<desc id="weight-chart-desc">{escape(description)}</desc>'
        f"{axis}"
        f'<polyline points="{line}" fill="none" stroke="#1e5c3a" stroke-width="3"/>'
        f"{dots}</svg>"
    )
