"""``/embed``: widgets for breeders' websites (iframe pages, a script loader with Shadow DOM),
their catalog, the breeder's allowed sites and view statistics."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.render.widgets import (
    LOADER_JS,
    available_html,
    not_public_html,
    pedigree_html,
    profile_html,
    widget_css,
    widget_page,
)
from reptidex.adapters.sql.media.embeds import SqlEmbedSettings, SqlEmbedViews, SqlPublicAnimals
from reptidex.adapters.sql.media.repository import SqlFileRepository
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.errors import PermissionDenied
from reptidex.domain.events.envelope import new_event
from reptidex.domain.identity.model import Role
from reptidex.domain.media.embeds import (
    MAX_WIDGET_GENERATIONS,
    WIDGETS,
    EmbedSettings,
    checked_origins,
    public_pedigree,
)
from reptidex.domain.media.events import PRODUCER, EmbedViewed
from reptidex.domain.media.rendering import Theme
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_role
from reptidex.services.kernel.events import events_of
from reptidex.services.media.backfill import backfill_breeder_if_unknown
from reptidex.services.media.delivery import not_modified

DbSession = NamedDependency[AsyncSession]
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


class RenderedWidget(msgspec.Struct, frozen=True):
    """A widget's HTML, its organisation and whether it shows public data."""

    html: str
    css: str
    organisation_id: uuid.UUID | None
    public: bool


async def _render_widget(
    session: AsyncSession,
    base: str,
    widget: str,
    subject_id: uuid.UUID,
    theme: Theme,
    generations: int,
    limit: int,
) -> RenderedWidget:
    css = widget_css(theme)
    animals = SqlPublicAnimals(session)
    if widget == "available":
        listed = await animals.for_sale(subject_id, limit)
        return RenderedWidget(available_html(listed), css, subject_id, True)
    animal = await animals.get(subject_id)
    if animal is None or not animal.is_public:
        return RenderedWidget(not_public_html(), css, None, False)
    if widget == "profile":
        photo = await SqlFileRepository(session).latest_public_image(
            animal.id, animal.organisation_id
        )
        photo_url = f"{base}/media/{photo.id}?variant=thumb-512" if photo else None
        return RenderedWidget(profile_html(animal, photo_url), css, animal.organisation_id, True)
    pedigree = await public_pedigree(animals, animal, generations)
    return RenderedWidget(pedigree_html(pedigree), css, animal.organisation_id, True)


async def _render_with_rules(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    widget: str,
    subject_id: uuid.UUID,
    theme: Literal["light", "dark"],
    accent: str,
    generations: int,
    limit: int,
) -> tuple[RenderedWidget, EmbedSettings]:
    """The widget in the asked look, and its organisation's embed rules (none: the defaults)."""
    look = Theme(mode=theme, accent="#" + accent.lstrip("#").lower())
    if widget == "available":
        await backfill_breeder_if_unknown(request.app, session, subject_id)
    rendered = await _render_widget(
        session, _base(request), widget, subject_id, look, generations, limit
    )
    rules = (
        await SqlEmbedSettings(session).get(rendered.organisation_id)
        if rendered.organisation_id
        else EmbedSettings(uuid.UUID(int=0))
    )
    return rendered, rules


async def _count_view(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    rendered: RenderedWidget,
    widget: str,
    subject_id: uuid.UUID,
    mode: str,
) -> None:
    if not rendered.public or rendered.organisation_id is None:
        return
    from urllib.parse import urlsplit

    referrer = request.headers.get("origin") or request.headers.get("referer")
    host = urlsplit(referrer).hostname if referrer else None
    await SqlEmbedViews(session).count(
        rendered.organisation_id, widget, subject_id, dt.datetime.now(dt.UTC).date()
    )
    SqlOutbox(session, "media").add(
        new_event(
            "embed.viewed",
            producer=PRODUCER,
            payload=EmbedViewed(widget, str(subject_id), mode, host),
            organisation_id=rendered.organisation_id,
        )
    )
    await session.commit()
    events_of(request.app).committed()


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
    async def loader(self) -> Response[str]:
        """The loader."""
        return Response(
            LOADER_JS,
            media_type="text/javascript; charset=utf-8",
            headers={
                "Cache-Control": "public, max-age=3600",
                "Access-Control-Allow-Origin": "*",
                "ETag": _etag(LOADER_JS),
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
        db_session: DbSession,
        widget: FromPath[WidgetName],
        subject_id: FromPath[uuid.UUID],
        theme: ThemeName = "light",
        accent: Accent = "2f7d4f",
        generations: Generations = 3,
        limit: Limit = 12,
    ) -> Response[str]:
        """An iframe page."""
        rendered, rules = await _render_with_rules(
            request, db_session, widget, subject_id, theme, accent, generations, limit
        )
        title = f"ReptiDex {WIDGETS[widget].title}"
        body = widget_page(title, rendered.css, rendered.html)
        etag = _etag(body, *rules.allowed_origins)
        headers = {
            "ETag": etag,
            "Cache-Control": "public, max-age=60",
            "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; "
            f"style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            f"frame-ancestors {_frame_ancestors(rules)}",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin",
        }
        await _count_view(request, db_session, rendered, widget, subject_id, "iframe")
        if not_modified(etag, dt.datetime.now(dt.UTC), request.headers.get("if-none-match"), None):
            return Response("", status_code=304, headers=headers)
        return Response(body, media_type="text/html; charset=utf-8", headers=headers)

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
        db_session: DbSession,
        widget: FromPath[WidgetName],
        subject_id: FromPath[uuid.UUID],
        theme: ThemeName = "light",
        accent: Accent = "2f7d4f",
        generations: Generations = 3,
        limit: Limit = 12,
    ) -> Response[Any]:
        """A loader fragment."""
        rendered, rules = await _render_with_rules(
            request, db_session, widget, subject_id, theme, accent, generations, limit
        )
        origin = request.headers.get("origin")
        if origin and not rules.allows(origin):
            raise PermissionDenied("This breeder's widgets may not be shown on that site.")
        body = FragmentView(widget, rendered.html, rendered.css, rendered.public)
        content = msgspec.json.encode(body)
        etag = _etag(content.decode(), *rules.allowed_origins)
        headers = {
            "ETag": etag,
            "Cache-Control": "public, max-age=60",
            "Vary": "Origin",
            "Access-Control-Allow-Origin": origin if rules.allowed_origins and origin else "*",
            "X-Content-Type-Options": "nosniff",
        }
        await _count_view(request, db_session, rendered, widget, subject_id, "script")
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
    async def show_settings(
        self, principal: CurrentPrincipal, db_session: DbSession
    ) -> EmbedSettingsBody:
        """The settings."""
        rules = await SqlEmbedSettings(db_session).get(principal.require_organisation())
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
        self, principal: CurrentPrincipal, db_session: DbSession, data: JSONBody[EmbedSettingsBody]
    ) -> EmbedSettingsBody:
        """Change the settings."""
        rules = EmbedSettings(
            principal.require_organisation(), checked_origins(data.allowed_origins)
        )
        await SqlEmbedSettings(db_session).put(rules)
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
        principal: CurrentPrincipal,
        db_session: DbSession,
        days: Annotated[int, QueryParameter(ge=1, le=366, description="Days back")] = 30,
    ) -> EmbedStats:
        """View statistics."""
        since = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days - 1)
        totals = await SqlEmbedViews(db_session).totals(principal.require_organisation(), since)
        return EmbedStats(since, [ViewCount(w, s, n) for w, s, n in totals])
