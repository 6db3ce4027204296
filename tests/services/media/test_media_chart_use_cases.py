"""The chart use cases with in-memory fakes of their ports (no database, no HTTP): entitlement,
the logo, photos, the cache, and that a failure half-way commits nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import pytest
from media_fakes import (
    Broken,
    FakeBlobs,
    FakeMediaUnitOfWork,
    FixedPlans,
    MediaTables,
    RecordingRunner,
)
from media_testkit import FakeLineageSource, photo

from reptidex.domain.errors import InvalidInput, NotFound, PermissionDenied, PlanUnknown
from reptidex.domain.media.embeds import PublicAnimal
from reptidex.domain.media.files import StoredFile, Visibility
from reptidex.domain.media.rendering import (
    CertificateDrawing,
    PedigreeDrawing,
    RecentRenders,
    RenderResult,
)
from reptidex.domain.media.use_cases.charts import render_chart

ORG = uuid.uuid4()


class Recorder:
    """A renderer that keeps what it was asked to draw."""

    format = "svg"

    def __init__(self) -> None:
        self.drawings: list[PedigreeDrawing | CertificateDrawing] = []

    def pedigree(self, drawing: PedigreeDrawing) -> bytes:
        self.drawings.append(drawing)
        return f"pedigree of {drawing.snapshot.root.label}".encode()

    def certificate(self, drawing: CertificateDrawing) -> bytes:
        self.drawings.append(drawing)
        return b"certificate"


class NoNames:
    async def name_of(self, organisation_id: uuid.UUID) -> str | None:
        return None


class Studio:
    """The ports of a chart, and a way to ask for one."""

    def __init__(self, plan: str | PlanUnknown | None = "breeder") -> None:
        self.state = MediaTables()
        self.blobs = FakeBlobs()
        self.source = FakeLineageSource(4)
        self.plans = FixedPlans(plan)
        self.recent = RecentRenders()
        self.renderer = Recorder()
        self.cpu = RecordingRunner()

    def file(
        self,
        content: bytes,
        content_type: str,
        *,
        organisation_id: uuid.UUID = ORG,
        visibility: Visibility = Visibility.PRIVATE,
        animal_id: uuid.UUID | None = None,
    ) -> StoredFile:
        record = StoredFile(
            uuid.uuid4(), organisation_id, None, "f", content_type, len(content), "sha", "sha",
            f"blob/{uuid.uuid4()}", visibility, dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            animal_id=animal_id,
        )  # fmt: skip
        self.state.tables.files[record.id] = record
        self.blobs.items[record.blob_key] = content
        return record

    async def chart(
        self,
        kind: Literal["pedigree", "certificate"] = "pedigree",
        *,
        organisation_id: uuid.UUID | None = ORG,
        logo: uuid.UUID | None = None,
        fail: str | None = None,
    ) -> RenderResult:
        async with FakeMediaUnitOfWork(self.state, fail=fail, blobs=self.blobs) as uow:
            self.cpu.uow = uow
            return await render_chart(
                kind, self.source.animal_id, "svg", generations=3, logo=logo, accent="AA0000",
                organisation_id=organisation_id, credential="user-token", token="user-token",
                uow=uow, blobs=self.blobs, source=self.source, plans=self.plans,
                names=NoNames(), recent=self.recent, renderers={"svg": self.renderer},
                profile_url="https://media.example/embed/profile/x", issued="2026-11-25",
                cpu=self.cpu,
            )  # fmt: skip


async def test_a_fresh_chart_is_stored_with_its_event_in_one_commit_then_served_from_cache() -> (
    None
):
    studio = Studio()
    first = await studio.chart()
    assert first.cached is False
    assert [(c.tables, c.events) for c in studio.state.commits] == [
        (frozenset({"renders"}), ("render.completed",))
    ]
    assert studio.state.tables.renders == {first.render.key: first.render}
    again = await studio.chart()
    assert (again.cached, again.render) == (True, first.render)
    assert len(studio.state.commits) == 1  # nothing written for a cached chart
    assert studio.cpu.ran == ["draw"]  # drawn once, through the CPU runner
    assert studio.cpu.in_transaction == [False]  # holding no connection meanwhile
    assert studio.source.credentials == ["user-token", "user-token"]


@pytest.mark.parametrize("step", ["stage", "commit"])
async def test_a_failure_after_the_render_is_stored_commits_nothing(step: str) -> None:
    studio = Studio()
    with pytest.raises(Broken):
        await studio.chart(fail=step)
    assert studio.state.tables.renders == {}
    assert studio.state.outbox == []
    # nor is it kept in memory: the next request draws it afresh
    assert (await studio.chart()).cached is False
    assert len(studio.renderer.drawings) == 2


async def test_certificates_need_a_plan_that_prints_them() -> None:
    studio = Studio(plan="free")
    with pytest.raises(PermissionDenied, match="certificates"):
        await studio.chart("certificate")
    assert studio.source.calls == 0  # refused before repti-animal is asked
    assert (await studio.chart("pedigree")).cached is False
    assert studio.plans.credentials == ["user-token"]  # asked for the certificate only
    # a caller of no organisation (a service) is not asked about
    assert (await studio.chart("certificate", organisation_id=None)).cached is False


async def test_a_certificate_is_refused_while_the_plan_cannot_be_told() -> None:
    studio = Studio(plan=PlanUnknown("The plan cannot be told."))
    with pytest.raises(PlanUnknown):
        await studio.chart("certificate")
    assert studio.source.calls == 0
    assert (await studio.chart("pedigree")).cached is False  # no plan limits a pedigree
    assert (await Studio(plan=None).chart("certificate")).cached is False  # billing off


async def test_the_logo_is_a_png_or_jpeg_the_caller_may_read() -> None:
    studio = Studio()
    logo = studio.file(b"\x89PNG logo", "image/png")
    await studio.chart(logo=logo.id)
    drawing = studio.renderer.drawings[-1]
    assert isinstance(drawing, PedigreeDrawing)
    assert (drawing.theme.logo, drawing.theme.logo_type) == (b"\x89PNG logo", "image/png")
    assert drawing.theme.accent == "#aa0000"

    document = studio.file(b"%PDF-1.7", "application/pdf")
    with pytest.raises(InvalidInput, match="PNG or JPEG"):
        await studio.chart(logo=document.id)
    theirs = studio.file(b"\x89PNG", "image/png", organisation_id=uuid.uuid4())
    with pytest.raises(NotFound):
        await studio.chart(logo=theirs.id)
    assert len(studio.state.commits) == 1


async def test_photos_of_the_animals_organisation_are_drawn() -> None:
    studio = Studio()
    root = studio.source.animal_id
    studio.state.tables.animals[root] = PublicAnimal(
        root, ORG, "IO", "Io", "ball_python", "female", "Pastel", "keeping", "public"
    )
    picture = photo((32, 32), kind="PNG")
    studio.file(picture, "image/png", visibility=Visibility.PUBLIC, animal_id=root)
    await studio.chart(organisation_id=None)
    drawing = studio.renderer.drawings[-1]
    assert isinstance(drawing, PedigreeDrawing)
    assert drawing.photos == {str(root): picture}
