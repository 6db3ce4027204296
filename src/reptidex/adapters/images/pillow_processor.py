"""Decode and re-encode uploads with Pillow: metadata dropped, orientation applied, thumbnails.

Re-encoding from pixels writes no EXIF, XMP or ICC text chunks, so a photo's GPS position, camera
serial and the like never reach the stored file. The EXIF orientation is applied first, so a
photo taken upright stays upright once its metadata is gone. An image of more pixels than the
limit (:mod:`~reptidex.adapters.images.pixel_limit`) is refused before it is decoded.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from reptidex.adapters.images.pixel_limit import MAX_PIXELS, open_within_limit
from reptidex.domain.media.files import ProcessedImage, ScaledImage, UnsupportedMedia

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


class PillowImageProcessor:
    """The :class:`~reptidex.domain.media.ports.ImageProcessor` on Pillow."""

    def __init__(self, *, jpeg_quality: int = 88, max_pixels: int = MAX_PIXELS) -> None:
        self.jpeg_quality = jpeg_quality
        self.max_pixels = max_pixels

    def _decode(self, data: bytes, content_type: str) -> Image.Image:
        try:
            image = open_within_limit(
                data, formats=(_FORMATS[content_type],), max_pixels=self.max_pixels
            )
            image.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise UnsupportedMedia(
                f"The {content_type} file does not decode: {exc}",
                field_errors={"file": "not a valid image"},
            ) from None
        return image

    def _encode(self, image: Image.Image, content_type: str) -> ScaledImage:
        buffer = io.BytesIO()
        if content_type == "image/jpeg":
            image.convert("RGB").save(
                buffer, "JPEG", quality=self.jpeg_quality, optimize=True, progressive=True
            )
        elif content_type == "image/webp":
            image.save(buffer, "WEBP", quality=self.jpeg_quality, method=4)
        elif content_type == "image/gif":
            image.save(buffer, "GIF")
        else:
            image.save(buffer, "PNG", optimize=False)
        return ScaledImage(buffer.getvalue(), content_type, image.width, image.height)

    def process(self, data: bytes, content_type: str, sizes: tuple[int, ...]) -> ProcessedImage:
        """The image re-encoded without metadata, and thumbnails no larger than each size.

        JPEG stays JPEG and WebP stays WebP; PNG stays PNG; a GIF keeps its first frame as
        PNG (animation is not kept). Thumbnails are JPEG, or PNG when the image is transparent.
        """
        decoded = self._decode(data, content_type)
        try:
            return self._clean(decoded, content_type, sizes)
        except (OSError, ValueError) as exc:  # an odd mode or a broken EXIF block
            raise UnsupportedMedia(
                f"The {content_type} file cannot be processed: {exc}",
                field_errors={"file": "not a usable image"},
            ) from None

    def _clean(
        self, decoded: Image.Image, content_type: str, sizes: tuple[int, ...]
    ) -> ProcessedImage:
        image = ImageOps.exif_transpose(decoded)
        alpha = _has_alpha(image)
        if image.mode not in ("RGB", "RGBA", "L"):
            image = image.convert("RGBA" if alpha else "RGB")
        if content_type == "image/gif":
            content_type = "image/png"
        # A fresh image from the pixels alone: no EXIF, XMP, ICC or text chunks travel along.
        clean = Image.frombytes(image.mode, image.size, image.tobytes())
        main = self._encode(clean, content_type)
        thumb_type = "image/png" if alpha else "image/jpeg"
        thumbnails = {}
        for size in sizes:
            scaled = clean.copy()
            scaled.thumbnail((size, size), Image.Resampling.LANCZOS)
            thumbnails[size] = self._encode(scaled, thumb_type)
        return ProcessedImage(main, thumbnails)
