"""Blob stores: the local disk and S3 against a real S3-compatible server (moto in server mode)."""

from __future__ import annotations

import io
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reptidex.adapters.blobs.disk import DiskBlobStore
from reptidex.adapters.blobs.s3 import S3BlobStore
from reptidex.domain.errors import InvalidInput
from reptidex.domain.media.blobs import BlobNotFound, BlobStore


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free port for this module's tests."""
    from moto.server import ThreadedMotoServer

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any credentials
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _s3_store(endpoint: str, bucket: str, **options: int) -> S3BlobStore:
    store = S3BlobStore(
        bucket, prefix="media/test", endpoint_url=endpoint, region="us-east-1", **options
    )
    store.client.create_bucket(Bucket=bucket)
    return store


@pytest.fixture(params=["disk", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "disk":
        return DiskBlobStore(tmp_path / "media")
    endpoint = request.getfixturevalue("s3_endpoint")
    return _s3_store(endpoint, f"bucket-{uuid.uuid4().hex[:12]}")


async def test_put_read_range_size_delete(store: BlobStore) -> None:
    await store.put("org/ab/file.bin", b"0123456789", content_type="application/octet-stream")
    assert await store.exists("org/ab/file.bin")
    assert await store.read("org/ab/file.bin") == b"0123456789"
    assert await store.read("org/ab/file.bin", 2, 4) == b"234"
    assert await store.read("org/ab/file.bin", 7) == b"789"
    assert await store.size("org/ab/file.bin") == 10
    await store.put("org/ab/file.bin", b"new", content_type="application/octet-stream")
    assert await store.read("org/ab/file.bin") == b"new"
    await store.delete("org/ab/file.bin")
    await store.delete("org/ab/file.bin")  # a second delete is no error
    assert not await store.exists("org/ab/file.bin")
    with pytest.raises(BlobNotFound):
        await store.read("org/ab/file.bin")
    with pytest.raises(BlobNotFound):
        await store.size("org/ab/file.bin")


@pytest.mark.parametrize("key", ["../escape", "/absolute", "a//b", ".hidden", "a/../b", ""])
async def test_unsafe_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidInput):
        await store.put(key, b"x", content_type="text/plain")


async def test_disk_store_keeps_files_under_its_root(tmp_path: Path) -> None:
    store = DiskBlobStore(tmp_path / "media")
    await store.put_file("o/k.bin", io.BytesIO(b"abc" * 1000), content_type="x/y")
    assert (tmp_path / "media" / "o" / "k.bin").read_bytes() == b"abc" * 1000
    assert not [p for p in (tmp_path / "media" / "o").iterdir() if p.name.startswith(".")]


async def test_s3_multipart_upload_of_a_large_file(s3_endpoint: str) -> None:
    part = 5 * 1024 * 1024  # S3's smallest part size
    store = _s3_store(s3_endpoint, "bucket-multipart", multipart_threshold=part, part_size=part)
    payload = os.urandom(1024) * (12 * 1024)  # 12 MiB: three parts
    calls: list[str] = []
    store.client.meta.events.register(
        "before-call.s3.*", lambda model, **_: calls.append(model.name)
    )
    await store.put_file("org/big.bin", io.BytesIO(payload), content_type="image/jpeg")
    assert "CreateMultipartUpload" in calls
    assert calls.count("UploadPart") == 3
    assert "CompleteMultipartUpload" in calls
    assert await store.size("org/big.bin") == len(payload)
    assert await store.read("org/big.bin", part - 2, part + 1) == payload[part - 2 : part + 2]
    assert await store.read("org/big.bin") == payload
    head = store.client.head_object(Bucket="bucket-multipart", Key="media/test/org/big.bin")
    assert head["ContentType"] == "image/jpeg"
