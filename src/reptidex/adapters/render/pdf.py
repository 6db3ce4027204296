"""Charts and certificates as vector PDF with fpdf2 (pure Python), on the shared composition.

The PDF's standard Helvetica covers Latin-1; other characters are replaced so that a name in
another script never breaks a render (the SVG keeps them).
"""

from __future__ import annotations

import io

from fpdf import FPDF

from reptidex.adapters.images.pixel_limit import open_within_limit
from reptidex.adapters.render.canvas import (
    DRAWN_IMAGE,
    Colour,
    compose_certificate,
    compose_pedigree,
    rgb,
)
from reptidex.domain.media.rendering import PAPER_SIZES, CertificateDrawing, PedigreeDrawing

_REPLACEMENTS = {"↻": ">>", "…": "...", "—": "-", "–": "-", "’": "'", "“": '"', "”": '"'}


def latin1(value: str) -> str:
    """``value`` in the PDF core fonts' alphabet.

    >>> latin1("↻ repeat of #4 · Zoë … 蛇")
    '>> repeat of #4 · Zoë ... ?'
    """
    for old, new in _REPLACEMENTS.items():
        value = value.replace(old, new)
    return value.encode("latin-1", "replace").decode("latin-1")


class FpdfCanvas:
    """A canvas on one fpdf2 page, in points."""

    def __init__(self, width: float, height: float, title: str) -> None:
        self.pdf = FPDF(unit="pt", format=(width, height))
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margin(0)
        self.pdf.set_title(latin1(title))
        self.pdf.set_creator("ReptiDex")
        self.pdf.add_page()

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: Colour | None,
        stroke: Colour | None,
        width: float = 1.0,
        radius: float = 0.0,
    ) -> None:
        """A rectangle."""
        if fill is not None:
            self.pdf.set_fill_color(*rgb(fill))
        if stroke is not None:
            self.pdf.set_draw_color(*rgb(stroke))
            self.pdf.set_line_width(width)
        style = ("F" if fill else "") + ("D" if stroke else "")
        if not style:
            return
        self.pdf.rect(x, y, w, h, style=style, round_corners=radius > 0, corner_radius=radius)

    def polyline(
        self, points: tuple[tuple[float, float], ...], colour: Colour, width: float
    ) -> None:
        """Connected segments."""
        self.pdf.set_draw_color(*rgb(colour))
        self.pdf.set_line_width(width)
        self.pdf.polyline(list(points), style="D")

    def text(
        self, x: float, y: float, value: str, *, size: float, colour: Colour, bold: bool = False
    ) -> None:
        """Text on a baseline."""
        self.pdf.set_font("Helvetica", "B" if bold else "", size)
        self.pdf.set_text_color(*rgb(colour))
        self.pdf.text(x, y, latin1(value))

    def image(self, x: float, y: float, w: float, h: float, data: bytes) -> None:
        """An image fitted into the box (refused before fpdf2 decodes it when it has too many
        pixels)."""
        open_within_limit(data, what=DRAWN_IMAGE, field="image").close()
        self.pdf.image(io.BytesIO(data), x=x, y=y, w=w, h=h, keep_aspect_ratio=True)

    def output(self) -> bytes:
        """The PDF bytes."""
        return bytes(self.pdf.output())


class PdfRenderer:
    """PDF output: a chart on one page of its own size; certificates on A4 or US Letter."""

    format = "pdf"

    def pedigree(self, drawing: PedigreeDrawing) -> bytes:
        """The chart as a one-page PDF."""
        canvas = FpdfCanvas(drawing.width, drawing.height, drawing.title)
        compose_pedigree(canvas, drawing)
        return canvas.output()

    def certificate(self, drawing: CertificateDrawing) -> bytes:
        """The certificate on one page of the paper's size."""
        width, height = PAPER_SIZES[drawing.paper]
        canvas = FpdfCanvas(width, height, f"Certificate: {drawing.pedigree.snapshot.root.label}")
        compose_certificate(canvas, drawing)
        return canvas.output()
