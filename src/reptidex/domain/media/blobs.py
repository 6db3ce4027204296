"""The blob-store port: where the bytes of files live (local disk or S3), by key."""

from __future__ import annotations

import re
from typing import BinaryIO, Protocol

from reptidex.domain.errors import InvalidInput, NotFound

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


def checked_key(key: str) -> str:
    """``key`` when it is a safe relative key (``a/b/c.jpg``), else :class:`InvalidInput`.

    Segments start with a letter or digit, so ``..``, absolute paths and hidden names are
    refused before any adapter turns a key into a path or an object name.

    >>> checked_key("org/ab/abcdef.jpg")
    'org/ab/abcdef.jpg'
    >>> checked_key("../etc/passwd")
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: invalid blob key '../etc/passwd'
    """
    if len(key) > 512 or not _KEY.match(key):
        raise InvalidInput(f"invalid blob key {key!r}")
    return key


class BlobNotFound(NotFound):
    """No blob is stored under the key."""


class BlobStore(Protocol):
    """Bytes by key. Writes replace; reads of a missing key raise :class:`BlobNotFound`."""

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data`` under ``key``."""
        ...

    async def put_file(self, key: str, source: BinaryIO, *, content_type: str) -> None:
        """Store a (possibly large) binary file; adapters stream it in parts."""
        ...

    async def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """The bytes ``start`` to ``end`` inclusive (``end`` None: to the last byte)."""
        ...

    async def size(self, key: str) -> int:
        """The blob's size in bytes."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; removing a missing key is not an error."""
        ...
