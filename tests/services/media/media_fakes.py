"""In-memory fakes of the media ports, for use-case tests without a database or HTTP.

:class:`MediaTables` is the committed state; a :class:`FakeMediaUnitOfWork` works on a copy of
it taken when its transaction begins (at the first access after opening or after a commit), as
a database transaction would: :meth:`~FakeMediaUnitOfWork.commit` makes the copy and the staged
events the committed state in one step, and leaving the ``async with`` block forgets whatever
was not committed. Each commit that writes is logged with the tables it changed and the events
it carried (one that only ends a transaction that read is not, and cannot be made to fail).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import BinaryIO, Self, TypeVar

from reptidex.domain.audit import AUDIT_EVENT, AuditRecord, record_of
from reptidex.domain.errors import PlanUnknown
from reptidex.domain.events.envelope import DomainEvent
from reptidex.domain.media.embeds import EmbedSettings, PublicAnimal, WidgetPedigree
from reptidex.domain.media.files import ProcessedImage, ScaledImage, StoredFile, UnsupportedMedia
from reptidex.domain.media.rendering import CachedRender, Theme

ViewKey = tuple[uuid.UUID, str, uuid.UUID, dt.date]
T = TypeVar("T")


@dataclass
class Tables:
    """The rows of every media store."""

    files: dict[uuid.UUID, StoredFile] = field(default_factory=dict)
    renders: dict[str, CachedRender] = field(default_factory=dict)
    animals: dict[uuid.UUID, PublicAnimal] = field(default_factory=dict)
    settings: dict[uuid.UUID, EmbedSettings] = field(default_factory=dict)
    views: dict[ViewKey, int] = field(default_factory=dict)
    passes: dict[str, dt.datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Commit:
    """What one commit changed: the tables and the events."""

    tables: frozenset[str]
    events: tuple[str, ...]


@dataclass
class MediaTables:
    """The committed state of the media database: its tables, the outbox and the commits."""

    tables: Tables = field(default_factory=Tables)
    outbox: list[DomainEvent] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    """The audit records committed beside the events (``audit.recorded``), kept apart."""


class Broken(Exception):
    """The failure a test injects."""


class FakeMediaUnitOfWork:
    """The :class:`~reptidex.domain.media.ports.MediaUnitOfWork` on :class:`MediaTables`.

    ``fail`` names a step that raises :class:`Broken` (``stage``, ``commit``, or a store's
    method as ``store.method``), to show what a failure half-way leaves behind.
    """

    def __init__(
        self,
        state: MediaTables,
        *,
        fail: str | None = None,
        blobs: FakeBlobs | None = None,
    ) -> None:
        self.state = state
        self.fail = fail
        self.blobs = blobs or FakeBlobs()
        self._work: Tables | None = None
        self._staged: list[DomainEvent] = []
        self.files = FakeFiles(self)
        self.renders = FakeRenders(self)
        self.photos = FakePhotos(self)
        self.animals = FakeAnimals(self)
        self.embed_settings = FakeEmbedSettings(self)
        self.embed_views = FakeEmbedViews(self)
        self.ledger = FakeLedger(self)

    def tx(self, step: str) -> Tables:
        """The transaction's tables (begun at the first access), failing at ``step`` if told."""
        if step == self.fail:
            raise Broken(step)
        if self._work is None:
            self._work = copy.deepcopy(self.state.tables)
        return self._work

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction has begun and not ended (a database would hold a connection)."""
        return self._work is not None or bool(self._staged)

    def stage(self, event: DomainEvent) -> None:
        self.tx("stage")
        self._staged.append(event)

    async def commit(self) -> None:
        work = self._work if self._work is not None else copy.deepcopy(self.state.tables)
        before = self.state.tables
        changed = frozenset(
            f.name
            for f in dataclasses.fields(Tables)
            if getattr(work, f.name) != getattr(before, f.name)
        )
        if not changed and not self._staged:  # a transaction that only read ends
            self._work = None
            return
        self.tx("commit")
        self.state.tables = work
        events = [e for e in self._staged if e.type != AUDIT_EVENT]
        self.state.outbox.extend(events)
        self.state.audit.extend(record_of(e) for e in self._staged if e.type == AUDIT_EVENT)
        self.state.commits.append(Commit(changed, tuple(e.type for e in events)))
        self._work, self._staged = None, []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._work, self._staged = None, []


class _Store:
    name = ""

    def __init__(self, uow: FakeMediaUnitOfWork) -> None:
        self.uow = uow

    def tx(self, method: str) -> Tables:
        return self.uow.tx(f"{self.name}.{method}")


class FakeFiles(_Store):
    name = "files"

    async def add(self, record: StoredFile) -> None:
        self.tx("add").files[record.id] = record

    async def get(self, file_id: uuid.UUID) -> StoredFile | None:
        return self.tx("get").files.get(file_id)

    async def find_source(
        self, organisation_id: uuid.UUID, source_sha256: str
    ) -> StoredFile | None:
        return next(
            (
                r
                for r in self.tx("find_source").files.values()
                if r.organisation_id == organisation_id and r.source_sha256 == source_sha256
            ),
            None,
        )

    async def remove(self, file_id: uuid.UUID) -> None:
        self.tx("remove").files.pop(file_id, None)

    async def count_blob_users(self, blob_key: str) -> int:
        return sum(r.blob_key == blob_key for r in self.tx("count_blob_users").files.values())

    async def latest_public_image(
        self, animal_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> StoredFile | None:
        found = [
            r
            for r in self.tx("latest_public_image").files.values()
            if r.animal_id == animal_id
            and r.organisation_id == organisation_id
            and r.is_public
            and r.content_type.startswith("image/")
        ]
        return max(found, key=lambda r: r.created_at, default=None)


class FakeRenders(_Store):
    name = "renders"

    async def get(self, key: str) -> CachedRender | None:
        return self.tx("get").renders.get(key)

    async def put(self, render: CachedRender) -> None:
        self.tx("put").renders[render.key] = render

    async def invalidate(self, animal_id: str) -> int:
        renders = self.tx("invalidate").renders
        stale = [k for k, r in renders.items() if animal_id in r.members]
        for key in stale:
            del renders[key]
        return len(stale)


class FakePhotos(_Store):
    """The newest image of each animal that its own organisation uploaded, public or the
    caller's; its reference is its blob key."""

    name = "photos"

    async def photos(
        self, animal_ids: tuple[str, ...], organisation_id: uuid.UUID | None
    ) -> Mapping[str, str]:
        tables = self.tx("photos")
        found: dict[str, str] = {}
        for record in sorted(tables.files.values(), key=lambda r: r.created_at, reverse=True):
            animal = tables.animals.get(record.animal_id) if record.animal_id else None
            if (
                animal is not None
                and str(animal.id) in animal_ids
                and animal.organisation_id == record.organisation_id
                and (record.is_public or record.organisation_id == organisation_id)
            ):
                found.setdefault(str(animal.id), record.blob_key)
        return found

    async def read(self, reference: str) -> bytes:
        return await self.uow.blobs.read(reference)


class FakeAnimals(_Store):
    name = "animals"

    async def get(self, animal_id: uuid.UUID) -> PublicAnimal | None:
        return self.tx("get").animals.get(animal_id)

    async def many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PublicAnimal]:
        animals = self.tx("many").animals
        return {i: animals[i] for i in ids if i in animals}

    async def upsert_summary(self, summary: PublicAnimal, at: dt.datetime | None = None) -> bool:
        animals = self.tx("upsert_summary").animals
        known = animals.get(summary.id)
        parents = (known.sire_id, known.dam_id) if known else (None, None)
        animals[summary.id] = dataclasses.replace(summary, sire_id=parents[0], dam_id=parents[1])
        return True

    async def set_parents(
        self,
        animal_id: uuid.UUID,
        sire_id: uuid.UUID | None,
        dam_id: uuid.UUID | None,
        at: dt.datetime | None = None,
    ) -> bool:
        animals = self.tx("set_parents").animals
        if animal_id not in animals:
            return False
        animals[animal_id] = dataclasses.replace(animals[animal_id], sire_id=sire_id, dam_id=dam_id)
        return True

    async def remove(self, animal_id: uuid.UUID, at: dt.datetime | None = None) -> None:
        self.tx("remove").animals.pop(animal_id, None)

    async def count(self, organisation_id: uuid.UUID) -> int:
        return sum(a.organisation_id == organisation_id for a in self.tx("count").animals.values())

    async def for_sale(self, organisation_id: uuid.UUID, limit: int) -> list[PublicAnimal]:
        listed = [
            a
            for a in self.tx("for_sale").animals.values()
            if a.organisation_id == organisation_id and a.is_public and a.status == "for_sale"
        ]
        return sorted(listed, key=lambda a: a.label)[:limit]


class FakeEmbedSettings(_Store):
    name = "embed_settings"

    async def get(self, organisation_id: uuid.UUID) -> EmbedSettings:
        found = self.tx("get").settings.get(organisation_id)
        return found or EmbedSettings(organisation_id)

    async def put(self, settings: EmbedSettings) -> None:
        self.tx("put").settings[settings.organisation_id] = settings


class FakeEmbedViews(_Store):
    name = "embed_views"

    async def count(
        self, organisation_id: uuid.UUID, widget: str, subject_id: uuid.UUID, day: dt.date
    ) -> None:
        views = self.tx("count").views
        key = (organisation_id, widget, subject_id, day)
        views[key] = views.get(key, 0) + 1

    async def totals(
        self, organisation_id: uuid.UUID, since: dt.date
    ) -> list[tuple[str, uuid.UUID, int]]:
        sums: dict[tuple[str, uuid.UUID], int] = {}
        for (organisation, widget, subject, day), views in self.tx("totals").views.items():
            if organisation == organisation_id and day >= since:
                sums[(widget, subject)] = sums.get((widget, subject), 0) + views
        ranked = sorted(sums.items(), key=lambda item: -item[1])
        return [(widget, subject, views) for (widget, subject), views in ranked]


class FakeLedger(_Store):
    name = "ledger"

    async def completed(self, scope: str) -> dt.datetime | None:
        return self.tx("completed").passes.get(scope)

    async def complete(self, scope: str, started_at: dt.datetime, animals: int) -> None:
        self.tx("complete").passes[scope] = started_at


class FakeBlobs:
    """The blob store in a dict."""

    def __init__(self) -> None:
        self.items: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        self.items[key] = data

    async def put_file(self, key: str, source: BinaryIO, *, content_type: str) -> None:
        self.items[key] = source.read()

    async def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        data = self.items[key]
        return data[start : None if end is None else end + 1]

    async def size(self, key: str) -> int:
        return len(self.items[key])

    async def exists(self, key: str) -> bool:
        return key in self.items

    async def delete(self, key: str) -> None:
        self.items.pop(key, None)


class FakeImages:
    """Pretends to re-encode: the bytes are prefixed so that a test can tell."""

    def process(self, data: bytes, content_type: str, sizes: tuple[int, ...]) -> ProcessedImage:
        if b"broken" in data:
            raise UnsupportedMedia("does not decode")
        return ProcessedImage(
            ScaledImage(b"clean:" + data[:16], content_type, 64, 48),
            {size: ScaledImage(b"thumb", "image/jpeg", size, size) for size in sizes},
        )


class RecordingRunner:
    """A :class:`~reptidex.domain.cpu_work.CpuRunner` that runs work at once and names each
    function it was handed (the function a ``partial`` wraps), with whether ``uow`` (when set)
    was in a transaction meanwhile."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.uow: FakeMediaUnitOfWork | None = None
        self.in_transaction: list[bool] = []

    async def __call__(self, work: Callable[[], T], /) -> T:
        self.ran.append(getattr(work, "func", work).__name__)
        if self.uow is not None:
            self.in_transaction.append(self.uow.in_transaction)
        return work()


class FixedPlans:
    """Every organisation on one plan; remembers the credentials it was asked with."""

    def __init__(self, plan: str | PlanUnknown | None = None) -> None:
        self.plan = plan
        self.credentials: list[str | None] = []

    async def plan_of(self, organisation_id: uuid.UUID, credential: str | None) -> str | None:
        self.credentials.append(credential)
        if isinstance(self.plan, PlanUnknown):
            raise self.plan
        return self.plan


class HeldAnimals:
    """repti-animal's answer to "is this animal yours?": yes for the ids given (every id when
    ``everything``); remembers the credentials it was asked with."""

    def __init__(self, *held: uuid.UUID, everything: bool = False) -> None:
        self.held = set(held)
        self.everything = everything
        self.credentials: list[str | None] = []

    async def holds(self, animal_id: uuid.UUID, credential: str | None) -> bool:
        self.credentials.append(credential)
        return self.everything or animal_id in self.held


class TextWidgets:
    """A widget renderer whose HTML says what it shows."""

    def css(self, theme: Theme) -> str:
        return f"css:{theme.mode}:{theme.accent}"

    def not_public(self) -> str:
        return "not public"

    def profile(self, animal: PublicAnimal, photo_url: str | None) -> str:
        return f"profile:{animal.label}:{photo_url}"

    def pedigree(self, pedigree: WidgetPedigree) -> str:
        shown = [e.animal.label if e.animal else "hidden" for e in pedigree.entries]
        return f"pedigree:{pedigree.root.label}:{','.join(shown)}"

    def available(self, animals: list[PublicAnimal]) -> str:
        return "available:" + ",".join(a.label for a in animals)

    def page(self, title: str, css: str, body: str) -> str:
        return f"page:{title}:{css}:{body}"

    @property
    def loader_js(self) -> str:
        return "loader"


def public_animal(
    organisation_id: uuid.UUID,
    name: str,
    *,
    visibility: str = "public",
    status: str = "keeping",
    sire_id: uuid.UUID | None = None,
    dam_id: uuid.UUID | None = None,
) -> PublicAnimal:
    """An animal of media's copy."""
    return PublicAnimal(
        uuid.uuid4(),
        organisation_id,
        name.upper()[:6],
        name,
        "ball_python",
        "female",
        "Pastel",
        status,
        visibility,
        sire_id,
        dam_id,
    )
