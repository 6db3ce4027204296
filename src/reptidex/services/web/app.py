"""repti-web's composition root: the app factory ``create_app``.

It picks the adapters (the services' APIs over HTTP, the session store: Redis when
``REPTIDEX_REDIS_URL`` is set, else memory), and builds the Litestar app around the areas'
routes (:data:`~reptidex.services.web.routes.AREAS`): templates, static files, CSRF on every
form, the error pages, ``/health`` and ``/health/deep`` like every service.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.types import Receive, Scope, Send

from reptidex.services.kernel.auth import service_secret
from reptidex.services.kernel.catalog import SERVICE_NAMES, WEB
from reptidex.services.kernel.health import DependencyCheck, health_routes
from reptidex.services.kernel.metrics import ServiceMetrics
from reptidex.services.kernel.page_templates import page_templates
from reptidex.services.kernel.request_context import RequestContext
from reptidex.services.kernel.settings import Settings, load_settings
from reptidex.services.kernel.slow_clients import BodyDeadline
from reptidex.services.web.api import ServiceCalls
from reptidex.services.web.http_calls import HttpServiceCalls
from reptidex.services.web.pages import handle_error
from reptidex.services.web.routes import AREAS
from reptidex.services.web.sessions import SessionStore
from reptidex.services.web.visitor import Visitor

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
CSRF_COOKIE = "reptidex_csrf"


def is_https(settings: Settings) -> bool:
    """Whether people reach the application over https (``REPTIDEX_PUBLIC_URL``): then every
    cookie is ``Secure``."""
    return (settings.public_url or "").startswith("https://")


class WebApp(Litestar):
    """repti-web's Litestar app inside the request context (request id, JSON access log)."""

    def __init__(self, settings: Settings, calls: ServiceCalls, **config: Any) -> None:
        super().__init__(**config)
        self.calls = calls
        self._outermost = RequestContext(
            BodyDeadline(super().__call__, settings.body_timeout),
            WEB.name,
            ServiceMetrics(WEB.name),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        """Handle one ASGI call inside the request context."""
        await self._outermost(scope, receive, send)


def _probes(calls: ServiceCalls) -> Mapping[str, DependencyCheck]:
    def probe(service: str) -> DependencyCheck:
        async def check() -> str | None:
            await calls.call("GET", service, "/health")
            return None

        return check

    return {f"repti-{name}": probe(name) for name in SERVICE_NAMES}


def create_app(
    settings: Settings | None = None,
    *,
    calls: ServiceCalls | None = None,
    store: Store | None = None,
) -> Litestar:
    """Build repti-web from ``settings`` (default: the environment); ``calls`` and ``store``
    replace the HTTP client and the session store (tests)."""
    settings = settings or load_settings()
    calls = calls or HttpServiceCalls(
        {name: settings.peer_url(name) for name in SERVICE_NAMES}, timeout=settings.http_timeout
    )
    if store is None:
        store = (
            RedisStore(aioredis.from_url(settings.redis_url), namespace="reptidex-web")
            if settings.redis_url
            else MemoryStore()
        )
    sessions = SessionStore(store)
    secure = is_https(settings)
    probes = _probes(calls)

    async def provide_visitor(request: Request[Any, Any, Any]) -> Visitor:
        return await Visitor(request, calls, sessions, secure=secure).load()

    @asynccontextmanager
    async def close_calls(_: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await calls.aclose()

    secret = settings.web_secret or service_secret(settings, WEB.name)
    assert secret is not None  # derived from the data folder's master key when not set
    return WebApp(
        settings,
        calls,
        route_handlers=[
            *health_routes(WEB.name, lambda: probes, settings.health_timeout),
            create_static_files_router(
                path="/static", directories=[STATIC], include_in_schema=False
            ),
            *AREAS,
        ],
        dependencies={"visitor": Provide(provide_visitor)},
        template_config=page_templates(TEMPLATES),
        csrf_config=CSRFConfig(
            secret=secret,
            cookie_name=CSRF_COOKIE,
            cookie_secure=secure,
            cookie_httponly=True,
            cookie_samesite="lax",
            header_name="x-csrf-token",
        ),
        exception_handlers={Exception: handle_error},
        openapi_config=None,
        lifespan=[close_calls],
        logging_config=None,
    )
