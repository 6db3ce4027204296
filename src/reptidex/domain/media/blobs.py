"""Blob keys: where the bytes of files live in the blob store (local disk or S3)."""

from __future__ import annotations

import re

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
