"""What a file is, told from its first bytes (magic numbers), never from the client's word."""

from __future__ import annotations

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
GIF = "image/gif"
PDF = "application/pdf"
SVG = "image/svg+xml"

ACCEPTED: tuple[str, ...] = (JPEG, PNG, WEBP, GIF, PDF)
"""The content types an upload may have."""

IMAGES: frozenset[str] = frozenset({JPEG, PNG, WEBP, GIF})

EXTENSIONS: dict[str, str] = {JPEG: "jpg", PNG: "png", WEBP: "webp", GIF: "gif", PDF: "pdf"}


def sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes, or ``None`` when not recognised.

    SVG (XML text, able to carry scripts) is recognised so that it can be refused by name.

    >>> sniff(b"\\xff\\xd8\\xff\\xe0\\x00\\x10JFIF")
    'image/jpeg'
    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n....")
    'image/png'
    >>> sniff(b"RIFF\\x00\\x00\\x00\\x00WEBPVP8 ")
    'image/webp'
    >>> sniff(b"GIF89a..."), sniff(b"%PDF-1.7\\n")
    ('image/gif', 'application/pdf')
    >>> sniff(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')
    'image/svg+xml'
    >>> sniff(b"MZ\\x90\\x00") is None
    True
    """
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return PDF
    text = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<?xml", b"<svg", b"<!doctype svg", b"<!--")) and b"<svg" in text:
        return SVG
    return None
