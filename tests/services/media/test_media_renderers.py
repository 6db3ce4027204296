"""Renderers checked by reading their output back: the SVG parses and names every ancestor, the
PNG decodes at the expected size and is not blank, the PDF has the pages and text expected."""

from __future__ import annotations

import asyncio
import io
import uuid
import xml.etree.ElementTree as ET
from typing import cast

import pytest
from media_testkit import EVIL_NAME, FakeLineageSource, bomb_png, photo
from PIL import Image, ImageStat
from pypdf import PdfReader

from reptidex.adapters.render.pdf import PdfRenderer
from reptidex.adapters.render.raster import PngRenderer
from reptidex.adapters.render.svg import SvgRenderer
from reptidex.domain.errors import InvalidInput
from reptidex.domain.media.files import UnsupportedMedia
from reptidex.domain.media.lineage import LineageSnapshot
from reptidex.domain.media.rendering import (
    PAPER_SIZES,
    CertificateDrawing,
    RenderRequest,
    Theme,
    pedigree_drawing,
)

SVG_NS = "{http://www.w3.org/2000/svg}"


def snapshot(generations: int = 5) -> tuple[FakeLineageSource, LineageSnapshot]:
    source = FakeLineageSource(generations)
    return source, asyncio.run(source.lineage(source.animal_id, generations, credential=None))


def svg_texts(document: bytes) -> list[str]:
    root = ET.fromstring(document)
    return ["".join(node.itertext()) for node in root.iter(f"{SVG_NS}text")]


@pytest.mark.parametrize("generations", [3, 5, 6])
def test_svg_parses_and_shows_every_ancestor(generations: int) -> None:
    source, lineage = snapshot(generations)
    document = SvgRenderer().pedigree(pedigree_drawing(lineage, generations, Theme()))
    root = ET.fromstring(document)
    texts = svg_texts(document)
    joined = "\n".join(texts)
    shown = {p.animal.code for p in lineage.positions if p.repeat_of is None}
    for code in shown:
        assert code is not None
        assert any(t.startswith(code) for t in texts), code  # the id-code line of each box
    for p in lineage.positions:
        assert source.names[p.animal.code or ""] in joined
    repeats = root.findall(f".//{SVG_NS}g[@data-repeat-of]")
    assert repeats  # the repeated ancestor is marked
    assert any("repeat of #" in t for t in texts)
    assert "COI" in joined
    assert f"{generations} generations shown" in joined
    assert "hatched" in joined
    assert "het pied" in joined
    assert "Pastel Clown" in joined


def test_svg_escapes_names_and_themes() -> None:
    _, lineage = snapshot(3)
    logo = photo((60, 30), kind="PNG")
    theme = Theme(mode="dark", accent="#aa3366", logo=logo, logo_type="image/png")
    document = SvgRenderer().pedigree(pedigree_drawing(lineage, 3, theme))
    assert b"<script" not in document
    root = ET.fromstring(document)
    assert root.find(f".//{SVG_NS}script") is None
    assert EVIL_NAME in "\n".join(svg_texts(document))  # drawn as text
    assert b"#aa3366" in document
    assert b"#17191c" in document  # the dark background
    assert root.find(f".//{SVG_NS}image") is not None


def test_bad_theme_and_depth_are_refused() -> None:
    with pytest.raises(InvalidInput):
        Theme(accent="red;}")
    with pytest.raises(InvalidInput):
        RenderRequest("pedigree", uuid.uuid4(), "svg", generations=9)


def test_png_decodes_at_the_expected_size_and_is_not_blank() -> None:
    _, lineage = snapshot(5)
    drawing = pedigree_drawing(lineage, 5, Theme())
    content = PngRenderer().pedigree(drawing)
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG"
    assert image.size == (round(drawing.width), round(drawing.height))
    extrema = cast(tuple[int, int], image.convert("L").getextrema())  # one band: (min, max)
    assert extrema[0] < 80  # dark text on a light page
    assert extrema[1] > 200
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 10


def test_pdf_has_one_page_with_every_name() -> None:
    source, lineage = snapshot(4)
    content = PdfRenderer().pedigree(pedigree_drawing(lineage, 4, Theme()))
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for p in lineage.positions:
        assert source.names[p.animal.code or ""] in text
    assert "COI" in text


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_certificates_in_pdf_and_png(paper: str, size: tuple[int, int]) -> None:
    _, lineage = snapshot(4)
    drawing = CertificateDrawing(
        pedigree_drawing(lineage, 4, Theme(), compact=True),
        paper,  # type: ignore[arg-type]
        "http://127.0.0.1:8004/embed/profile/x",
        "2026-11-25",
    )
    pdf = PdfReader(io.BytesIO(PdfRenderer().certificate(drawing)))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size
    text = pdf.pages[0].extract_text()
    for expected in ("Certificate of Pedigree", "Scales & Tails", "2024-07", "COI", "Pastel Clown"):
        assert expected in text
    png = Image.open(io.BytesIO(PngRenderer(dpi=100).certificate(drawing)))
    width, height = PAPER_SIZES[paper]
    assert png.size == (round(width * 100 / 72), round(height * 100 / 72))
    assert ImageStat.Stat(png.convert("L")).stddev[0] > 10


@pytest.mark.parametrize("size", [(10_000, 7_000), (20_000, 20_000)])
@pytest.mark.parametrize("renderer", [PngRenderer(), PdfRenderer()], ids=["png", "pdf"])
def test_a_logo_of_too_many_pixels_is_refused_before_decoding(
    renderer: PngRenderer | PdfRenderer, size: tuple[int, int], nothing_decoded: None
) -> None:
    _, lineage = snapshot(3)
    theme = Theme(logo=bomb_png(*size), logo_type="image/png")
    with pytest.raises(UnsupportedMedia, match="megapixels") as refused:
        renderer.pedigree(pedigree_drawing(lineage, 3, theme))
    assert refused.value.field_errors == {"image": "too many pixels"}
    certificate = CertificateDrawing(
        pedigree_drawing(lineage, 4, theme, compact=True), "a4", "http://x/p", "2026-11-25"
    )
    with pytest.raises(UnsupportedMedia, match="megapixels"):
        renderer.certificate(certificate)


@pytest.mark.parametrize("renderer", [PngRenderer(), PdfRenderer()], ids=["png", "pdf"])
def test_a_photo_of_too_many_pixels_is_refused_before_decoding(
    renderer: PngRenderer | PdfRenderer, nothing_decoded: None
) -> None:
    source, lineage = snapshot(3)
    photos = {str(source.animal_id): bomb_png()}
    with pytest.raises(UnsupportedMedia, match="megapixels"):
        renderer.pedigree(pedigree_drawing(lineage, 3, Theme(), photos=photos))


@pytest.mark.parametrize("renderer", [PngRenderer(), PdfRenderer()], ids=["png", "pdf"])
def test_a_logo_within_the_limit_is_drawn(renderer: PngRenderer | PdfRenderer) -> None:
    _, lineage = snapshot(3)
    plain = renderer.pedigree(pedigree_drawing(lineage, 3, Theme()))
    theme = Theme(logo=photo((600, 240), kind="PNG"), logo_type="image/png")
    assert renderer.pedigree(pedigree_drawing(lineage, 3, theme)) != plain
