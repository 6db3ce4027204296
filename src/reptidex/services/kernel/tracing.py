"""Distributed tracing (OpenTelemetry) of one service, on only when asked for.

``REPTIDEX_OTLP_ENDPOINT`` turns it on: the service gets its own :class:`Tracing`, a
``TracerProvider`` named after the service that exports its spans by OTLP/HTTP through a batch
processor. Unset, :func:`service_tracing` returns ``None`` and nothing of OpenTelemetry is
installed: no middleware, no database listeners, no wrapped HTTP transport, no event span.

The provider is passed explicitly to everything that makes spans (Litestar's OpenTelemetry
plugin, the database engine's listeners, the HTTP transports of calls to other services, the
event consumers); none of them reads a global provider, so six services in one process keep
six providers. Calls to other services carry the W3C ``traceparent`` header; an event carries
its producer's context in :attr:`~reptidex.domain.events.DomainEvent.trace_context`, and its
consumer's span is a child of that context, so an event's handling joins the request that
caused it.

While a request is traced, its request id is its trace id (32 hex digits): the server span's
hook hands the trace id to the request context (:func:`request_context.adopt_request_id`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.types import Message, Scope
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import AsyncOpenTelemetryTransport
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Span, SpanKind, format_trace_id
from sqlalchemy.ext.asyncio import AsyncEngine

from reptidex.adapters.events.trace_context import event_context
from reptidex.domain.events import DomainEvent, EventHandler
from reptidex.services.kernel.request_context import adopt_request_id
from reptidex.services.kernel.settings import Settings

UNTRACED_PATHS = ["^/health$", "^/metrics$", "^/account/"]
"""Paths probed every few seconds by orchestrators and Prometheus: not worth a trace each; and
repti-core's account pages, whose links carry a one-time token in the query string (a span
would record it in ``http.url``)."""

FLUSH_TIMEOUT_MS = 5000
"""How long a stopping service waits for its last spans to be exported."""
_NO_METERS = NoOpMeterProvider()  # metrics are Prometheus' job (kernel.metrics), not OTel's


def _request_id_is_trace_id(span: Span, scope: dict[str, Any]) -> None:
    """The server span's hook: the request's id becomes the span's trace id."""
    context = span.get_span_context()
    if context.is_valid:
        adopt_request_id(scope, format_trace_id(context.trace_id))  # type: ignore[arg-type]


def name_span_by_route(message: Message, scope: Scope) -> None:
    """Name the server span by its route (``GET /lineage/{animal_id:uuid}``), not its path:
    the span starts before routing, and a path with ids would make each name unique."""
    if message["type"] != "http.response.start" or "path_template" not in scope:
        return
    span = trace.get_current_span()
    if span.is_recording():
        route = scope["path_template"]
        span.update_name(f"{scope['method']} {route}")  # type: ignore[typeddict-item]
        span.set_attribute("http.route", route)


class _StatementSpans(EngineTracer):
    """SQLAlchemy's statement spans, made only inside a span: the outbox relay's and the
    pollers' background statements, several a second, would otherwise each start a trace."""

    def _before_cur_exec(self, *args: Any) -> Any:
        if not trace.get_current_span().get_span_context().is_valid:
            _, _, statement, parameters, _, _ = args
            return statement, parameters
        return super()._before_cur_exec(*args)  # type: ignore[no-untyped-call]


class Tracing:
    """One service's tracer provider and the instruments built on it.

    ``exporter`` receives the finished spans: through a :class:`BatchSpanProcessor` when
    ``batch`` (OTLP in production), else one by one as each span ends (tests reading an
    in-memory exporter)."""

    def __init__(self, service: str, exporter: SpanExporter, *, batch: bool = True) -> None:
        self.service = service
        self.provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
        processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        self.provider.add_span_processor(processor)
        self.tracer = self.provider.get_tracer("reptidex.services")

    def plugin(self) -> OpenTelemetryPlugin:
        """Litestar's OpenTelemetry plugin on this provider: one server span per request,
        joining the caller's trace when the request carries ``traceparent``."""
        return OpenTelemetryPlugin(
            OpenTelemetryConfig(
                tracer_provider=self.provider,
                meter_provider=_NO_METERS,
                server_request_hook_handler=_request_id_is_trace_id,
                exclude=UNTRACED_PATHS,
                exclude_spans=["receive", "send"],
            )
        )

    def watch_engine(self, engine: AsyncEngine) -> None:
        """A span for each statement ``engine`` runs inside a traced request or event."""
        _StatementSpans(  # type: ignore[no-untyped-call]  # the instrumentation is untyped
            self.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy"),
            engine.sync_engine,
            _NO_METERS.get_meter("sqlalchemy").create_up_down_counter("db.client.connections"),
        )

    def transport(self, inner: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncBaseTransport:
        """``inner`` (default: httpx's own) with a client span per call and the W3C
        ``traceparent`` header sent along."""
        return AsyncOpenTelemetryTransport(
            inner or httpx.AsyncHTTPTransport(),
            tracer_provider=self.provider,
            meter_provider=_NO_METERS,
        )

    def consumer(self, group: str, handler: EventHandler) -> EventHandler:
        """``handler`` inside a consumer span, a child of the event's producer context."""
        tracer = self.tracer

        async def traced(event: DomainEvent) -> None:
            with tracer.start_as_current_span(
                f"{event.type} process",
                context=event_context(event),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.operation.type": "process",
                    "messaging.consumer.group.name": group,
                    "messaging.message.id": str(event.id),
                    "reptidex.event.type": event.type,
                    "reptidex.event.producer": event.producer,
                },
            ):
                await handler(event)

        return traced

    async def flush(self) -> None:
        """Export what is still buffered (when the app stops; it may start again). The
        export's network wait runs off the event loop."""
        await asyncio.to_thread(self.provider.force_flush, FLUSH_TIMEOUT_MS)


def service_tracing(
    service: str, settings: Settings, exporter: SpanExporter | None = None
) -> Tracing | None:
    """The tracing of ``service``: to ``exporter`` when given (tests), else to
    ``settings.otlp_endpoint`` by OTLP/HTTP; ``None`` (off) when neither is."""
    if exporter is not None:
        return Tracing(service, exporter, batch=False)
    if settings.otlp_endpoint is None:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return Tracing(
        service, OTLPSpanExporter(endpoint=settings.otlp_endpoint, timeout=settings.http_timeout)
    )
