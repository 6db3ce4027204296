"""Image processing and drawing run off the event loop, a few at a time; decompression bombs are
refused before decoding, as uploads and as logos drawn on charts.

Held fakes (an image processor, a renderer) wait on a :class:`threading.Event` until the test
lets them go, and the test lets them go only once another request has been answered: were the
work on the event loop, that request could not be answered while it waits, and the fake would
give up after :data:`PATIENCE` seconds and say so.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable

import httpx
import pytest
from media_testkit import (
    FakeLineageSource,
    Member,
    bomb_png,
    media_app,
    media_client,
    media_token,
    photo,
    served,
)

from reptidex.adapters.images.pillow_processor import PillowImageProcessor
from reptidex.adapters.render.raster import PngRenderer
from reptidex.domain.media.files import ProcessedImage, ScaledImage
from reptidex.domain.media.rendering import CertificateDrawing, PedigreeDrawing
from reptidex.services.kernel.app import components_of
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.wiring import CPU_WORKERS, MediaComponents, renderers

PATIENCE = 10.0
"""How long a held fake waits to be let go before it gives up (only when the test fails)."""


class Held:
    """Work that waits until the test lets it go, recording what happened in order."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.threads: list[str] = []
        self._lock = threading.Lock()
        self.active = 0
        self.most = 0

    def hold(self) -> None:
        with self._lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.threads.append(threading.current_thread().name)
            self.log.append("started")
        self.started.set()
        released = self.release.wait(PATIENCE)
        with self._lock:
            self.active -= 1
            self.log.append("released" if released else "gave up waiting")


class HeldImages(Held):
    """The Pillow image processor, held before it starts."""

    def process(self, data: bytes, content_type: str, sizes: tuple[int, ...]) -> ProcessedImage:
        self.hold()
        return PillowImageProcessor().process(data, content_type, sizes)


class HeldPng(Held):
    """The PNG renderer, held before it draws."""

    format = "png"

    def pedigree(self, drawing: PedigreeDrawing) -> bytes:
        self.hold()
        return PngRenderer().pedigree(drawing)

    def certificate(self, drawing: CertificateDrawing) -> bytes:
        self.hold()
        return PngRenderer().certificate(drawing)


class Unprocessed:
    """An image processor that keeps the bytes as they came, as files stored before the pixel
    limit existed were kept (no thumbnails: a logo is drawn from the original)."""

    def process(self, data: bytes, content_type: str, sizes: tuple[int, ...]) -> ProcessedImage:
        return ProcessedImage(ScaledImage(data, content_type, 1, 1), {})


def auth() -> dict[str, str]:
    """The headers of a member of a fresh organisation."""
    return {"Authorization": f"Bearer {media_token(uuid.uuid4())}"}


async def upload(
    client: httpx.AsyncClient, content: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(
        "/upload",
        files={"file": ("photo.png", content, "application/octet-stream")},
        headers=headers,
    )


async def test_the_service_answers_while_an_upload_is_processed(
    make_settings: Callable[..., Settings],
) -> None:
    images = HeldImages()
    app = media_app(make_settings(), images=images)
    async with served(app) as client:
        uploading = asyncio.ensure_future(upload(client, photo(kind="PNG"), auth()))
        await asyncio.to_thread(images.started.wait, PATIENCE)
        health = await client.get("/health")
        images.log.append("health answered")
        images.release.set()
        uploaded = await uploading
    pool = components_of(app, MediaComponents).cpu
    assert images.log == ["started", "health answered", "released"]
    assert health.status_code == 200
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["thumbnails"]
    assert images.threads == ["media-cpu_0"]
    with pytest.raises(RuntimeError, match="shutdown"):  # the app's end closed the pool
        await pool.run(lambda: None)


async def test_the_service_answers_while_a_chart_is_drawn(
    make_settings: Callable[..., Settings],
) -> None:
    source, png = FakeLineageSource(4), HeldPng()
    app = media_app(make_settings(), lineage=source, renderers={**renderers(), "png": png})
    async with served(app) as client:
        url = f"/render/pedigree/{source.animal_id}?generations=3&format=png"
        drawing = asyncio.ensure_future(client.get(url, headers=auth()))
        await asyncio.to_thread(png.started.wait, PATIENCE)
        health = await client.get("/health")
        png.log.append("health answered")
        png.release.set()
        drawn = await drawing
    assert png.log == ["started", "health answered", "released"]
    assert health.status_code == 200
    assert drawn.status_code == 200, drawn.text
    assert drawn.content.startswith(b"\x89PNG")
    assert png.threads[0].startswith("media-cpu")


async def test_no_more_images_are_processed_at_once_than_the_pool_has_workers(
    make_settings: Callable[..., Settings],
) -> None:
    images = HeldImages()
    app = media_app(make_settings(), images=images)
    pool = components_of(app, MediaComponents).cpu
    uploads = 2 * CPU_WORKERS
    async with served(app) as client:
        headers = auth()
        sent = [
            asyncio.ensure_future(upload(client, photo((64 + n, 48), kind="PNG"), headers))
            for n in range(uploads)
        ]
        for _ in range(1000):  # until every upload is either processing or waiting its turn
            if (pool.running, pool.waiting) == (CPU_WORKERS, uploads - CPU_WORKERS):
                break
            await asyncio.sleep(0.01)
        assert (pool.running, pool.waiting) == (CPU_WORKERS, uploads - CPU_WORKERS)
        assert images.active == CPU_WORKERS
        images.release.set()
        answers = await asyncio.gather(*sent)
    assert [a.status_code for a in answers] == [201] * uploads
    assert images.most == CPU_WORKERS == 2
    assert images.log.count("released") == uploads


def problem_fields(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    return {error["field"]: error["message"] for error in body["errors"]}


@pytest.mark.parametrize("size", [(20_000, 20_000), (10_000, 7_000)])
def test_a_decompression_bomb_upload_is_refused_before_decoding(
    member: Member, size: tuple[int, int], nothing_decoded: None
) -> None:
    bomb = bomb_png(*size)
    assert len(bomb) < 64 * 1024
    refused = member.upload(bomb, "bomb.png")
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "at most 60 megapixels" in refused.json()["detail"]
    assert problem_fields(refused) == {"file": "too many pixels"}


def test_a_logo_stored_before_the_pixel_limit_is_refused_before_decoding(
    make_settings: Callable[..., Settings], nothing_decoded: None
) -> None:
    source = FakeLineageSource(3)
    with media_client(make_settings(), lineage=source, images=Unprocessed()) as client:
        member = Member(client)
        logo = member.upload(bomb_png(), "old-logo.png")
        assert logo.status_code == 201, logo.text
        base = f"/render/pedigree/{source.animal_id}?generations=3&logo={logo.json()['id']}"
        for chart in (base + "&format=png", base + "&format=pdf"):
            refused = member.get(chart)
            assert refused.status_code == 422, (chart, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert problem_fields(refused) == {"image": "too many pixels"}
        certificate = member.get(
            f"/render/certificate/{source.animal_id}?logo={logo.json()['id']}&format=png"
        )
        assert certificate.status_code == 422, certificate.text
        # an SVG carries the logo's bytes as they are: the server decodes nothing
        assert member.get(base + "&format=svg").status_code == 200
