"""Pedigree charts and certificates: drawn once per lineage version and look, then cached.

The lineage is asked of repti-animal on every request (its version is the last part of the
cache key, so a change shows at once); a render is drawn only when neither this process's
recent renders nor the media database hold it (drawing is CPU work, run through the
:class:`~reptidex.domain.cpu_work.CpuRunner` given: off the event loop in the service), and a
fresh one is announced with ``render.completed`` in the transaction that stores it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Literal

from reptidex.domain.cpu_work import CpuRunner, run_here
from reptidex.domain.errors import InvalidInput
from reptidex.domain.events.envelope import new_event
from reptidex.domain.media.events import PRODUCER, RenderCompleted
from reptidex.domain.media.files import readable
from reptidex.domain.media.lineage import LineageSnapshot
from reptidex.domain.media.ports import (
    BlobReader,
    ChartRenderer,
    ChartUnitOfWork,
    FileRepository,
    LineageSource,
    OrganisationNames,
    PhotoSource,
    PlanSource,
    RenderUnitOfWork,
)
from reptidex.domain.media.rendering import (
    CERTIFICATE_GENERATIONS,
    NOT_RECORDED,
    CachedRender,
    CertificateDrawing,
    Format,
    Paper,
    RecentRenders,
    RenderRequest,
    RenderResult,
    Theme,
    check_certificate_entitlement,
    clutch_text,
    pedigree_drawing,
)

LOGO_TYPES = frozenset({"image/png", "image/jpeg"})
"""The image types a chart's logo may be."""


async def name_origin(snapshot: LineageSnapshot, names: OrganisationNames) -> LineageSnapshot:
    """The snapshot with the breeder, keeper and clutch a certificate prints, from the origin
    repti-animal reported and the organisations' names (a name that cannot be had prints
    "-"; the render's cache key changes once it can)."""
    origin = snapshot.origin
    if origin is None:
        return snapshot
    keeper = None
    if origin.keeper_organisation_id is not None:
        keeper = await names.name_of(origin.keeper_organisation_id)
    breeder: str | None
    if origin.breeder_organisation_id is None:
        breeder = NOT_RECORDED.get(origin.origin, "Not recorded")
    elif origin.breeder_organisation_id == origin.keeper_organisation_id:
        breeder = keeper
    else:
        breeder = await names.name_of(origin.breeder_organisation_id)
    return replace(
        snapshot, breeder=breeder, keeper=keeper, clutch=clutch_text(snapshot), version=""
    )


def draw(
    request: RenderRequest,
    snapshot: LineageSnapshot,
    renderers: Mapping[str, ChartRenderer],
    *,
    profile_url: str,
    issued: str,
    photos: Mapping[str, bytes] | None = None,
) -> bytes:
    """Render a request from a lineage (no cache); ``photos`` by animal id."""
    renderer = renderers.get(request.format)
    if renderer is None:
        raise InvalidInput(
            f"No renderer for {request.format}.", field_errors={"format": "unsupported"}
        )
    if request.kind == "pedigree":
        return renderer.pedigree(
            pedigree_drawing(snapshot, request.generations, request.theme, photos=photos)
        )
    drawing = pedigree_drawing(snapshot, CERTIFICATE_GENERATIONS, request.theme, compact=True)
    return renderer.certificate(CertificateDrawing(drawing, request.paper, profile_url, issued))


async def render(
    request: RenderRequest,
    *,
    source: LineageSource,
    credential: str | None,
    uow: RenderUnitOfWork,
    recent: RecentRenders,
    renderers: Mapping[str, ChartRenderer],
    profile_url: str,
    issued: str,
    organisation_id: uuid.UUID | None = None,
    photos: PhotoSource | None = None,
    names: OrganisationNames | None = None,
    clock: Callable[[], float] = time.perf_counter,
    cpu: CpuRunner = run_here,
) -> RenderResult:
    """A chart or certificate, drawn once per lineage version and format, then cached.

    The lineage is fetched every time (its version is the cache key's last part); a
    certificate's breeder and keeper are named by ``names``. A fresh render is drawn through
    ``cpu``, stored and announced with ``render.completed``.
    """
    generations = request.generations if request.kind == "pedigree" else CERTIFICATE_GENERATIONS
    snapshot = await source.lineage(request.animal_id, generations, credential=credential)
    if request.kind == "certificate" and names is not None:
        snapshot = await name_origin(snapshot, names)
    started = clock()
    found: Mapping[str, str] = {}
    if photos is not None and request.kind == "pedigree":
        found = await photos.photos(snapshot.member_ids(), organisation_id)
    key = request.cache_key(
        snapshot.version, ",".join(f"{a}={r}" for a, r in sorted(found.items()))
    )
    hit = recent.get(key) or await uow.renders.get(key)
    if hit is not None:
        recent.put(hit)
        return RenderResult(hit, True, (clock() - started) * 1000)
    pictures = {animal: await photos.read(ref) for animal, ref in found.items()} if photos else {}
    # nothing is written yet: ending the read transaction here keeps the render from holding a
    # database connection while it waits for a worker and is drawn
    await uow.commit()
    content = await cpu(
        partial(
            draw,
            request,
            snapshot,
            renderers,
            profile_url=profile_url,
            issued=issued,
            photos=pictures,
        )
    )
    elapsed = (clock() - started) * 1000
    stored = CachedRender(
        key,
        request.kind,
        str(request.animal_id),
        request.format,
        content,
        snapshot.version,
        (str(request.animal_id), *snapshot.member_ids()),
    )
    await uow.renders.put(stored)
    uow.stage(
        new_event(
            "render.completed",
            producer=PRODUCER,
            payload=RenderCompleted(
                request.kind,
                str(request.animal_id),
                request.format,
                len(content),
                snapshot.version,
                round(elapsed, 3),
            ),
            organisation_id=organisation_id,
        )
    )
    await uow.commit()
    recent.put(stored)
    return RenderResult(stored, False, elapsed)


async def chart_theme(
    files: FileRepository,
    blobs: BlobReader,
    organisation_id: uuid.UUID | None,
    *,
    mode: Literal["light", "dark"] = "light",
    accent: str = "#2f7d4f",
    logo: uuid.UUID | None = None,
) -> Theme:
    """The look of a chart: ``mode``, ``accent`` (``rrggbb``, with or without ``#``) and the
    bytes of ``logo``, a PNG or JPEG file the caller may read (its 512 px thumbnail when it
    has one)."""
    logo_bytes, logo_type = None, None
    if logo is not None:
        record = readable(await files.get(logo), organisation_id)
        variant = record.thumbnail(512)
        content_type = variant.content_type if variant else record.content_type
        if content_type not in LOGO_TYPES:
            raise InvalidInput(
                "The logo must be a PNG or JPEG image.", field_errors={"logo": "type"}
            )
        logo_bytes = await blobs.read(variant.key if variant else record.blob_key)
        logo_type = content_type
    return Theme(
        mode=mode, accent="#" + accent.lstrip("#").lower(), logo=logo_bytes, logo_type=logo_type
    )


async def render_chart(
    kind: Literal["pedigree", "certificate"],
    animal_id: uuid.UUID,
    format: Format,
    *,
    generations: int = 5,
    paper: Paper = "a4",
    mode: Literal["light", "dark"] = "light",
    accent: str = "#2f7d4f",
    logo: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None,
    credential: str | None,
    token: str | None,
    uow: ChartUnitOfWork,
    blobs: BlobReader,
    source: LineageSource,
    plans: PlanSource,
    names: OrganisationNames,
    recent: RecentRenders,
    renderers: Mapping[str, ChartRenderer],
    profile_url: str,
    issued: str,
    cpu: CpuRunner = run_here,
) -> RenderResult:
    """A pedigree chart or a certificate as a caller asks for it (drawn through ``cpu``).

    ``organisation_id`` is the caller's (its files may be the logo, its photos show;
    ``None``: a caller of no organisation); ``credential`` the token repti-animal is asked
    with (``None``: media's own, the public view) and ``token`` the caller's own, with which
    repti-core tells the plan: a certificate needs a plan that prints them.
    """
    if kind == "certificate" and organisation_id is not None:
        check_certificate_entitlement(await plans.plan_of(organisation_id, token))
    theme = await chart_theme(
        uow.files, blobs, organisation_id, mode=mode, accent=accent, logo=logo
    )
    request = RenderRequest(
        kind, animal_id, format, generations=generations, theme=theme, paper=paper
    )
    return await render(
        request,
        source=source,
        credential=credential,
        uow=uow,
        recent=recent,
        renderers=renderers,
        profile_url=profile_url,
        issued=issued,
        organisation_id=organisation_id,
        photos=uow.photos,
        names=names,
        cpu=cpu,
    )
