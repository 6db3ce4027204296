"""Blob stores: the local disk and S3 against a real S3-compatible server (moto in server mode)."""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest

from reptidex.adapters.blobs.disk import DiskBlobStore
from reptidex.adapters.blobs.s3 import S3BlobStore
from reptidex.domain.errors import InvalidInput
from reptidex.domain.media.blobs import BlobNotFound
from reptidex.domain.media.ports import BlobStore


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


async def test_s3_large_put_goes_multipart(s3_endpoint: str) -> None:
    part = 5 * 1024 * 1024
    store = _s3_store(s3_endpoint, "bucket-large-put", multipart_threshold=part, part_size=part)
    calls: list[str] = []
    store.client.meta.events.register(
        "before-call.s3.*", lambda model, **_: calls.append(model.name)
    )
    payload = b"x" * (part + 1)
    await store.put("org/large.bin", payload, content_type="application/pdf")
    assert "CreateMultipartUpload" in calls
    assert await store.read("org/large.bin", part, part) == b"x"
    calls.clear()
    await store.put("org/small.bin", b"small", content_type="text/plain")
    assert calls == ["PutObject"]


def test_blob_store_settings(tmp_path: Path) -> None:
    from reptidex.services.kernel.settings import SettingsError, load_settings
    from reptidex.services.media.wiring import blob_store_from

    base = {"REPTIDEX_DATA_DIR": str(tmp_path)}
    assert isinstance(blob_store_from(load_settings(base)), DiskBlobStore)
    s3 = load_settings(
        {
            **base,
            "REPTIDEX_BLOB_STORE": "S3",
            "REPTIDEX_S3_BUCKET": "b",
            "REPTIDEX_S3_PREFIX": "/x/",
        }
    )
    store = blob_store_from(s3)
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == ("b", "x")
    with pytest.raises(SettingsError) as error:
        load_settings({**base, "REPTIDEX_BLOB_STORE": "s3", "REPTIDEX_S3_ENDPOINT_URL": "ftp://x"})
    problems = "\n".join(error.value.problems)
    assert "REPTIDEX_S3_BUCKET" in problems
    assert "REPTIDEX_S3_ENDPOINT_URL" in problems
    with pytest.raises(SettingsError):
        load_settings({**base, "REPTIDEX_BLOB_STORE": "tape"})
