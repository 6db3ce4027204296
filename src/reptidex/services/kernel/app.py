"""The one app factory every service is built by.

It wires what all six services share: settings, the service's database (advanced-alchemy), health
and metrics endpoints, OpenAPI at ``/schema``, CORS, problem+json errors, and the request context
(request id, access log, metrics) around the whole app.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from reptidex import __version__
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import current_revisions, head_revisions
from reptidex.services.kernel.auth import AUTH_DEPENDENCIES, Authenticator
from reptidex.services.kernel.catalog import ServiceSpec
from reptidex.services.kernel.events import ServiceEvents
from reptidex.services.kernel.health import DependencyCheck, health_routes
from reptidex.services.kernel.metrics import ServiceMetrics, metrics_route
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.problems import EXCEPTION_HANDLERS
from reptidex.services.kernel.request_context import RequestContext
from reptidex.services.kernel.settings import Settings


def _revisions(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "no revision"


class ServiceResources:
    """What one running service holds open: its engine, Redis client and peer client."""

    def __init__(self, spec: ServiceSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.database_url = settings.database_url(spec.name)
        self.engine: AsyncEngine = create_engine(
            self.database_url, pool_size=settings.db_pool_size, echo=settings.db_echo
        )
        self.redis: aioredis.Redis | None = None
        self.peers: PeerClient | None = None

    @functools.cached_property
    def expected_revisions(self) -> frozenset[str]:
        """The heads of this service's migration history (read from disk once)."""
        return head_revisions(self.spec.name)

    async def open(self) -> None:
        """Open the connections that need a running event loop."""
        if self.settings.redis_url:
            self.redis = aioredis.from_url(self.settings.redis_url)
        self.peers = PeerClient(
            {name: self.settings.peer_url(name) for name in self.spec.peers},
            timeout=self.settings.http_timeout,
        )

    async def close(self) -> None:
        """Close everything :meth:`open` opened and the engine's pool."""
        if self.redis is not None:
            await self.redis.aclose()
        if self.peers is not None:
            await self.peers.aclose()
        await self.engine.dispose()

    async def check_database(self) -> str:
        """Probe the database and report its migration revision."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        current = await current_revisions(self.engine)
        expected = self.expected_revisions
        if current != expected:
            raise RuntimeError(
                f"schema at {_revisions(current)}, expected {_revisions(expected)}: "
                "run `reptidex db upgrade`"
            )
        return f"{self.engine.dialect.name}, schema at {_revisions(current)}"

    async def check_redis(self) -> str:
        """Probe Redis."""
        assert self.redis is not None
        await self.redis.ping()
        return "PONG"

    def check_peer(self, service: str) -> DependencyCheck:
        """A probe of ``service``'s ``/health``."""

        async def probe() -> str:
            assert self.peers is not None
            response = await self.peers.get(service, "/health")
            response.raise_for_status()
            return f"{response.status_code} from {self.peers.url(service, '/health')}"

        return probe

    def checks(self) -> Mapping[str, DependencyCheck]:
        """Every probe ``/health/deep`` runs for this service."""
        probes: dict[str, DependencyCheck] = {"database": self.check_database}
        if self.settings.redis_url:
            probes["redis"] = self.check_redis
        for peer in self.spec.peers:
            probes[f"service:{peer}"] = self.check_peer(peer)
        return probes


def create_service_app(
    spec: ServiceSpec,
    settings: Settings,
    route_handlers: Sequence[ControllerRouterHandler] = (),
    *,
    description: str | None = None,
    dependencies: Mapping[str, Provide] | None = None,
    lifespan: Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]] = (),
    state: Mapping[str, Any] | None = None,
    authenticator: Authenticator | None = None,
    checks: Mapping[str, DependencyCheck] | None = None,
    debug: bool = False,
) -> Litestar:
    """Build the Litestar app of ``spec`` with the shared kernel around ``route_handlers``.

    ``dependencies`` are app-level providers for the controllers; ``lifespan`` context managers
    run after the kernel's resources are open (and close before them); ``state`` is added to
    ``app.state``. ``authenticator`` verifies access tokens (default: against core's JWKS);
    handlers receive the caller as the ``principal`` / ``optional_principal`` dependencies.
    ``checks`` are extra probes of ``/health/deep`` (the kernel's: database, Redis, peers,
    events).
    """
    auth = authenticator or Authenticator.from_settings(settings)
    resources = ServiceResources(spec, settings)
    metrics = ServiceMetrics(spec.name)
    metrics.watch_pool(lambda: resources.engine)
    events = ServiceEvents(spec.name, settings, resources.engine)
    metrics.registry.register(events.metrics())

    @asynccontextmanager
    async def kernel_lifespan(app: Litestar) -> AsyncIterator[None]:
        await resources.open()
        try:
            yield
        finally:
            await auth.aclose()
            await resources.close()

    @asynccontextmanager
    async def events_lifespan(app: Litestar) -> AsyncIterator[None]:
        # Last in, first out: subscriptions made by the service's own lifespans are in place
        # before the bus starts, and the relay stops before them.
        await events.start()
        try:
            yield
        finally:
            await events.stop()

    database = SQLAlchemyAsyncConfig(
        engine_instance=resources.engine,
        before_send_handler="autocommit",
        create_all=False,
    )
    app = Litestar(
        route_handlers=[
            *health_routes(
                spec.name,
                lambda: {**resources.checks(), "events": events.check, **(checks or {})},
                settings.health_timeout,
            ),
            metrics_route(metrics),
            *route_handlers,
        ],
        plugins=[SQLAlchemyPlugin(config=database)],
        lifespan=[kernel_lifespan, *lifespan, events_lifespan],
        dependencies={**AUTH_DEPENDENCIES, **(dependencies or {})},
        exception_handlers=EXCEPTION_HANDLERS,
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins))
        if settings.cors_origins
        else None,
        openapi_config=OpenAPIConfig(
            title=spec.title,
            version=__version__,
            description=description or spec.summary,
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="An access token from repti-core (POST /auth/login).",
                    )
                }
            ),
        ),
        state=State(
            {
                **(state or {}),
                "spec": spec,
                "settings": settings,
                "resources": resources,
                "metrics": metrics,
                "authenticator": auth,
                "events": events,
            }
        ),
        logging_config=None,  # the process configures structlog once (kernel.logging)
        debug=debug,
    )
    app.asgi_handler = RequestContext(app.asgi_handler, spec.name, metrics)
    return app


def resources_of(app: Litestar) -> ServiceResources:
    """The :class:`ServiceResources` of a service app."""
    resources: Any = app.state["resources"]
    return resources  # type: ignore[no-any-return]
