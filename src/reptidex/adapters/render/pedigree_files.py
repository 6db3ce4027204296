"""A pedigree chart of an engine pedigree, in one call: what the CLI and scientists draw with.

The same drawing and renderers as repti-media's charts, from a :class:`Pedigree` rather than
a lineage repti-animal reports.
"""

from __future__ import annotations

from typing import Literal

from reptidex.adapters.render.pdf import PdfRenderer
from reptidex.adapters.render.raster import PngRenderer
from reptidex.adapters.render.svg import SvgRenderer
from reptidex.domain.media.lineage import snapshot_of_pedigree
from reptidex.domain.media.rendering import (
    MAX_GENERATIONS,
    MIN_GENERATIONS,
    Theme,
    pedigree_drawing,
)
from reptidex.engine.pedigree import Pedigree, inbreeding

ChartFormat = Literal["svg", "png", "pdf"]
FORMATS: tuple[ChartFormat, ...] = ("svg", "png", "pdf")


def pedigree_chart(
    pedigree: Pedigree,
    ident: str,
    *,
    generations: int = 4,
    format: ChartFormat = "svg",
    theme: Theme | None = None,
) -> bytes:
    """The pedigree chart of ``ident`` to ``generations`` generations of ancestors.

    Parameters
    ----------
    pedigree : Pedigree
        Its records' ``name``, ``morph`` and ``hets`` attributes (file columns), when present,
        are drawn in the boxes.
    ident : str
        The animal.
    generations : int
        1 to 6.
    format : {"svg", "png", "pdf"}
    theme : Theme, optional
        Light (default) or dark, an accent colour.

    Returns
    -------
    bytes
        The chart; SVG is UTF-8 text.

    Raises
    ------
    KeyError
        If ``ident`` is not in the pedigree.
    ValueError
        If ``generations`` or ``format`` is out of range.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nB,S,D\\nG,S,D\\nK,B,G\\n")
    >>> svg = pedigree_chart(ped, "K", generations=2).decode()
    >>> svg.startswith("<?xml"), "Pedigree of K" in svg, "COI 25.00%" in svg
    (True, True, True)
    """
    if not MIN_GENERATIONS <= generations <= MAX_GENERATIONS:
        raise ValueError(f"generations must be between {MIN_GENERATIONS} and {MAX_GENERATIONS}")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    pedigree.index(ident)  # KeyError before any work
    coefficient = float(inbreeding(pedigree)[ident])
    snapshot = snapshot_of_pedigree(pedigree, ident, generations, coefficient=coefficient)
    drawing = pedigree_drawing(snapshot, generations, theme or Theme())
    if format == "png":
        return PngRenderer().pedigree(drawing)
    if format == "pdf":
        return PdfRenderer().pedigree(drawing)
    return SvgRenderer().pedigree(drawing)
