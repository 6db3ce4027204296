"""The decompression-bomb limit: an image's pixel count is read from its header, before decoding.

A few dozen kilobytes of PNG can declare 20000×20000 pixels, which take gigabytes and many
seconds to decode. Every place that decodes images people sent (uploads, the logos and photos drawn on
charts) opens them here first: opening reads the header only, and an image of more than
:data:`MAX_PIXELS` is refused before any pixel is decoded.
"""

from __future__ import annotations

import io

from PIL import Image

from reptidex.domain.media.files import UnsupportedMedia

MAX_PIXELS = 60_000_000
"""The largest image (in pixels) decoded; larger ones are refused before decoding."""


def too_many_pixels(
    size: tuple[int, int] | None, what: str, field: str, max_pixels: int
) -> UnsupportedMedia:
    """The refusal of an image of ``size`` pixels (``None``: more than Pillow opens at all)."""
    has = "too many pixels" if size is None else f"{size[0]}×{size[1]} pixels"
    return UnsupportedMedia(
        f"{what} has {has}; at most {max_pixels // 1_000_000} megapixels are accepted.",
        field_errors={field: "too many pixels"},
    )


def open_within_limit(
    data: bytes,
    *,
    formats: tuple[str, ...] | None = None,
    max_pixels: int = MAX_PIXELS,
    what: str = "The image",
    field: str = "file",
) -> Image.Image:
    """``data`` opened (its header read, no pixel decoded yet) when it has at most
    ``max_pixels``; :class:`~reptidex.domain.media.files.UnsupportedMedia` (naming ``field``)
    when it has more. Pillow's own errors for bytes that are no image pass through.

    >>> bomb = io.BytesIO()
    >>> Image.new("1", (10_000, 7_000)).save(bomb, "PNG")
    >>> len(bomb.getvalue()) < 100_000
    True
    >>> open_within_limit(bomb.getvalue())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    reptidex.domain.media.files.UnsupportedMedia: The image has 10000×7000 pixels; at most 60 ...
    """
    # Pillow itself refuses images of more than twice its MAX_IMAGE_PIXELS (179 megapixels) as
    # it opens them. Between the two limits it warns; no warning filter is set here (they are
    # not thread-safe, and this runs on worker threads): the refusal below follows anyway.
    try:
        image = Image.open(io.BytesIO(data), formats=formats)
    except Image.DecompressionBombError:
        raise too_many_pixels(None, what, field, max_pixels) from None
    if image.width * image.height > max_pixels:
        image.close()
        raise too_many_pixels(image.size, what, field, max_pixels)
    return image
