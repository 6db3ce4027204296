"""Short-lived signed URLs for private files: an HMAC of the file, the variant and the expiry."""

from __future__ import annotations

import hashlib
import hmac
import uuid

from reptidex.domain.errors import NotAuthenticated

MAX_LIFETIME = 24 * 3600
"""The longest a signed URL may stay valid, in seconds."""


class UrlSigner:
    """Signs and checks ``(file, variant, expires)`` triples with a secret key.

    >>> signer = UrlSigner(b"k" * 32)
    >>> file_id = uuid.UUID(int=1)
    >>> signature = signer.sign(file_id, "original", 2_000)
    >>> signer.check(file_id, "original", 2_000, signature, now=1_000)
    >>> signer.is_valid(file_id, "thumb-128", 2_000, signature, now=1_000)
    False
    >>> signer.check(file_id, "original", 2_000, signature, now=3_000)
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.NotAuthenticated: The signed URL has expired.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the signing key needs at least 16 bytes")
        self._key = key

    def sign(self, file_id: uuid.UUID, variant: str, expires: int) -> str:
        """The hex signature of a URL to ``file_id``'s ``variant`` valid until ``expires``."""
        message = f"{file_id}:{variant}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def check(
        self, file_id: uuid.UUID, variant: str, expires: int, signature: str, *, now: float
    ) -> None:
        """Nothing when the signature is right and not expired; else :class:`NotAuthenticated`."""
        expected = self.sign(file_id, variant, expires)
        if not signature.isascii() or not hmac.compare_digest(expected, signature):
            raise NotAuthenticated("The signed URL is not valid.")
        if now >= expires:
            raise NotAuthenticated("The signed URL has expired.")

    def is_valid(
        self, file_id: uuid.UUID, variant: str, expires: int, signature: str, *, now: float
    ) -> bool:
        """Whether :meth:`check` would pass."""
        try:
            self.check(file_id, variant, expires, signature, now=now)
        except NotAuthenticated:
            return False
        return True
