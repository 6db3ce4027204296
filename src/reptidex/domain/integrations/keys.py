"""The key-management port: integration secrets are stored only as ciphertext.

A :class:`KeyManagement` encrypts a secret under an *encryption context* (who the secret
belongs to: its purpose, organisation, webhook and version), and decrypts it only under the
same context, so a ciphertext copied onto another row, or another organisation's, cannot be
read. The local adapter uses AES-256-GCM with a key from the settings or the data folder;
the AWS adapter calls KMS (``docs/ops.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class SecretUnavailable(Exception):
    """A secret cannot be decrypted: the key service is unreachable, or the ciphertext does not
    match the key or the context (tampered, moved, or sealed by another key)."""


class KeyManagement(Protocol):
    """Encrypts and decrypts integration secrets."""

    @property
    def name(self) -> str:
        """Which key sealed a ciphertext (``local``, ``aws-kms``), stored beside it."""
        ...

    async def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        """The ciphertext of ``plaintext``, bound to ``context``.

        Raises:
            SecretUnavailable: the key service cannot be reached.
        """
        ...

    async def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        """The plaintext of ``ciphertext`` sealed under the same ``context``.

        Raises:
            SecretUnavailable: the key or the context does not match, or the key service
                cannot be reached.
        """
        ...
