"""The kernel every service is built on, and the one app builder.

A service's composition root (``services/<name>/app.py::create_app``) has one shape:

1. :func:`build_kernel` makes what every service shares: the database engine and its session
   factory, the Redis client, the peer client, the metrics registry, the events (subscriptions,
   outbox relay, bus), the rate limiter, the client-address reader and the operations access;
2. the service's wiring builds its adapters and use cases on the kernel (and subscribes to
   events), choosing every adapter from the settings in that one place;
3. :func:`create_service_app` builds the Litestar app around the service's routes: health,
   recent errors and metrics endpoints, OpenAPI at ``/schema``, CORS, problem+json errors, authentication, the
   request context (request id, access log, metrics), and the service's objects handed to the
   controllers as Litestar dependencies.

Nothing is added to the app once it is built, and no handler looks anything up on it: a
controller declares what it needs (``uow: UnitOfWork``, ``principal: CurrentPrincipal``) and
Litestar injects it.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

import httpx
import redis.asyncio as aioredis
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import NamedDependency, Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import SkipValidation
from litestar.template import TemplateConfig
from litestar.types import (
    ControllerRouterHandler,
    LifeSpanReceive,
    LifeSpanScope,
    LifeSpanSend,
    Receive,
    Scope,
    Send,
)
from opentelemetry.sdk.trace.export import SpanExporter
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reptidex import __version__
from reptidex.adapters.rate_limits import FallbackRateLimiter
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import current_revisions, head_revisions
from reptidex.domain.rate_limits import RateLimiter
from reptidex.services.kernel.auth import AUTH_DEPENDENCIES, Authentication, Authenticator
from reptidex.services.kernel.catalog import ServiceSpec
from reptidex.services.kernel.client_address import ClientAddresses
from reptidex.services.kernel.database_role import UnsafeDatabaseRole, refuse_unsafe_roles
from reptidex.services.kernel.events import ServiceEvents
from reptidex.services.kernel.health import DependencyCheck, health_routes
from reptidex.services.kernel.input_guard import guard_input
from reptidex.services.kernel.logging import get_logger
from reptidex.services.kernel.metrics import Sampler, ServiceMetrics, metrics_route
from reptidex.services.kernel.operations_access import OperationsAccess
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.plausible_dates import TYPE_DECODERS, PlausibleDateSchema
from reptidex.services.kernel.problem_responses import document_problems
from reptidex.services.kernel.problems import exception_handlers
from reptidex.services.kernel.recent_errors import RecentErrors, errors_route
from reptidex.services.kernel.request_context import RequestContext
from reptidex.services.kernel.schema_viewer import schema_assets, schema_viewer
from reptidex.services.kernel.settings import Settings
from reptidex.services.kernel.slow_clients import BodyDeadline
from reptidex.services.kernel.tracing import Tracing, name_span_by_route, service_tracing

_T = TypeVar("_T")
_log = get_logger("reptidex.kernel")


def _revisions(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "no revision"


class ServiceResources:
    """What one service holds open: its engine, Redis client and peer client.

    All three are made here, before the app, so that adapters can be given them; each opens
    its connections at first use, and :meth:`close` closes them (a later use opens them
    again, so an app may be started more than once). With ``tracing``, the engine's
    statements and the calls to peers make spans."""

    def __init__(
        self, spec: ServiceSpec, settings: Settings, tracing: Tracing | None = None
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.tracing = tracing
        self.database_url = settings.database_url(spec.name)
        self.engine: AsyncEngine = create_engine(
            self.database_url, pool_size=settings.db_pool_size, echo=settings.db_echo
        )
        if tracing is not None:
            tracing.watch_engine(self.engine)
        if not settings.database_owner_allowed:
            refuse_unsafe_roles(self.engine, spec.name)
        self.redis: aioredis.Redis | None = (
            aioredis.from_url(settings.redis_url) if settings.redis_url else None
        )
        self.peers = PeerClient(
            {name: settings.peer_url(name) for name in spec.peers},
            timeout=settings.http_timeout,
            transport=self.http_transport(),
        )

    def http_transport(self) -> httpx.AsyncBaseTransport | None:
        """The transport for calls to other services: traced (a client span, the W3C
        ``traceparent`` header) when tracing is on; ``None`` (httpx's own) when it is off."""
        return None if self.tracing is None else self.tracing.transport()

    @functools.cached_property
    def expected_revisions(self) -> frozenset[str]:
        """The heads of this service's migration history (read from disk once)."""
        return head_revisions(self.spec.name)

    async def check_role(self) -> None:
        """At start: open a connection, so that an unsafe database role stops the service
        (:mod:`~reptidex.services.kernel.database_role`); a database that does not answer yet
        is checked at its first connection."""
        if self.engine.dialect.name != "postgresql" or self.settings.database_owner_allowed:
            return
        try:
            async with self.engine.connect():
                pass
        except UnsafeDatabaseRole:
            raise
        except (OSError, SQLAlchemyError) as exc:
            _log.warning("database role not checked at start", error=repr(exc))

    async def close(self) -> None:
        """Close the connections and the engine's pool."""
        if self.redis is not None:
            await self.redis.aclose()
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


@dataclass(frozen=True, slots=True)
class Kernel:
    """What every service shares, built by :func:`build_kernel` before the service's own
    adapters (which are built on it) and before its app."""

    spec: ServiceSpec
    settings: Settings
    resources: ServiceResources
    sessions: async_sessionmaker[AsyncSession]
    """Sessions on the service's database, for the units of work (``expire_on_commit`` off:
    what a use case returns stays readable after its commit)."""
    metrics: ServiceMetrics
    events: ServiceEvents
    rate_limiter: RateLimiter
    """The one limiter of the service: Redis when configured, else (or while Redis does not
    answer) this process's memory."""
    client_addresses: ClientAddresses
    """The client address of a request, ``X-Forwarded-For`` believed from trusted proxies only."""
    errors: RecentErrors
    """The process's recent unhandled errors (``GET /health/errors``)."""
    operators: OperationsAccess
    """Who may read ``/metrics`` and ``/health/deep`` (``REPTIDEX_OPERATIONS_NETWORKS`` and
    ``REPTIDEX_OPERATIONS_TOKEN``)."""
    tracing: Tracing | None = None
    """The service's tracing (:mod:`~reptidex.services.kernel.tracing`); ``None`` when off."""

    @property
    def engine(self) -> AsyncEngine:
        """The service's database engine."""
        return self.resources.engine


def build_kernel(
    spec: ServiceSpec, settings: Settings, *, span_exporter: SpanExporter | None = None
) -> Kernel:
    """The kernel of ``spec`` from ``settings``: connections are opened at first use.

    Tracing is on when ``settings.otlp_endpoint`` is set, or when ``span_exporter`` is given
    (tests read the spans from it); else nothing of it is installed."""
    tracing = service_tracing(f"repti-{spec.name}", settings, span_exporter)
    resources = ServiceResources(spec, settings, tracing)
    addresses = ClientAddresses(settings.trusted_proxies)
    metrics = ServiceMetrics(spec.name)
    metrics.watch_pool(lambda: resources.engine)
    events = ServiceEvents(spec.name, settings, resources.engine, tracing)
    metrics.registry.register(events.metrics())
    metrics.sample_at_scrape("event_bus", events.sample_bus)
    return Kernel(
        spec=spec,
        settings=settings,
        resources=resources,
        sessions=async_sessionmaker(resources.engine, expire_on_commit=False),
        metrics=metrics,
        events=events,
        rate_limiter=FallbackRateLimiter(resources.redis),
        client_addresses=addresses,
        errors=RecentErrors(),
        operators=OperationsAccess(
            settings.operations_networks, settings.operations_token, addresses
        ),
        tracing=tracing,
    )


Injected: TypeAlias = NamedDependency[SkipValidation[_T]]
"""A handler parameter the composition root provides (``uow: Injected[UnitOfWork]``), typed by
the port it implements; Litestar injects it by name and does not check it (it is the service's
own object, and a port is a Protocol)."""


def provide_value(value: object) -> Provide:
    """A dependency that is ``value`` itself, built once by the composition root (a use case,
    an adapter, a limit): the same object for every request."""
    return Provide(lambda: value, use_cache=True, sync_to_thread=False)


class ServiceApp(Litestar):
    """A service's Litestar app, as :func:`create_service_app` builds it: it keeps the kernel
    and what the composition root built (``components``), for the runner and for tests (see
    :func:`kernel_of`); requests get what they need by dependency injection.

    The request context (request id, access log, metrics) wraps the whole app, so that requests
    to unknown routes and wrong methods are logged and counted too; inside it, the body deadline
    (:mod:`~reptidex.services.kernel.slow_clients`) bounds the time a request's body may take.
    """

    def __init__(self, kernel: Kernel, components: object, **config: Any) -> None:
        super().__init__(**config)
        self.kernel = kernel
        self.components = components
        self._outermost = RequestContext(
            BodyDeadline(super().__call__, kernel.settings.body_timeout),
            kernel.spec.name,
            kernel.metrics,
        )

    async def __call__(
        self,
        scope: Scope | LifeSpanScope,
        receive: Receive | LifeSpanReceive,
        send: Send | LifeSpanSend,
    ) -> None:
        """Handle one ASGI call inside the request context."""
        await self._outermost(scope, receive, send)  # type: ignore[arg-type]


def create_service_app(
    kernel: Kernel,
    route_handlers: Sequence[ControllerRouterHandler] = (),
    *,
    components: object = None,
    description: str | None = None,
    dependencies: Mapping[str, Provide] | None = None,
    lifespan: Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]] = (),
    authenticator: Authenticator | None = None,
    checks: Mapping[str, DependencyCheck] | None = None,
    collectors: Sequence[Collector] = (),
    samplers: Mapping[str, Sampler] | None = None,
    template_config: TemplateConfig[Any] | None = None,
    debug: bool = False,
) -> Litestar:
    """The Litestar app (a :class:`ServiceApp`) of ``kernel``'s service around
    ``route_handlers``.

    ``components`` is what the service's wiring built (kept on the app for tests);
    ``dependencies`` provide the controllers with it, next to the kernel's own (``principal``,
    ``optional_principal``, ``client_address``); ``lifespan`` context managers run after the
    kernel's resources are ready (and stop before them); ``authenticator`` verifies access
    tokens (default: against repti-core's JWKS); ``checks`` are extra probes of
    ``/health/deep`` (the kernel's: database, Redis, peers, events); ``collectors`` report on
    ``/metrics``, and ``samplers`` (by name) too, read at each scrape; ``template_config`` renders a service's HTML pages (repti-ops' dashboard).
    """
    spec, settings, resources, events = (
        kernel.spec,
        kernel.settings,
        kernel.resources,
        kernel.events,
    )
    auth = authenticator or Authenticator.from_settings(
        settings, transport=resources.http_transport()
    )
    tracing = kernel.tracing
    for collector in collectors:
        kernel.metrics.registry.register(collector)
    for name, sampler in (samplers or {}).items():
        kernel.metrics.sample_at_scrape(name, sampler)

    @asynccontextmanager
    async def kernel_lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            await resources.check_role()
            yield
        finally:
            await auth.aclose()
            await resources.close()
            if tracing is not None:
                await tracing.flush()

    @asynccontextmanager
    async def events_lifespan(app: Litestar) -> AsyncIterator[None]:
        # Last in, first out: subscriptions made by the service's own lifespans are in place
        # before the bus starts, and the relay stops before them.
        await events.start()
        try:
            yield
        finally:
            await events.stop()

    probes = {**resources.checks(), "events": events.check, **(checks or {})}
    operators = kernel.operators
    app = ServiceApp(
        kernel,
        components,
        route_handlers=[
            *health_routes(spec.name, lambda: probes, settings.health_timeout, [operators.guard]),
            errors_route(spec.name, kernel.errors),
            metrics_route(kernel.metrics, [operators.guard]),
            schema_assets(),
            *route_handlers,
        ],
        lifespan=[kernel_lifespan, *lifespan, events_lifespan],
        dependencies={
            **AUTH_DEPENDENCIES,
            "client_address": Provide(kernel.client_addresses.of, sync_to_thread=False),
            **(dependencies or {}),
        },
        middleware=[DefineMiddleware(Authentication, authenticator=auth)],
        before_request=guard_input,
        before_send=[name_span_by_route] if tracing is not None else [],
        exception_handlers=exception_handlers(kernel.errors.remember),
        type_decoders=list(TYPE_DECODERS),
        plugins=[PlausibleDateSchema(), *([tracing.plugin()] if tracing is not None else [])],
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins))
        if settings.cors_origins
        else None,
        openapi_config=OpenAPIConfig(
            title=spec.title,
            version=__version__,
            description=description or spec.summary,
            path="/schema",
            render_plugins=[schema_viewer()],
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
        template_config=template_config,
        logging_config=None,  # the process configures structlog once (kernel.logging)
        debug=debug,
    )
    document_problems(app)
    return app


def kernel_of(app: Litestar) -> Kernel:
    """The kernel of a service app: for the runner (sharing one event bus) and for tests.
    Handlers never call this; they receive what they need as dependencies."""
    if not isinstance(app, ServiceApp):
        raise TypeError(f"{app!r} was not built by create_service_app")
    return app.kernel


def components_of(app: Litestar, kind: type[_T]) -> _T:
    """What the composition root of ``app`` built, as ``kind`` (for tests; handlers receive
    their parts as dependencies)."""
    components = app.components if isinstance(app, ServiceApp) else None
    if not isinstance(components, kind):
        raise TypeError(f"{app!r} holds no {kind.__name__}")
    return components
