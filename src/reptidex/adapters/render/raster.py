"""Charts and certificates as PNG, drawn with Pillow on the shared composition."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from reptidex.adapters.images.pixel_limit import open_within_limit
from reptidex.adapters.render.canvas import (
    DRAWN_IMAGE,
    Colour,
    compose_certificate,
    compose_pedigree,
    rgb,
)
from reptidex.domain.media.rendering import PAPER_SIZES, CertificateDrawing, PedigreeDrawing


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's built-in scalable font: no font file needs to be installed on the machine.
    return ImageFont.load_default(size=max(size, 6))


class PillowCanvas:
    """A canvas on a Pillow image; coordinates in points times ``scale`` pixels."""

    def __init__(self, width: float, height: float, scale: float) -> None:
        self.scale = scale
        self.page = Image.new("RGB", (round(width * scale), round(height * scale)), "white")
        self.draw = ImageDraw.Draw(self.page)

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        return x * self.scale, y * self.scale

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
        box = (*self._xy(x, y), *self._xy(x + w, y + h))
        self.draw.rounded_rectangle(
            box,
            radius=radius * self.scale,
            fill=None if fill is None else rgb(fill),
            outline=None if stroke is None else rgb(stroke),
            width=max(1, round(width * self.scale)),
        )

    def polyline(
        self, points: tuple[tuple[float, float], ...], colour: Colour, width: float
    ) -> None:
        """Connected segments."""
        self.draw.line(
            [self._xy(x, y) for x, y in points],
            fill=rgb(colour),
            width=max(1, round(width * self.scale)),
        )

    def text(
        self, x: float, y: float, value: str, *, size: float, colour: Colour, bold: bool = False
    ) -> None:
        """Text on a baseline."""
        self.draw.text(
            self._xy(x, y),
            value.replace("↻", "»"),  # the built-in font has no ↻
            font=_font(round(size * self.scale)),
            fill=rgb(colour),
            anchor="ls",
            stroke_width=1 if bold and size * self.scale >= 16 else 0,
            stroke_fill=rgb(colour),
        )

    def image(self, x: float, y: float, w: float, h: float, data: bytes) -> None:
        """An image scaled into the box (refused before decoding when it has too many pixels)."""
        with open_within_limit(data, what=DRAWN_IMAGE, field="image") as opened:
            picture = opened.convert("RGBA")
            picture.thumbnail((round(w * self.scale), round(h * self.scale)))
            self.page.paste(picture, (round(x * self.scale), round(y * self.scale)), picture)

    def png(self) -> bytes:
        """The PNG bytes."""
        buffer = io.BytesIO()
        self.page.save(buffer, "PNG", compress_level=3)
        return buffer.getvalue()


class PngRenderer:
    """PNG output: charts at ``scale`` pixels per point, certificates at ``dpi``."""

    format = "png"

    def __init__(self, *, scale: float = 1.0, dpi: int = 150) -> None:
        self.scale = scale
        self.dpi = dpi

    def pedigree(self, drawing: PedigreeDrawing) -> bytes:
        """The chart as PNG."""
        canvas = PillowCanvas(drawing.width, drawing.height, self.scale)
        compose_pedigree(canvas, drawing)
        return canvas.png()

    def certificate(self, drawing: CertificateDrawing) -> bytes:
        """The certificate as a PNG of the paper's size at ``dpi``."""
        width, height = PAPER_SIZES[drawing.paper]
        canvas = PillowCanvas(width, height, self.dpi / 72)
        compose_certificate(canvas, drawing)
        return canvas.png()
