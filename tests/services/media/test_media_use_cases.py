"""The media use cases with in-memory fakes of their ports (no database, no HTTP)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

import pytest
from media_testkit import FakeLineageSource, photo

from reptidex.domain.audit import AUDIT_EVENT, record_of
from reptidex.domain.errors import InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events.envelope import DomainEvent
from reptidex.domain.media.files import (
    FileTooLarge,
    ProcessedImage,
    ScaledImage,
    StoredFile,
    UnsupportedMedia,
    Uploader,
    Visibility,
)
from reptidex.domain.media.rendering import (
    CachedRender,
    CertificateDrawing,
    PedigreeDrawing,
    RecentRenders,
    RenderRequest,
)
from reptidex.domain.media.use_cases.charts import render
from reptidex.domain.media.use_cases.files import delete_file, upload_file

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


class FakeFiles:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, StoredFile] = {}

    async def add(self, record: StoredFile) -> None:
        self.rows[record.id] = record

    async def get(self, file_id: uuid.UUID) -> StoredFile | None:
        return self.rows.get(file_id)

    async def find_source(
        self, organisation_id: uuid.UUID, source_sha256: str
    ) -> StoredFile | None:
        return next(
            (
                r
                for r in self.rows.values()
                if r.organisation_id == organisation_id and r.source_sha256 == source_sha256
            ),
            None,
        )

    async def remove(self, file_id: uuid.UUID) -> None:
        del self.rows[file_id]

    async def count_blob_users(self, blob_key: str) -> int:
        return sum(r.blob_key == blob_key for r in self.rows.values())

    async def latest_public_image(
        self, animal_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> StoredFile | None:
        return None


class FakeRenders:
    def __init__(self) -> None:
        self.rows: dict[str, CachedRender] = {}

    async def get(self, key: str) -> CachedRender | None:
        return self.rows.get(key)

    async def put(self, render: CachedRender) -> None:
        self.rows[render.key] = render

    async def invalidate(self, animal_id: str) -> int:
        stale = [k for k, r in self.rows.items() if animal_id in r.members]
        for key in stale:
            del self.rows[key]
        return len(stale)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.files = FakeFiles()
        self.renders = FakeRenders()
        self.staged: list[DomainEvent] = []
        self.commits = 0

    def stage(self, event: DomainEvent) -> None:
        self.staged.append(event)

    async def commit(self) -> None:
        self.commits += 1


class FakeBlobs:
    def __init__(self) -> None:
        self.items: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        self.items[key] = data

    async def delete(self, key: str) -> None:
        self.items.pop(key, None)


class FakeImages:
    """Pretends to re-encode: the bytes are prefixed so the test can tell."""

    def __init__(self) -> None:
        self.calls = 0

    def process(self, data: bytes, content_type: str, sizes: tuple[int, ...]) -> ProcessedImage:
        self.calls += 1
        if b"broken" in data:
            raise UnsupportedMedia("does not decode")
        return ProcessedImage(
            ScaledImage(b"clean:" + data[:16], content_type, 64, 48),
            {size: ScaledImage(b"thumb", "image/jpeg", size, size) for size in sizes},
        )


ORG = uuid.uuid4()
MEMBER = Uploader(ORG, uuid.uuid4(), may_write=True)


async def test_upload_dedupes_and_delete_counts_references() -> None:
    uow, blobs, images = FakeUnitOfWork(), FakeBlobs(), FakeImages()
    data = photo()
    first, again = await upload_file(uow, blobs, images, MEMBER, data, filename="a.jpg", now=NOW)
    second, dup = await upload_file(
        uow,
        blobs,
        images,
        MEMBER,
        data,
        filename="../../b.jpg",
        visibility=Visibility.PUBLIC,
        now=NOW,
    )
    assert (again, dup) == (False, True)
    assert images.calls == 1  # identical bytes are not processed twice
    assert second.filename == "b.jpg"
    assert second.blob_key == first.blob_key
    assert blobs.items[first.blob_key].startswith(b"clean:")
    assert len(blobs.items) == 4
    events = [e for e in uow.staged if e.type != AUDIT_EVENT]
    assert [e.type for e in events] == ["file.uploaded", "file.uploaded"]
    assert events[1].payload["deduplicated"] is True
    assert await delete_file(uow, blobs, MEMBER, first.id) is False
    assert len(blobs.items) == 4
    assert await delete_file(uow, blobs, MEMBER, second.id) is True
    records = [record_of(e) for e in uow.staged if e.type == AUDIT_EVENT]
    assert [(r.resource_kind, r.action, r.service) for r in records] == [
        ("file", "created", "media"),
        ("file", "created", "media"),
        ("file", "deleted", "media"),
        ("file", "deleted", "media"),
    ]
    created = records[1]
    assert (created.resource_id, created.actor_id, created.organisation_id) == (
        str(second.id),
        MEMBER.user_id,
        ORG,
    )
    assert created.after["filename"] == "b.jpg"
    assert created.after["visibility"] == "public"
    assert created.after["sha256"] == second.sha256
    assert "blob_key" not in created.after  # where the bytes are kept is no change of record
    assert records[2].before["filename"] == "a.jpg"
    assert records[2].after == {}
    assert blobs.items == {}
    with pytest.raises(NotFound):
        await delete_file(uow, blobs, MEMBER, second.id)


async def test_upload_refusals() -> None:
    uow, blobs, images = FakeUnitOfWork(), FakeBlobs(), FakeImages()
    viewer = Uploader(ORG, None, may_write=False)
    with pytest.raises(PermissionDenied):
        await upload_file(uow, blobs, images, viewer, photo(), filename=None, now=NOW)
    with pytest.raises(UnsupportedMedia, match="SVG"):
        await upload_file(uow, blobs, images, MEMBER, b"<svg xmlns='x'/>", filename=None, now=NOW)
    with pytest.raises(FileTooLarge):
        await upload_file(
            uow, blobs, images, MEMBER, b"%PDF-" + b"0" * (11 * 1024 * 1024), filename=None,
            now=NOW, plan="free",
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        await upload_file(uow, blobs, images, MEMBER, b"", filename=None, now=NOW)
    with pytest.raises(UnsupportedMedia):
        await upload_file(uow, blobs, images, MEMBER, photo() + b"broken", filename=None, now=NOW)
    assert blobs.items == {}
    assert uow.staged == []


async def test_other_organisations_cannot_delete() -> None:
    uow, blobs, images = FakeUnitOfWork(), FakeBlobs(), FakeImages()
    record, _ = await upload_file(uow, blobs, images, MEMBER, photo(), filename=None, now=NOW)
    with pytest.raises(NotFound):
        await delete_file(uow, blobs, Uploader(uuid.uuid4(), None, True), record.id)


class CountingRenderer:
    format = "svg"

    def __init__(self) -> None:
        self.drawn = 0

    def pedigree(self, drawing: PedigreeDrawing) -> bytes:
        self.drawn += 1
        return f"{drawing.title}:{len(drawing.layout.boxes)}".encode()

    def certificate(self, drawing: CertificateDrawing) -> bytes:
        self.drawn += 1
        return f"certificate:{drawing.pedigree.title}".encode()


async def test_render_once_per_lineage_version() -> None:
    source = FakeLineageSource(4)
    uow, recent, renderer = FakeUnitOfWork(), RecentRenders(), CountingRenderer()
    renderers: Mapping[str, CountingRenderer] = {"svg": renderer}
    request = RenderRequest("pedigree", source.animal_id, "svg", generations=3)

    async def once() -> bool:
        result = await render(
            request, source=source, credential="t", uow=uow, recent=recent,
            renderers=renderers, profile_url="u", issued="today",
        )  # fmt: skip
        return result.cached

    assert [await once(), await once()] == [False, True]
    assert renderer.drawn == 1
    recent.invalidate(str(source.animal_id))
    assert await once() is True  # from the store
    source.names[source.root] = "Renamed"
    assert await once() is False
    assert renderer.drawn == 2
    assert [e.type for e in uow.staged] == ["render.completed", "render.completed"]
    assert source.credentials == ["t"] * 4
