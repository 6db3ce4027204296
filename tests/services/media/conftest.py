"""Fixtures of the repti-media tests (helpers are in ``media_testkit``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from media_testkit import Member, media_client
from PIL import ImageFile

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
def s3_endpoint(aws_endpoint: str) -> str:
    """The shared moto server, as the S3 endpoint."""
    return aws_endpoint
