"""The file use cases with in-memory fakes of their ports (no database, no HTTP): an upload as
it arrives (plan and animal looked up), reading and signing, fetching a variant, and that a
failure half-way commits nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from media_fakes import (
    Broken,
    FakeBlobs,
    FakeImages,
    FakeMediaUnitOfWork,
    FixedPlans,
    HeldAnimals,
    MediaTables,
    RecordingRunner,
    public_animal,
)
from media_testkit import photo

from reptidex.domain.errors import InvalidInput, NotAuthenticated, NotFound, PlanUnknown
from reptidex.domain.media.files import FileTooLarge, StoredFile, Uploader, Visibility
from reptidex.domain.media.signing import UrlSigner
from reptidex.domain.media.use_cases.files import (
    delete_file,
    file_bytes,
    find_file,
    receive_upload,
    sign_file,
)

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
ORG = uuid.uuid4()
MEMBER = Uploader(ORG, uuid.uuid4(), may_write=True)
SIGNER = UrlSigner(b"k" * 32)


async def upload(
    state: MediaTables,
    data: bytes,
    *,
    plans: FixedPlans | None = None,
    blobs: FakeBlobs | None = None,
    fail: str | None = None,
    animal_id: uuid.UUID | None = None,
    animals: HeldAnimals | None = None,
    visibility: Visibility = Visibility.PRIVATE,
    cpu: RecordingRunner | None = None,
) -> tuple[StoredFile, bool]:
    async with FakeMediaUnitOfWork(state, fail=fail) as uow:
        cpu = cpu or RecordingRunner()
        cpu.uow = uow
        return await receive_upload(
            uow,
            blobs or FakeBlobs(),
            FakeImages(),
            plans or FixedPlans(),
            MEMBER,
            data,
            credential="token",
            filename="nyx.jpg",
            visibility=visibility,
            animal_id=animal_id,
            animals=animals or HeldAnimals(everything=True),
            now=NOW,
            cpu=cpu,
        )


async def test_image_processing_runs_through_the_cpu_runner() -> None:
    state, cpu = MediaTables(), RecordingRunner()
    await upload(state, photo(), cpu=cpu)
    assert cpu.ran == ["_clean"]
    # its read transaction ended first: no connection held while it waits for a worker
    assert cpu.in_transaction == [False]
    await upload(state, photo(), cpu=cpu)  # the same bytes again: nothing to process
    await upload(state, b"%PDF-1.4\n%%EOF\n", cpu=cpu)  # no image
    assert cpu.ran == ["_clean"]


async def test_an_upload_is_stored_with_its_event_in_one_commit() -> None:
    state, plans = MediaTables(), FixedPlans("breeder")
    record, deduplicated = await upload(state, photo(), plans=plans)
    assert deduplicated is False
    assert state.tables.files == {record.id: record}
    assert [(c.tables, c.events) for c in state.commits] == [
        (frozenset({"files"}), ("file.uploaded",))
    ]
    assert plans.credentials == ["token"]  # the plan is asked with the uploader's token


async def test_the_plan_of_the_organisation_sets_the_limit() -> None:
    pdf = b"%PDF-" + b"0" * (11 * 1024 * 1024)
    with pytest.raises(FileTooLarge):
        await upload(MediaTables(), pdf, plans=FixedPlans("free"))
    state = MediaTables()
    await upload(state, pdf, plans=FixedPlans(None))  # billing off: the general limit
    assert len(state.tables.files) == 1


async def test_while_the_plan_cannot_be_told_only_what_every_plan_takes_is_stored() -> None:
    unknown = FixedPlans(PlanUnknown("The plan cannot be told.", retry_after=30))
    state = MediaTables()
    with pytest.raises(PlanUnknown, match="at most 10 MiB is accepted") as refused:
        await upload(state, b"%PDF-" + b"0" * (11 * 1024 * 1024), plans=unknown)
    assert refused.value.retry_after == 30
    assert state.tables.files == {}  # refused, not stored on the general limit
    record, _ = await upload(state, b"%PDF-" + b"0" * 1024, plans=unknown)
    assert state.tables.files == {record.id: record}  # every plan takes this one


async def test_files_attach_only_to_the_organisations_own_animals() -> None:
    own, other = public_animal(ORG, "Nyx"), public_animal(uuid.uuid4(), "Eris")
    # a row made by a lineage event, its summary still to come: owner unknown (nil id)
    pending = dataclasses.replace(public_animal(ORG, "Pending"), organisation_id=uuid.UUID(int=0))
    state = MediaTables()
    for animal in (own, other, pending):
        state.tables.animals[animal.id] = animal
    with pytest.raises(InvalidInput, match="your organisation's animals"):
        await upload(state, photo(), animal_id=other.id)
    for allowed in (own.id, pending.id, uuid.uuid4()):
        record, _ = await upload(state, photo(), animal_id=allowed)
        assert record.animal_id == allowed


async def test_an_animal_repti_animal_does_not_show_the_caller_is_refused() -> None:
    # Unknown to media's copy (private, or its events not arrived yet), or known as the
    # caller's there while repti-animal says otherwise (transferred since): repti-animal decides.
    own, hidden = public_animal(ORG, "Nyx"), uuid.uuid4()
    state, animals = MediaTables(), HeldAnimals(own.id)
    state.tables.animals[own.id] = own
    moved = public_animal(ORG, "Sold")
    state.tables.animals[moved.id] = moved
    for refused in (hidden, moved.id):
        with pytest.raises(InvalidInput, match="your organisation's animals") as caught:
            await upload(state, photo(), animal_id=refused, animals=animals)
        assert caught.value.field_errors == {
            "animal_id": "not an animal of your organisation that you may see"
        }
    record, _ = await upload(state, photo(), animal_id=own.id, animals=animals)
    assert record.animal_id == own.id
    assert state.tables.files.keys() == {record.id}
    assert animals.credentials == ["token"] * 3  # asked with the uploader's own token
    await upload(state, photo(), animals=animals)  # no animal: nothing to ask
    assert len(animals.credentials) == 3


@pytest.mark.parametrize("step", ["stage", "commit"])
async def test_a_failure_after_the_record_is_written_leaves_no_record(step: str) -> None:
    state, blobs = MediaTables(), FakeBlobs()
    with pytest.raises(Broken):
        await upload(state, photo(), blobs=blobs, fail=step)
    assert state.tables.files == {}
    assert state.outbox == []
    assert blobs.items  # the bytes were written first: unused bytes, never a record without


@pytest.mark.parametrize("step", ["files.count_blob_users", "stage", "commit"])
async def test_a_failure_after_the_record_is_removed_keeps_the_record_and_its_bytes(
    step: str,
) -> None:
    state, blobs = MediaTables(), FakeBlobs()
    record, _ = await upload(state, photo(), blobs=blobs)
    kept = dict(blobs.items)
    async with FakeMediaUnitOfWork(state, fail=step) as uow:
        with pytest.raises(Broken):
            await delete_file(uow, blobs, MEMBER, record.id)
    assert state.tables.files == {record.id: record}
    assert blobs.items == kept
    assert [e.type for e in state.outbox] == ["file.uploaded"]


async def test_a_private_file_is_read_by_its_organisation_or_with_a_signed_url() -> None:
    state = MediaTables()
    record, _ = await upload(state, photo())
    outsider = uuid.uuid4()
    async with FakeMediaUnitOfWork(state) as uow:
        assert await find_file(uow.files, record.id, ORG) == record
        for who in (outsider, None):
            with pytest.raises(NotFound):
                await find_file(uow.files, record.id, who)
            with pytest.raises(NotFound):
                await sign_file(
                    uow.files, SIGNER, record.id, "original", organisation_id=who,
                    lifetime=60, now=1_000,
                )  # fmt: skip
        signed = await sign_file(
            uow.files, SIGNER, record.id, "thumb-128", organisation_id=ORG, lifetime=60,
            now=1_000.5,
        )  # fmt: skip
        assert signed.expires == 1_060

        found = await file_bytes(
            uow.files, SIGNER, record.id, "thumb-128", organisation_id=None,
            expires=signed.expires, signature=signed.signature, now=1_030,
        )  # fmt: skip
        thumb = record.thumbnail(128)
        assert thumb is not None
        assert (found.key, found.size, found.sha256) == (thumb.key, thumb.byte_size, thumb.sha256)
        with pytest.raises(NotAuthenticated):  # expired
            await file_bytes(
                uow.files, SIGNER, record.id, "thumb-128", organisation_id=None,
                expires=signed.expires, signature=signed.signature, now=1_060,
            )  # fmt: skip
        with pytest.raises(NotAuthenticated):  # signed for another variant
            await file_bytes(
                uow.files, SIGNER, record.id, "original", organisation_id=None,
                expires=signed.expires, signature=signed.signature, now=1_030,
            )  # fmt: skip
        with pytest.raises(InvalidInput):
            await file_bytes(
                uow.files, SIGNER, record.id, "original", organisation_id=None,
                expires=signed.expires, now=1_030,
            )  # fmt: skip
        with pytest.raises(NotFound):
            await file_bytes(uow.files, SIGNER, record.id, "original", organisation_id=None, now=0)
        own = await file_bytes(uow.files, SIGNER, record.id, "original", organisation_id=ORG, now=0)
        assert (own.key, own.sha256) == (record.blob_key, record.sha256)


async def test_a_public_file_is_open_to_anyone_but_not_its_missing_variants() -> None:
    state = MediaTables()
    record, _ = await upload(state, b"%PDF-1.7\n...", visibility=Visibility.PUBLIC)
    async with FakeMediaUnitOfWork(state) as uow:
        found = await file_bytes(
            uow.files, SIGNER, record.id, "original", organisation_id=None, now=0
        )
        assert found.content_type == "application/pdf"
        # a signature on a public file is not even looked at
        await file_bytes(
            uow.files, SIGNER, record.id, "original", organisation_id=None, expires=1,
            signature="nonsense", now=5,
        )  # fmt: skip
        with pytest.raises(NotFound, match="no thumb-256 variant"):
            await file_bytes(uow.files, SIGNER, record.id, "thumb-256", organisation_id=None, now=0)
        with pytest.raises(NotFound):
            await file_bytes(
                uow.files, SIGNER, uuid.uuid4(), "original", organisation_id=ORG, now=0
            )
