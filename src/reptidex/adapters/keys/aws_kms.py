"""Integration secrets sealed by AWS KMS through boto3: ``Encrypt`` and ``Decrypt`` with the
encryption context, under the key ``REPTIDEX_KMS_KEY_ID`` names (id, ARN or alias). KMS keeps
the key; the database keeps only KMS' ciphertext. boto3 is synchronous: every call runs in a
worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from reptidex.domain.integrations.keys import SecretUnavailable


class AwsKmsKeyManagement:
    """The :class:`~reptidex.domain.integrations.keys.KeyManagement` of one KMS key."""

    name = "aws-kms"

    def __init__(
        self,
        key_id: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
        timeout: float = 5.0,
    ) -> None:
        self.key_id = key_id
        self.client = client or boto3.client(
            "kms",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    async def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        """KMS ``Encrypt`` of ``plaintext`` under ``context``."""
        answer = await self._call(
            self.client.encrypt,
            KeyId=self.key_id,
            Plaintext=plaintext,
            EncryptionContext=dict(context),
        )
        return bytes(answer["CiphertextBlob"])

    async def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        """KMS ``Decrypt`` of ``ciphertext`` under ``context``, only with this key."""
        answer = await self._call(
            self.client.decrypt,
            KeyId=self.key_id,
            CiphertextBlob=ciphertext,
            EncryptionContext=dict(context),
        )
        return bytes(answer["Plaintext"])

    async def _call(self, operation: Any, **arguments: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = await asyncio.to_thread(operation, **arguments)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise SecretUnavailable(f"KMS refused: {code}") from None
        except BotoCoreError as exc:
            raise SecretUnavailable(f"KMS unreachable: {type(exc).__name__}") from None
        return answer
