"""A blob store in an S3 bucket (AWS or any S3-compatible server) through boto3.

boto3 is synchronous; every call runs in a worker thread. Large files go up as multipart
uploads (parts of ``part_size`` bytes once a file exceeds ``multipart_threshold``).
"""

from __future__ import annotations

import asyncio
import io
from typing import Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from reptidex.domain.media.blobs import BlobNotFound, checked_key

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3BlobStore:
    """Blobs as objects ``<prefix>/<key>`` in ``bucket``."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
        multipart_threshold: int = 8 * 1024 * 1024,
        part_size: int = 8 * 1024 * 1024,
        timeout: float = 10.0,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=part_size
        )

    def _name(self, key: str) -> str:
        key = checked_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data``: one PUT, or a multipart upload above the threshold."""
        if len(data) > self.transfer.multipart_threshold:
            await self.put_file(key, io.BytesIO(data), content_type=content_type)
            return
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=self._name(key),
            Body=data,
            ContentType=content_type,
        )

    async def put_file(self, key: str, source: BinaryIO, *, content_type: str) -> None:
        """Upload a file, in parts when it is larger than the multipart threshold."""
        await asyncio.to_thread(
            self.client.upload_fileobj,
            source,
            self.bucket,
            self._name(key),
            ExtraArgs={"ContentType": content_type},
            Config=self.transfer,
        )

    def _get(self, key: str, start: int, end: int | None) -> bytes:
        arguments: dict[str, Any] = {"Bucket": self.bucket, "Key": self._name(key)}
        if start or end is not None:
            arguments["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            response = self.client.get_object(**arguments)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise BlobNotFound(f"no blob {key!r}") from None
            raise
        body: bytes = response["Body"].read()
        return body

    async def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """The bytes ``start`` to ``end`` inclusive (a ranged GET)."""
        return await asyncio.to_thread(self._get, key, start, end)

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return head

    async def size(self, key: str) -> int:
        """The object's size."""
        head = await asyncio.to_thread(self._head, key)
        if head is None:
            raise BlobNotFound(f"no blob {key!r}")
        return int(head["ContentLength"])

    async def exists(self, key: str) -> bool:
        """Whether the object exists."""
        return await asyncio.to_thread(self._head, key) is not None

    async def delete(self, key: str) -> None:
        """Delete the object (S3 does not mind a missing key)."""
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._name(key))
