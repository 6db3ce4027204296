"""The Pillow image processor: every colour mode, orientation, metadata gone, bombs refused."""

from __future__ import annotations

import io

import pytest
from media_testkit import bomb_png, gps_exif
from PIL import Image

from reptidex.adapters.images.pillow_processor import PillowImageProcessor
from reptidex.domain.media.files import THUMBNAIL_SIZES, UnsupportedMedia

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


def encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        ("1", "PNG"),
        ("LA", "PNG"),
        ("P", "GIF"),
        ("RGBA", "WEBP"),
        ("I;16", "PNG"),
        ("CMYK", "JPEG"),
    ],
)
def test_every_colour_mode_is_processed(mode: str, kind: str) -> None:
    result = PillowImageProcessor().process(
        encoded(Image.new(mode, (300, 200)), kind), FORMATS[kind], THUMBNAIL_SIZES
    )
    assert (result.image.width, result.image.height) == (300, 200)
    decoded = Image.open(io.BytesIO(result.image.data))
    assert decoded.size == (300, 200)
    assert sorted(result.thumbnails) == [128, 256, 512]
    assert result.thumbnails[128].width == 128


def test_orientation_is_applied_before_metadata_goes() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise
    data = encoded(Image.new("RGB", (400, 100), "red"), "JPEG", exif=exif.tobytes())
    result = PillowImageProcessor().process(data, "image/jpeg", ())
    assert (result.image.width, result.image.height) == (100, 400)
    assert not Image.open(io.BytesIO(result.image.data)).getexif()


def test_png_text_and_exif_chunks_are_dropped() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "lat 51.5 lon -0.12")
    data = encoded(Image.new("RGB", (64, 64)), "PNG", pnginfo=info, exif=gps_exif())
    result = PillowImageProcessor().process(data, "image/png", (128,))
    assert b"lat 51.5" not in result.image.data
    assert b"eXIf" not in result.image.data
    assert b"SnakeCam" not in result.image.data


def test_too_many_pixels_are_refused_before_decoding() -> None:
    data = encoded(Image.new("1", (10_000, 7_000)), "PNG")  # 70 megapixels, a small file
    with pytest.raises(UnsupportedMedia, match="megapixels"):
        PillowImageProcessor().process(data, "image/png", THUMBNAIL_SIZES)


def test_a_decompression_bomb_is_refused_before_decoding(nothing_decoded: None) -> None:
    data = bomb_png(20_000, 20_000)  # 400 megapixels in 48 kB: more than Pillow opens at all
    with pytest.raises(UnsupportedMedia, match="too many pixels; at most 60 megapixels"):
        PillowImageProcessor().process(data, "image/png", THUMBNAIL_SIZES)
    with pytest.raises(UnsupportedMedia, match="10000×7000 pixels; at most 60 megapixels"):
        PillowImageProcessor().process(bomb_png(10_000, 7_000), "image/png", THUMBNAIL_SIZES)


def test_truncated_images_are_refused() -> None:
    data = encoded(Image.linear_gradient("L").resize((400, 400)), "JPEG")
    with pytest.raises(UnsupportedMedia):
        PillowImageProcessor().process(data[: len(data) // 2], "image/jpeg", ())
