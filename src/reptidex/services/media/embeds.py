"""``/embed``: widgets for breeders' websites (iframe pages, a script loader with Shadow DOM),
their catalog, the breeder's allowed sites and view statistics."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.identity.model import Role
from reptidex.domain.media.embeds import MAX_WIDGET_GENERATIONS, WIDGETS, EmbedSettings
from reptidex.domain.media.rendering import Theme
from reptidex.domain.media.use_cases.widgets import (
    ShownWidget,
    WidgetRequest,
    change_embed_settings,
    embed_settings,
    show_widget,
    widget_views,
)
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_role
from reptidex.services.media.access import Media
from reptidex.services.media.delivery import not_modified

WidgetName = Literal["profile", "pedigree", "available"]

ThemeName = Annotated[Literal["light", "dark"], QueryParameter(description="Light or dark")]
Accent = Annotated[
    str, QueryParameter(pattern=r"^#?[0-9a-fA-F]{6}$", description="Accent colour, rrggbb")
]
Generations = Annotated[
    int, QueryParameter(ge=1, le=MAX_WIDGET_GENERATIONS, description="Pedigree generations")
]
Limit = Annotated[int, QueryParameter(ge=1, le=50, description="Most animals listed")]


class WidgetOptionView(msgspec.Struct, frozen=True):
    """An option of a widget."""

    name: str
    description: str
    values: str
    default: str


class WidgetView(msgspec.Struct, frozen=True):
    """A widget type with its options and, given a subject, copy-paste snippets."""

    type: str
    title: str
    description: str
    subject: str
    options: list[WidgetOptionView]
    iframe_url: str | None = None
    iframe_snippet: str | None = None
    script_snippet: str | None = None


class WidgetCatalog(msgspec.Struct, frozen=True):
    """Every widget type, and the loader script."""

    loader_url: str
    widgets: list[WidgetView]


class FragmentView(msgspec.Struct, frozen=True):
    """A widget for the script loader: escaped HTML and its stylesheet."""

    widget: str
    html: str
    css: str
    public: bool


class EmbedSettingsBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The sites (origins) allowed to show the organisation's widgets; empty: any site."""

    allowed_origins: list[Annotated[str, msgspec.Meta(max_length=200)]]


class ViewCount(msgspec.Struct, frozen=True):
    """Views of one widget of one subject."""

    widget: str
    subject_id: uuid.UUID
    views: int


class EmbedStats(msgspec.Struct, frozen=True):
    """Widget views since a day."""

    since: dt.date
    views: list[ViewCount]


def _base(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


def _query(**options: object) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in options.items() if v is not None})


def _catalog(
    base: str, animal_id: uuid.UUID | None, organisation_id: uuid.UUID | None
) -> WidgetCatalog:
    from html import escape

    views = []
    for kind in WIDGETS.values():
        subject = animal_id if kind.subject == "animal" else organisation_id
        url = iframe = script = None
        if subject is not None:
            url = f"{base}/embed/{kind.type}/{subject}"
            height = {"profile": 320, "pedigree": 560, "available": 420}[kind.type]
            iframe = (
                f'<iframe src="{escape(url)}" title="{escape(kind.title)} (ReptiDex)" '
                f'loading="lazy" style="width:100%;max-width:640px;height:{height}px;border:0">'
                "</iframe>"
            )
            script = (
                f'<div data-reptidex-widget="{kind.type}" data-reptidex-id="{subject}"></div>\n'
                f'<script src="{escape(base)}/embed/loader.js" async></script>'
            )
        views.append(
            WidgetView(
                kind.type,
                kind.title,
                kind.description,
                kind.subject,
                [
                    WidgetOptionView(o.name, o.description, o.values, o.default)
                    for o in kind.options
                ],
                url,
                iframe,
                script,
            )
        )
    return WidgetCatalog(f"{base}/embed/loader.js", views)


async def _show(
    request: Request[Any, Any, Any],
    media: Media,
    widget: WidgetName,
    subject_id: uuid.UUID,
    mode: Literal["iframe", "script"],
    theme: Literal["light", "dark"],
    accent: str,
    generations: int,
    limit: int,
) -> ShownWidget:
    """The widget in the asked look (its view counted), with its organisation's rules."""
    asked = WidgetRequest(
        widget,
        subject_id,
        Theme(mode=theme, accent="#" + accent.lstrip("#").lower()),
        generations=generations,
        limit=limit,
        mode=mode,
        origin=request.headers.get("origin"),
        referer=request.headers.get("referer"),
    )
    async with media.unit_of_work() as uow:
        return await show_widget(
            uow,
            media.widgets,
            asked,
            base_url=_base(request),
            today=dt.datetime.now(dt.UTC).date(),
            backfill=media.backfill,
        )


def _etag(*parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def _frame_ancestors(rules: EmbedSettings) -> str:
    return "'self' " + " ".join(rules.allowed_origins) if rules.allowed_origins else "*"


_WIDGET_RESPONSES = {304: ResponseSpec(None, description="The client's copy is current")}


class EmbedController(Controller):
    """Widgets for third-party pages: public data only."""

    path = "/embed"
    tags = ("embeds",)

    @get(
        "/widgets",
        summary="List the widget types",
        description="Each widget (profile card, pedigree tree, available animals) with its "
        "options; with `animal_id` and/or `organisation_id`, copy-paste snippets for an "
        "`<iframe>` and for the `<script>` loader (which renders into a Shadow DOM, so styles "
        "never leak either way).",
    )
    async def widgets(
        self,
        request: Request[Any, Any, Any],
        animal_id: Annotated[uuid.UUID | None, QueryParameter(description="For snippets")] = None,
        organisation_id: Annotated[
            uuid.UUID | None, QueryParameter(description="For the available-animals snippet")
        ] = None,
    ) -> WidgetCatalog:
        """The catalog."""
        return _catalog(_base(request), animal_id, organisation_id)

    @get(
        "/loader.js",
        media_type="text/javascript",
        summary="The widget loader script",
        description="Finds `[data-reptidex-widget]` placeholders and renders each widget into "
        "its own Shadow DOM from `/embed/{widget}/{id}/fragment`.",
    )
    async def loader(self, media: Media) -> Response[str]:
        """The loader."""
        return Response(
            media.widgets.loader_js,
            media_type="text/javascript",
            headers={
                "Cache-Control": "public, max-age=3600",
                "Access-Control-Allow-Origin": "*",
                "ETag": _etag(media.widgets.loader_js),
                "X-Content-Type-Options": "nosniff",
            },
        )

    @get(
        "/{widget:str}/{subject_id:uuid}",
        media_type="text/html",
        summary="A widget as an HTML page (for an iframe)",
        description='Public data only: an animal that is not public shows "not public". '
        "`frame-ancestors` follows the breeder's allowed sites (`PUT /embed/settings`); no "
        "scripts run in the page. Cacheable with an ETag. Counts a view (`embed.viewed`).",
        responses=_WIDGET_RESPONSES,
    )
    async def page(
        self,
        request: Request[Any, Any, Any],
        media: Media,
        widget: FromPath[WidgetName],
        subject_id: FromPath[uuid.UUID],
        theme: ThemeName = "light",
        accent: Accent = "2f7d4f",
        generations: Generations = 3,
        limit: Limit = 12,
    ) -> Response[str]:
        """An iframe page."""
        shown = await _show(
            request, media, widget, subject_id, "iframe", theme, accent, generations, limit
        )
        title = f"ReptiDex {WIDGETS[widget].title}"
        body = media.widgets.page(title, shown.css, shown.html)
        etag = _etag(body, *shown.rules.allowed_origins)
        headers = {
            "ETag": etag,
            "Cache-Control": "public, max-age=60",
            "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; "
            f"style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            f"frame-ancestors {_frame_ancestors(shown.rules)}",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin",
        }
        if not_modified(etag, dt.datetime.now(dt.UTC), request.headers.get("if-none-match"), None):
            return Response("", status_code=304, headers=headers)
        return Response(body, media_type="text/html", headers=headers)

    @get(
        "/{widget:str}/{subject_id:uuid}/fragment",
        summary="A widget for the script loader",
        description="The widget's escaped HTML and stylesheet as JSON. CORS: allowed for the "
        "breeder's allowed sites (any site when none are set); other origins get 403. "
        "Cacheable with an ETag. Counts a view (`embed.viewed`).",
        responses=_WIDGET_RESPONSES,
    )
    async def fragment(
        self,
        request: Request[Any, Any, Any],
        media: Media,
        widget: FromPath[WidgetName],
        subject_id: FromPath[uuid.UUID],
        theme: ThemeName = "light",
        accent: Accent = "2f7d4f",
        generations: Generations = 3,
        limit: Limit = 12,
    ) -> Response[Any]:
        """A loader fragment."""
        shown = await _show(
            request, media, widget, subject_id, "script", theme, accent, generations, limit
        )
        origin = request.headers.get("origin")
        body = FragmentView(widget, shown.html, shown.css, shown.public)
        content = msgspec.json.encode(body)
        etag = _etag(content.decode(), *shown.rules.allowed_origins)
        headers = {
            "ETag": etag,
            "Cache-Control": "public, max-age=60",
            "Vary": "Origin",
            "Access-Control-Allow-Origin": origin
            if shown.rules.allowed_origins and origin
            else "*",
            "X-Content-Type-Options": "nosniff",
        }
        if not_modified(etag, dt.datetime.now(dt.UTC), request.headers.get("if-none-match"), None):
            return Response(b"", status_code=304, headers=headers)
        return Response(content, media_type="application/json", headers=headers)

    @get(
        "/settings",
        guards=[requires_role(Role.VIEWER)],
        security=BEARER,
        summary="Show the allowed sites",
        description="The origins allowed to show the organisation's widgets (empty: any site).",
    )
    async def show_settings(self, media: Media, principal: CurrentPrincipal) -> EmbedSettingsBody:
        """The settings."""
        organisation = principal.require_organisation()
        async with media.unit_of_work(organisation) as uow:
            rules = await embed_settings(uow.embed_settings, organisation)
        return EmbedSettingsBody(list(rules.allowed_origins))

    @put(
        "/settings",
        guards=[requires_role(Role.ADMIN)],
        security=BEARER,
        summary="Set the allowed sites",
        description="Origins such as `https://example.com` (`https://*.example.com` for its "
        "subdomains), at most 20; empty allows any site. Applies to `frame-ancestors` of the "
        "iframe pages and to CORS of the loader's fragments. Admins and owners.",
    )
    async def change_settings(
        self,
        media: Media,
        principal: CurrentPrincipal,
        data: JSONBody[EmbedSettingsBody],
    ) -> EmbedSettingsBody:
        """Change the settings."""
        organisation = principal.require_organisation()
        async with media.unit_of_work(organisation) as uow:
            rules = await change_embed_settings(
                uow,
                organisation,
                data.allowed_origins,
                actor_id=principal.user_id,
            )
        return EmbedSettingsBody(list(rules.allowed_origins))

    @get(
        "/stats",
        guards=[requires_role(Role.VIEWER)],
        security=BEARER,
        summary="Widget views",
        description="Views of the organisation's widgets per widget and subject over the last "
        "`days` days (1-366, default 30), most viewed first.",
    )
    async def stats(
        self,
        media: Media,
        principal: CurrentPrincipal,
        days: Annotated[int, QueryParameter(ge=1, le=366, description="Days back")] = 30,
    ) -> EmbedStats:
        """View statistics."""
        organisation = principal.require_organisation()
        async with media.unit_of_work(organisation) as uow:
            views = await widget_views(
                uow.embed_views,
                organisation,
                days=days,
                today=dt.datetime.now(dt.UTC).date(),
            )
        return EmbedStats(views.since, [ViewCount(w, s, n) for w, s, n in views.totals])
