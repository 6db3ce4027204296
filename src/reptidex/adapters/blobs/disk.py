"""A blob store on the local disk: one file per key under a root folder."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from reptidex.domain.media.blobs import BlobNotFound, checked_key


class DiskBlobStore:
    """Blobs as files under ``root`` (``<data dir>/media`` in the embedded platform).

    Writes go to a temporary file in the same folder and are renamed into place, so a reader
    never sees half a file.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*checked_key(key).split("/"))

    def _write(self, key: str, source: BinaryIO) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data`` under ``key``."""
        import io

        await asyncio.to_thread(self._write, key, io.BytesIO(data))

    async def put_file(self, key: str, source: BinaryIO, *, content_type: str) -> None:
        """Copy a binary file under ``key`` in 1 MiB chunks."""
        await asyncio.to_thread(self._write, key, source)

    def _read(self, key: str, start: int, end: int | None) -> bytes:
        try:
            with self._path(key).open("rb") as handle:
                handle.seek(start)
                return handle.read(-1 if end is None else max(0, end - start + 1))
        except FileNotFoundError:
            raise BlobNotFound(f"no blob {key!r}") from None

    async def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """The bytes ``start`` to ``end`` inclusive."""
        return await asyncio.to_thread(self._read, key, start, end)

    async def size(self, key: str) -> int:
        """The blob's size in bytes."""
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(f"no blob {key!r}") from None

    async def exists(self, key: str) -> bool:
        """Whether the file exists."""
        return self._path(key).is_file()

    async def delete(self, key: str) -> None:
        """Remove the file (no error when it is already gone)."""
        self._path(key).unlink(missing_ok=True)
