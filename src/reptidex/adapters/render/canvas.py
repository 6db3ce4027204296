"""One composition of charts and certificates for the raster (Pillow) and PDF (fpdf2) canvases.

A canvas draws rectangles, polylines, text and images in points from the top-left corner; the
functions here place a :class:`PedigreeDrawing` (or a certificate) on any canvas, so PNG and PDF
show the same thing.
"""

from __future__ import annotations

import io
from typing import Protocol

import segno

from reptidex.domain.media.rendering import (
    HEADER,
    MARGIN,
    PAPER_SIZES,
    PHOTO,
    CertificateDrawing,
    PedigreeDrawing,
)

Colour = str

DRAWN_IMAGE = "An image drawn on this chart (its logo or an animal's photo)"
"""How a refusal of an image a canvas was given names it."""


class Canvas(Protocol):
    """The drawing primitives both raster and PDF output provide."""

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
        """A (rounded) rectangle."""
        ...

    def polyline(
        self, points: tuple[tuple[float, float], ...], colour: Colour, width: float
    ) -> None:
        """Connected line segments."""
        ...

    def text(
        self, x: float, y: float, value: str, *, size: float, colour: Colour, bold: bool = False
    ) -> None:
        """Text with its baseline at ``y``."""
        ...

    def image(self, x: float, y: float, w: float, h: float, data: bytes) -> None:
        """A PNG or JPEG scaled into the box (aspect kept); one of more pixels than
        :data:`~reptidex.adapters.images.pixel_limit.MAX_PIXELS` is refused before decoding
        (:class:`~reptidex.domain.media.files.UnsupportedMedia`)."""
        ...


def rgb(colour: Colour) -> tuple[int, int, int]:
    """``#rrggbb`` as a tuple.

    >>> rgb("#2f7d4f")
    (47, 125, 79)
    """
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def compose_chart(
    canvas: Canvas, drawing: PedigreeDrawing, *, x0: float, y0: float, scale: float = 1.0
) -> None:
    """The boxes and lines of a chart with its top-left at ``(x0, y0)``."""
    p = drawing.theme.palette
    for line in drawing.layout.lines:
        canvas.polyline(
            tuple((x0 + x * scale, y0 + y * scale) for x, y in line.points), p.line, 1.2 * scale
        )
    for box in drawing.layout.boxes:
        repeat = box.repeat_of is not None
        canvas.rect(
            x0 + box.x * scale,
            y0 + box.y * scale,
            box.width * scale,
            box.height * scale,
            fill=p.unknown if box.unknown else p.repeat if repeat else p.box,
            stroke=p.accent if box.position == 1 else p.border,
            width=(2 if box.position == 1 else 1) * scale,
            radius=6 * scale,
        )
        picture = drawing.photo_of(box)
        if picture:
            canvas.image(
                x0 + (box.x + box.width - PHOTO - 6) * scale,
                y0 + (box.y + (box.height - PHOTO) / 2) * scale,
                PHOTO * scale,
                PHOTO * scale,
                picture,
            )
        for index, value in enumerate(drawing.lines_of(box)):
            canvas.text(
                x0 + (box.x + 8) * scale,
                y0 + (box.y + 17 + index * 14) * scale,
                value,
                size=(13 if index == 0 else 11) * scale,
                colour=p.text if index == 0 else p.muted,
                bold=index == 0,
            )


def compose_pedigree(canvas: Canvas, drawing: PedigreeDrawing) -> None:
    """A whole chart page: background, title, COI, logo, chart and legend."""
    p = drawing.theme.palette
    canvas.rect(0, 0, drawing.width, drawing.height, fill=p.background, stroke=None)
    canvas.rect(0, 0, drawing.width, 6, fill=p.accent, stroke=None)
    canvas.text(MARGIN, MARGIN + 16, drawing.title, size=20, colour=p.text, bold=True)
    canvas.text(MARGIN, MARGIN + 36, drawing.subtitle, size=12, colour=p.muted)
    if drawing.theme.logo:
        canvas.image(drawing.width - MARGIN - 120, MARGIN - 8, 120, 48, drawing.theme.logo)
    compose_chart(canvas, drawing, x0=MARGIN, y0=MARGIN + HEADER)
    canvas.text(
        MARGIN,
        drawing.height - 12,
        "↻ repeated ancestor: its ancestors are drawn at its first appearance · ReptiDex",
        size=10,
        colour=p.muted,
    )


def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as PNG bytes."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def compose_certificate(canvas: Canvas, drawing: CertificateDrawing) -> None:
    """A one-page certificate of the paper's size, in points."""
    chart = drawing.pedigree
    p = chart.theme.palette
    width, height = PAPER_SIZES[drawing.paper]
    margin = 40.0
    canvas.rect(0, 0, width, height, fill=p.background, stroke=None)
    canvas.rect(18, 18, width - 36, height - 36, fill=None, stroke=p.accent, width=2)
    top = margin + 10
    if chart.theme.logo:
        canvas.image(margin, top - 6, 90, 40, chart.theme.logo)
    canvas.text(margin + (100 if chart.theme.logo else 0), top + 22, "Certificate of Pedigree",
                size=24, colour=p.accent, bold=True)  # fmt: skip
    root = chart.snapshot.root
    canvas.text(margin, top + 58, root.label, size=18, colour=p.text, bold=True)
    qr_size = 96.0
    canvas.image(width - margin - qr_size, top - 6, qr_size, qr_size, qr_png(drawing.profile_url))
    canvas.text(width - margin - qr_size, top + qr_size + 4, "Public profile", size=8,
                colour=p.muted)  # fmt: skip
    y = top + 84
    for label, value in drawing.facts():
        canvas.text(margin, y, label, size=10, colour=p.muted, bold=True)
        canvas.text(margin + 80, y, value[:80], size=10, colour=p.text)
        y += 16
    y += 8
    canvas.text(margin, y, "Pedigree (4 generations)", size=12, colour=p.text, bold=True)
    y += 10
    available_w = width - 2 * margin
    available_h = height - y - margin - 36
    scale = min(available_w / chart.layout.width, available_h / chart.layout.height)
    compose_chart(canvas, chart, x0=margin, y0=y, scale=scale)
    canvas.text(margin, height - margin - 10,
                f"Issued {drawing.issued} by ReptiDex · {drawing.profile_url}", size=8,
                colour=p.muted)  # fmt: skip
