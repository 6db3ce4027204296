"""Pedigree charts as SVG, written by hand from the engine's chart layout.

Every piece of text goes through :func:`xml_text`: characters XML cannot hold are dropped and
markup characters escaped, so an animal named ``<script>`` is drawn as those characters.
"""

from __future__ import annotations

import base64
from xml.sax.saxutils import escape, quoteattr

from reptidex.domain.errors import InvalidInput
from reptidex.domain.media.rendering import (
    HEADER,
    MARGIN,
    PHOTO,
    CertificateDrawing,
    PedigreeDrawing,
)

_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def xml_text(value: str) -> str:
    """``value`` safe as XML character data.

    >>> xml_text('<script>alert("x")</script>\\x00')
    '&lt;script&gt;alert("x")&lt;/script&gt;'
    """
    return escape(_printable(value))


def _printable(value: str) -> str:
    return "".join(
        ch
        for ch in value
        if (ch >= " " or ch in _ALLOWED_CONTROLS)
        and not 0xD800 <= ord(ch) <= 0xDFFF
        and ch not in "\ufffe\uffff"
    )


def xml_attr(value: str) -> str:
    """``value`` as a quoted XML attribute (markup and quotes escaped).

    >>> print(xml_attr('Zeus "the bold" & <co>'))
    'Zeus "the bold" &amp; &lt;co&gt;'
    >>> print(xml_attr("Hera's"))
    "Hera's"
    """
    return quoteattr(_printable(value))


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class SvgRenderer:
    """SVG 1.1 from a :class:`PedigreeDrawing`; certificates are left to PNG and PDF."""

    format = "svg"

    def pedigree(self, drawing: PedigreeDrawing) -> bytes:
        """The chart as a standalone SVG document (UTF-8)."""
        p = drawing.theme.palette
        width, height = drawing.width, drawing.height
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
            f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
            f"aria-label={xml_attr(drawing.title)} "
            'font-family="Helvetica, Arial, sans-serif">',
            f"<title>{xml_text(drawing.title)}</title>",
            f'<rect width="100%" height="100%" fill="{p.background}"/>',
            f'<rect x="0" y="0" width="{_n(width)}" height="6" fill="{p.accent}"/>',
            f'<text x="{_n(MARGIN)}" y="{_n(MARGIN + 16)}" font-size="20" font-weight="bold" '
            f'fill="{p.text}" class="title">{xml_text(drawing.title)}</text>',
            f'<text x="{_n(MARGIN)}" y="{_n(MARGIN + 36)}" font-size="12" fill="{p.muted}" '
            f'class="coi">{xml_text(drawing.subtitle)}</text>',
        ]
        if drawing.theme.logo:
            kind = drawing.theme.logo_type or "image/png"
            data = base64.b64encode(drawing.theme.logo).decode("ascii")
            out.append(
                f'<image x="{_n(width - MARGIN - 120)}" y="{_n(MARGIN - 8)}" width="120" '
                f'height="48" preserveAspectRatio="xMaxYMid meet" href="data:{kind};base64,{data}"/>'
            )
        out.append(f'<g transform="translate({_n(MARGIN)},{_n(MARGIN + HEADER)})">')
        out.append(f'<g fill="none" stroke="{p.line}" stroke-width="1.2" class="lines">')
        for line in drawing.layout.lines:
            points = " ".join(f"{_n(x)},{_n(y)}" for x, y in line.points)
            out.append(f'<polyline points="{points}"/>')
        out.append("</g>")
        for box in drawing.layout.boxes:
            animal = drawing.snapshot.animal_at(box.position)
            repeat = box.repeat_of is not None
            fill = p.unknown if box.unknown else p.repeat if repeat else p.box
            stroke = p.accent if box.position == 1 else p.border
            dash = ' stroke-dasharray="4 3"' if box.unknown or repeat else ""
            attrs = [f'class="box{" repeat" if repeat else ""}"', f'data-position="{box.position}"']
            if animal is not None and animal.id:
                attrs.append(f"data-animal-id={xml_attr(animal.id)}")
            if repeat:
                attrs.append(f'data-repeat-of="{box.repeat_of}"')
            out.append(f"<g {' '.join(attrs)}>")
            lines = drawing.lines_of(box)
            out.append(f"<title>{xml_text(' — '.join(lines))}</title>")
            out.append(
                f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.width)}" '
                f'height="{_n(box.height)}" rx="6" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="{2 if box.position == 1 else 1}"{dash}/>'
            )
            picture = drawing.photo_of(box)
            if picture:
                kind = "image/png" if picture.startswith(b"\x89PNG") else "image/jpeg"
                data = base64.b64encode(picture).decode("ascii")
                out.append(
                    f'<image class="photo" x="{_n(box.x + box.width - PHOTO - 6)}" '
                    f'y="{_n(box.y + (box.height - PHOTO) / 2)}" width="{PHOTO}" height="{PHOTO}" '
                    f'preserveAspectRatio="xMidYMid slice" href="data:{kind};base64,{data}"/>'
                )
            for index, text in enumerate(lines):
                size, weight = (13, ' font-weight="bold"') if index == 0 else (11, "")
                colour = p.text if index == 0 else p.muted
                y = box.y + 17 + index * 14
                out.append(
                    f'<text x="{_n(box.x + 8)}" y="{_n(y)}" font-size="{size}"{weight} '
                    f'fill="{colour}">{xml_text(text)}</text>'
                )
            out.append("</g>")
        out.append("</g>")
        out.append(
            f'<text x="{_n(MARGIN)}" y="{_n(height - 12)}" font-size="10" fill="{p.muted}">'
            "↻ repeated ancestor: its ancestors are drawn at its first appearance · ReptiDex"
            "</text>"
        )
        out.append("</svg>")
        return "\n".join(out).encode("utf-8")

    def certificate(self, drawing: CertificateDrawing) -> bytes:
        """Certificates are printed: PDF or PNG only, so SVG refuses them."""
        raise InvalidInput(
            "Certificates are printed: ask for format=pdf or format=png.",
            field_errors={"format": "certificates are available as pdf or png"},
        )
