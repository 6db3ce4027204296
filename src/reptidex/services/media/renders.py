"""``/render``: pedigree charts (SVG, PNG, PDF) and certificates (PDF, PNG) of an animal."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from reptidex.domain.identity.model import Role
from reptidex.domain.media.rendering import (
    MAX_GENERATIONS,
    MEDIA_TYPES,
    MIN_GENERATIONS,
    Format,
    Paper,
    RenderResult,
)
from reptidex.domain.media.use_cases.charts import render_chart
from reptidex.services.kernel.auth import BEARER, OptionalPrincipal, Principal, requires_role
from reptidex.services.media.access import Media, bearer_of
from reptidex.services.media.delivery import not_modified

ThemeName = Annotated[Literal["light", "dark"], QueryParameter(description="Light or dark colours")]
Accent = Annotated[
    str,
    QueryParameter(pattern=r"^#?[0-9a-fA-F]{6}$", description="Accent colour, rrggbb or #rrggbb"),
]
Logo = Annotated[
    uuid.UUID | None,
    QueryParameter(description="A PNG or JPEG file of yours (or a public one) drawn as the logo"),
]

_RESPONSES = {
    304: ResponseSpec(None, description="The client's copy is current (ETag)"),
    503: ResponseSpec(None, description="repti-animal could not be reached"),
}


def _credential(request: Request[Any, Any, Any], principal: Principal | None) -> str | None:
    """The token the lineage is asked with: a user's own (their rights apply); for a service
    caller none, so that repti-media's own service token is sent (the public view)."""
    return None if principal is None or principal.is_service else bearer_of(request)


async def _respond(
    request: Request[Any, Any, Any],
    media: Media,
    principal: Principal | None,
    kind: Literal["pedigree", "certificate"],
    animal_id: uuid.UUID,
    format: Format,
    *,
    generations: int = 5,
    paper: Paper = "a4",
    theme: Literal["light", "dark"],
    accent: str,
    logo: uuid.UUID | None,
) -> Response[bytes]:
    organisation = None if principal is None else principal.organisation_id
    async with media.unit_of_work(organisation) as uow:
        result = await render_chart(
            kind,
            animal_id,
            format,
            generations=generations,
            paper=paper,
            mode=theme,
            accent=accent,
            logo=logo,
            organisation_id=organisation,
            credential=_credential(request, principal),
            token=bearer_of(request),
            uow=uow,
            blobs=media.blobs,
            source=media.lineage,
            plans=media.plans,
            names=media.organisations,
            recent=media.recent,
            renderers=media.renderers,
            profile_url=f"{media.public_url}/embed/profile/{animal_id}",
            issued=dt.date.today().isoformat(),
            cpu=media.cpu,
        )
    return _response(request, result)


def _response(request: Request[Any, Any, Any], result: RenderResult) -> Response[bytes]:
    stored = result.render
    etag = f'"{stored.key[:32]}"'
    extension = stored.format
    headers = {
        "ETag": etag,
        "Cache-Control": "private, max-age=60",
        "Vary": "Authorization",
        "X-Render-Cache": "hit" if result.cached else "miss",
        "Content-Disposition": f'inline; filename="{stored.kind}-{stored.animal_id}.{extension}"',
        "X-Content-Type-Options": "nosniff",
    }
    if stored.format == "svg":
        headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        )
    if not_modified(etag, dt.datetime.now(dt.UTC), request.headers.get("if-none-match"), None):
        return Response(b"", status_code=304, headers=headers)
    return Response(stored.content, media_type=MEDIA_TYPES[stored.format], headers=headers)


class RenderController(Controller):
    """Charts and certificates drawn from repti-animal's lineage."""

    path = "/render"
    tags = ("rendering",)
    guards = [requires_role(Role.VIEWER, allow_services=True)]  # noqa: RUF012
    security = BEARER

    @get(
        "/pedigree/{animal_id:uuid}",
        media_type="image/svg+xml",
        summary="Draw an animal's pedigree chart",
        description=f"SVG, PNG or PDF of the pedigree to `generations` ({MIN_GENERATIONS}-"
        f"{MAX_GENERATIONS}, default 5): sire line above dam line, each ancestor's name, id "
        "code, morph and hets, hatch year, photo (the newest image uploaded with its "
        "`animal_id` that the caller may see), repeated ancestors marked, the inbreeding "
        "coefficient with its depth; light or dark, an accent colour and a logo. The lineage "
        "comes from repti-animal with the caller's token (so the caller's rights apply; a "
        "service caller gets the public view, through repti-media's own service token); the "
        "render is cached per lineage version (`X-Render-Cache: hit|miss`, `ETag`) and a fresh "
        "one emits `render.completed`.",
        responses=_RESPONSES,
    )
    async def pedigree(
        self,
        request: Request[Any, Any, Any],
        media: Media,
        optional_principal: OptionalPrincipal,
        animal_id: FromPath[uuid.UUID],
        generations: Annotated[
            int, QueryParameter(ge=MIN_GENERATIONS, le=MAX_GENERATIONS, description="Depth")
        ] = 5,
        format: Annotated[
            Literal["svg", "png", "pdf"], QueryParameter(description="Output format")
        ] = "svg",
        theme: ThemeName = "light",
        accent: Accent = "2f7d4f",
        logo: Logo = None,
    ) -> Response[bytes]:
        """A pedigree chart."""
        return await _respond(
            request,
            media,
            optional_principal,
            "pedigree",
            animal_id,
            format,
            generations=generations,
            theme=theme,
            accent=accent,
            logo=logo,
        )

    @get(
        "/certificate/{animal_id:uuid}",
        media_type="application/pdf",
        summary="Print an animal's certificate",
        description="A one-page certificate (A4 or US Letter) as PDF or PNG (150 dpi): the "
        "animal, its morph and genetics, hatch date, breeder (the organisation that recorded "
        "its clutch of origin; the keeper for an animal entered as bred without one; 'Not "
        "recorded' for a bought-in or external animal), keeper, clutch of origin (laid date, "
        "parents, id), a 4-generation pedigree, "
        "the COI and a QR code linking to the animal's public profile. Cached like charts. Needs "
        "a plan with certificate printing (403 on the free plan; 503 with Retry-After while "
        "repti-core cannot tell the plan).",
        responses=_RESPONSES,
    )
    async def certificate(
        self,
        request: Request[Any, Any, Any],
        media: Media,
        optional_principal: OptionalPrincipal,
        animal_id: FromPath[uuid.UUID],
        format: Annotated[
            Literal["pdf", "png"], QueryParameter(description="Output format")
        ] = "pdf",
        paper: Annotated[Literal["a4", "letter"], QueryParameter(description="Paper size")] = "a4",
        theme: ThemeName = "light",
        accent: Accent = "2f7d4f",
        logo: Logo = None,
    ) -> Response[bytes]:
        """A certificate."""
        return await _respond(
            request,
            media,
            optional_principal,
            "certificate",
            animal_id,
            format,
            paper=paper,
            theme=theme,
            accent=accent,
            logo=logo,
        )
