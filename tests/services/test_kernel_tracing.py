"""Tracing of one service: on with an exporter (or ``REPTIDEX_OTLP_ENDPOINT``), nothing of it
installed without; the request id is the trace id while a request is traced."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar, get
from litestar.middleware import DefineMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryPlugin
from litestar.testing import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_trace_id
from sqlalchemy import text

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.app import Kernel, build_kernel, create_service_app, kernel_of
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.logging import configure_logging
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_PARENT = f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"


def app_on(kernel: Kernel) -> Litestar:
    """A service app with one route that reads the database."""

    @get("/count")
    async def count() -> dict[str, int]:
        async with kernel.engine.connect() as connection:
            return {"one": int((await connection.execute(text("SELECT 1"))).scalar_one())}

    return create_service_app(kernel, [count])


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def traced(
    make_settings: Callable[..., Settings], exporter: InMemorySpanExporter
) -> Iterator[TestClient[Litestar]]:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    kernel = build_kernel(service_spec("animal"), settings, span_exporter=exporter)
    with TestClient(app_on(kernel), raise_server_exceptions=False) as client:
        yield client


def server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]


def trace_of(span: ReadableSpan) -> str:
    assert span.context is not None
    return format_trace_id(span.context.trace_id)


def test_a_request_is_a_server_span_with_its_statements_inside(
    traced: TestClient[Litestar], exporter: InMemorySpanExporter
) -> None:
    exporter.clear()
    response = traced.get("/count")
    assert response.status_code == 200
    (server,) = server_spans(exporter)
    assert server.name == "GET /count"
    assert server.resource.attributes["service.name"] == "repti-animal"
    statements = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.CLIENT]
    assert statements, "the SELECT made no span"
    assert all(trace_of(s) == trace_of(server) for s in statements)
    assert any("SELECT" in s.name for s in statements)


def test_the_request_id_is_the_trace_id(
    traced: TestClient[Litestar], exporter: InMemorySpanExporter
) -> None:
    exporter.clear()
    response = traced.get("/count", headers={"X-Request-ID": "ignored-while-traced"})
    (server,) = server_spans(exporter)
    assert response.headers["x-request-id"] == trace_of(server)
    assert len(response.headers["x-request-id"]) == 32


def test_a_traceparent_joins_the_callers_trace(
    traced: TestClient[Litestar], exporter: InMemorySpanExporter
) -> None:
    exporter.clear()
    response = traced.get("/count", headers={"traceparent": CALLER_PARENT})
    (server,) = server_spans(exporter)
    assert trace_of(server) == CALLER_TRACE
    assert server.parent is not None
    assert server.parent.span_id == 0x00F067AA0BA902B7
    assert response.headers["x-request-id"] == CALLER_TRACE


def test_the_access_log_line_carries_the_trace_id(
    traced: TestClient[Litestar],
    exporter: InMemorySpanExporter,
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    try:
        exporter.clear()
        traced.get("/count", headers={"traceparent": CALLER_PARENT})
        lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line]
        (access,) = [line for line in lines if line.get("event") == "request"]
        assert access["request_id"] == CALLER_TRACE
        (server,) = server_spans(exporter)
        assert access["request_id"] == trace_of(server)
    finally:
        logging.getLogger().handlers.clear()


def test_health_and_metrics_probes_are_not_traced(
    traced: TestClient[Litestar], exporter: InMemorySpanExporter
) -> None:
    exporter.clear()
    assert traced.get("/health").status_code == 200
    assert server_spans(exporter) == []


def has_otel_middleware(app: Litestar) -> bool:
    return any(
        isinstance(item, DefineMiddleware) and "OpenTelemetry" in item.middleware.__name__
        for item in app.middleware
    )


@pytest.mark.parametrize("service", sorted(APP_FACTORIES))
def test_without_an_endpoint_nothing_of_opentelemetry_is_installed(
    make_settings: Callable[..., Settings], service: str
) -> None:
    app = APP_FACTORIES[service](make_settings())
    kernel = kernel_of(app)
    assert kernel.tracing is None
    assert not any(isinstance(plugin, OpenTelemetryPlugin) for plugin in app.plugins)
    assert not has_otel_middleware(app)
    assert "OpenTelemetry" not in type(app.asgi_handler).__name__
    assert kernel.resources.peers._transport is None  # httpx's own: no client spans
    assert kernel.resources.http_transport() is None
    assert not kernel.engine.sync_engine.dispatch.before_cursor_execute  # no statement spans


@pytest.mark.parametrize("service", sorted(APP_FACTORIES))
def test_an_endpoint_installs_tracing_in_every_service(
    make_settings: Callable[..., Settings], service: str
) -> None:
    settings = make_settings(otlp_endpoint="http://127.0.0.1:4318/v1/traces")
    app = APP_FACTORIES[service](settings)
    kernel = kernel_of(app)
    assert kernel.tracing is not None
    assert kernel.tracing.service == f"repti-{service}"
    assert any(isinstance(plugin, OpenTelemetryPlugin) for plugin in app.plugins)
    assert "OpenTelemetry" in type(app.asgi_handler).__name__
    assert kernel.resources.http_transport() is not None
    assert kernel.engine.sync_engine.dispatch.before_cursor_execute


def test_without_tracing_the_request_id_is_the_callers_or_random(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    app = app_on(build_kernel(service_spec("animal"), settings))
    with TestClient(app) as client:
        taken = client.get("/count", headers={"X-Request-ID": "from-the-caller"})
        assert taken.headers["x-request-id"] == "from-the-caller"
        made = client.get("/count", headers={"traceparent": CALLER_PARENT})
        assert made.headers["x-request-id"] != CALLER_TRACE
        assert len(made.headers["x-request-id"]) == 32


def test_each_service_has_its_own_provider(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    first = build_kernel(service_spec("animal"), settings, span_exporter=InMemorySpanExporter())
    second = build_kernel(service_spec("media"), settings, span_exporter=InMemorySpanExporter())
    assert first.tracing is not None
    assert second.tracing is not None
    assert first.tracing.provider is not second.tracing.provider
    # nothing was made global: the API's provider is still its default stand-in
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
