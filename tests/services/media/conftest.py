"""Fixtures of the repti-media tests (helpers are in ``media_testkit``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from media_testkit import Member, media_client
from PIL import ImageFile

from platform_process import free_port as _free_port
from reptidex.services.kernel.settings import Settings


@pytest.fixture
def nothing_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any decoding of an image's pixels (by Pillow, in any thread) fails the test."""

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError(f"{self.size} pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    """repti-media on a fresh SQLite file and a local-disk blob store."""
    with media_client(make_settings()) as test_client:
        yield test_client


@pytest.fixture
def member(client: TestClient[Litestar]) -> Member:
    """A member of a fresh organisation."""
    return Member(client)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free port shared by the tests."""
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
