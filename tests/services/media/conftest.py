"""Fixtures of the repti-media tests (helpers are in ``media_testkit``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from media_testkit import Member, media_client

from reptidex.services.kernel.settings import Settings


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    """repti-media on a fresh SQLite file and a local-disk blob store."""
    with media_client(make_settings()) as test_client:
        yield test_client


@pytest.fixture
def member(client: TestClient[Litestar]) -> Member:
    """A member of a fresh organisation."""
    return Member(client)
