"""Integration secrets sealed with a local AES-256-GCM key.

The key is ``REPTIDEX_INTEGRATION_SECRETS_KEY`` (32 bytes, base64) or, without it, a random
key made on first use in ``<data dir>/integration-secrets.key`` (mode 0600). The encryption
context is the cipher's associated data (compact JSON, keys sorted), so a ciphertext opens only
under the context it was sealed with. A ciphertext is ``0x01``, the first 4 bytes of the key's
SHA-256 (to tell a wrong key from tampering), a 12-byte nonce, then the sealed text and tag.

>>> import asyncio
>>> keys = LocalKeyManagement(bytes(32))
>>> sealed = asyncio.run(keys.encrypt(b"whsec_x", {"webhook_id": "1"}))
>>> asyncio.run(keys.decrypt(sealed, {"webhook_id": "1"}))
b'whsec_x'
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reptidex.domain.integrations.keys import SecretUnavailable

KEY_FILE = "integration-secrets.key"
_VERSION = b"\x01"
_NONCE = 12
_KEY_ID = 4


def parse_key(text: str) -> bytes:
    """The 32 bytes of a base64 key (standard or URL-safe alphabet).

    Raises:
        ValueError: not base64, or not 32 bytes.
    """
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise ValueError("must be 32 random bytes in base64 (openssl rand -base64 32)") from None
    if len(key) != 32:
        raise ValueError("must be 32 random bytes in base64 (openssl rand -base64 32)")
    return key


def key_from_folder(data_dir: Path) -> bytes:
    """The key in ``<data dir>/integration-secrets.key``, made (mode 0600) when missing."""
    path = data_dir / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("xb") as handle:
                path.chmod(0o600)
                handle.write(os.urandom(32))
        except FileExistsError:  # another service of the process made it first
            pass
        return path.read_bytes()


def _associated(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode("utf-8")


class LocalKeyManagement:
    """The :class:`~reptidex.domain.integrations.keys.KeyManagement` of one AES-256 key."""

    name = "local"

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the local key must be 32 bytes")
        self._cipher = AESGCM(key)
        self._key_id = hashlib.sha256(key).digest()[:_KEY_ID]

    async def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        """Seal ``plaintext`` under ``context``."""
        nonce = os.urandom(_NONCE)
        sealed = self._cipher.encrypt(nonce, plaintext, _associated(context))
        return _VERSION + self._key_id + nonce + sealed

    async def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        """Open a ciphertext sealed under the same ``context`` with this key."""
        header = len(_VERSION) + _KEY_ID
        if ciphertext[:1] != _VERSION or len(ciphertext) < header + _NONCE + 16:
            raise SecretUnavailable("not a ciphertext of the local key")
        if ciphertext[1:header] != self._key_id:
            raise SecretUnavailable("sealed with another local key")
        nonce, sealed = ciphertext[header : header + _NONCE], ciphertext[header + _NONCE :]
        try:
            return self._cipher.decrypt(nonce, sealed, _associated(context))
        except InvalidTag:
            raise SecretUnavailable("the ciphertext or its context does not match") from None
