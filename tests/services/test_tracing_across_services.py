"""One trace across services: repti-core, repti-animal and repti-media served by uvicorn on
real sockets in one process (one event loop, one in-process bus, as ``reptidex up`` runs
them), each service with its own tracer provider and in-memory exporter."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import pytest
import uvicorn
from litestar import Litestar
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_trace_id

from platform_process import free_port
from reptidex.adapters.identity.tokens import JwtSigner
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.identity.model import Role
from reptidex.domain.identity.tokens import AccessClaims
from reptidex.services.animal.app import create_app as create_animal
from reptidex.services.core.app import create_app as create_core
from reptidex.services.core.wiring import CoreComponents
from reptidex.services.kernel.app import components_of, kernel_of
from reptidex.services.kernel.events import share_event_bus
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.app import create_app as create_media

SERVICES = ("core", "animal", "media")


class Stand:
    """Services served on their ports in a thread with its own event loop; each service's
    spans in :attr:`spans`."""

    def __init__(self, apps: Mapping[str, Litestar], ports: Mapping[str, int]) -> None:
        self.apps = dict(apps)
        self.ports = dict(ports)
        self.loop = asyncio.new_event_loop()
        self.servers = [
            uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=ports[name], log_level="warning")
            )
            for name, app in apps.items()
        ]

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def run(self, coroutine: Any) -> Any:
        """Run ``coroutine`` on the services' loop (their database pools live there)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    @contextlib.contextmanager
    def serving(self) -> Iterator[Stand]:
        async def serve() -> None:
            await asyncio.gather(*(server.serve() for server in self.servers))

        thread = threading.Thread(target=self.loop.run_until_complete, args=(serve(),))
        thread.start()
        deadline = time.monotonic() + 60
        while not all(server.started for server in self.servers):
            assert thread.is_alive(), "the services stopped while starting"
            assert time.monotonic() < deadline, "the services did not start"
            time.sleep(0.05)
        try:
            yield self
        finally:
            for server in self.servers:
                server.should_exit = True
            thread.join(timeout=60)
            self.loop.close()


def stand(
    settings: Settings, exporters: Mapping[str, InMemorySpanExporter], names: tuple[str, ...]
) -> Stand:
    factories: dict[str, Callable[[], Litestar]] = {
        "core": lambda: create_core(settings, span_exporter=exporters["core"]),
        "animal": lambda: create_animal(
            settings, genetics_per_minute=0, span_exporter=exporters["animal"]
        ),
        "media": lambda: create_media(
            settings, backfill_on_start=False, span_exporter=exporters["media"]
        ),
    }
    apps = {name: factories[name]() for name in names}
    share_event_bus([kernel_of(app).events for app in apps.values()], settings)
    ports = {name: int(settings.peer_url(name).rsplit(":", 1)[1]) for name in names}
    return Stand(apps, ports)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    urls = {f"{name}_url": f"http://127.0.0.1:{free_port()}" for name in SERVICES}
    made = make_settings(**urls)
    for name in SERVICES:
        upgrade(name, made.database_url(name))
    return made


@pytest.fixture
def exporters() -> dict[str, InMemorySpanExporter]:
    return {name: InMemorySpanExporter() for name in SERVICES}


def owner_token(stand: Stand, organisation_id: uuid.UUID) -> str:
    """An owner's access token signed by repti-core's own key ring (so published in its JWKS)."""
    keys = components_of(stand.apps["core"], CoreComponents).identity.keys
    now = dt.datetime.now(dt.UTC)
    claims = AccessClaims(
        subject=str(uuid.uuid4()),
        issued_at=now,
        expires_at=now + dt.timedelta(minutes=10),
        token_id=uuid.uuid4().hex,
        organisation_id=organisation_id,
        role=Role.OWNER,
    )
    token: str = stand.run(JwtSigner(keys).sign(claims))
    return token


def trace_id(span: ReadableSpan) -> str:
    assert span.context is not None
    return format_trace_id(span.context.trace_id)


def spans_of(exporter: InMemorySpanExporter, trace: str) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if trace_id(span) == trace]


def settled(exporters: Mapping[str, InMemorySpanExporter], trace: str) -> None:
    """Wait until no span of ``trace`` is still open: a server span ends just after the
    response is sent, so the client may hold the response a moment before."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        spans = [s for e in exporters.values() for s in spans_of(e, trace)]
        ended = {s.context.span_id for s in spans if s.context}
        if spans and all(s.parent is None or s.parent.span_id in ended for s in spans):
            return
        time.sleep(0.05)
    raise AssertionError(f"trace {trace} has spans whose parents never ended")


def server_span(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    servers = [span for span in spans if span.kind == SpanKind.SERVER]
    found = [span for span in servers if span.name == name]
    assert len(found) == 1, (name, [span.name for span in servers])
    return found[0]


def called_from(span: ReadableSpan, caller_spans: list[ReadableSpan]) -> bool:
    """Whether ``span``'s parent is an HTTP client span among ``caller_spans``."""
    clients = {s.context.span_id for s in caller_spans if s.kind == SpanKind.CLIENT and s.context}
    return span.parent is not None and span.parent.span_id in clients


def add_animal(client: httpx.Client, headers: dict[str, str], **fields: Any) -> httpx.Response:
    response = client.post("/animals", json={"species": "ball_python", **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return response


def test_an_animal_event_is_handled_by_media_in_the_trace_of_its_request(
    settings: Settings, exporters: dict[str, InMemorySpanExporter]
) -> None:
    organisation = uuid.uuid4()
    with stand(settings, exporters, SERVICES).serving() as running:
        headers = {"Authorization": f"Bearer {owner_token(running, organisation)}"}
        with httpx.Client(base_url=running.url("animal"), timeout=30) as animal:
            response = add_animal(animal, headers, name="Sunny", visibility="public")
        trace = response.headers["x-request-id"]
        settled({"animal": exporters["animal"]}, trace)
        assert server_span(spans_of(exporters["animal"], trace), "POST /animals")
        deadline = time.monotonic() + 20
        handled: list[ReadableSpan] = []
        while not handled and time.monotonic() < deadline:
            handled = [
                span
                for span in spans_of(exporters["media"], trace)
                if span.kind == SpanKind.CONSUMER and span.name == "animal.created process"
            ]
            time.sleep(0.1)
    assert handled, "repti-media's handling of animal.created is not in the request's trace"
    (consumer,) = handled
    animal_spans = {
        s.context.span_id for s in exporters["animal"].get_finished_spans() if s.context
    }
    assert consumer.parent is not None
    assert consumer.parent.span_id in animal_spans
    # the handler's own statements (the idempotency mark, the mirrored animal) are inside it
    inside = [
        s
        for s in spans_of(exporters["media"], trace)
        if s.kind == SpanKind.CLIENT and s.parent is not None
    ]
    assert inside


def test_a_render_is_one_trace_through_media_animal_and_cores_jwks(
    settings: Settings, exporters: dict[str, InMemorySpanExporter]
) -> None:
    organisation = uuid.uuid4()
    with stand(settings, exporters, ("core", "animal")).serving() as first:
        headers = {"Authorization": f"Bearer {owner_token(first, organisation)}"}
        with httpx.Client(base_url=first.url("animal"), timeout=30) as animal:
            sire = add_animal(animal, headers, name="Sire", sex="male").json()["id"]
            dam = add_animal(animal, headers, name="Dam", sex="female").json()["id"]
            child = add_animal(animal, headers, name="Clutchling", sire_id=sire, dam_id=dam)
    root = child.json()["id"]
    for exporter in exporters.values():
        exporter.clear()

    # fresh apps on the same databases: neither repti-media nor repti-animal has core's keys
    with (
        stand(settings, exporters, SERVICES).serving() as running,
        httpx.Client(base_url=running.url("media"), timeout=60) as media,
    ):
        response = media.get(f"/render/pedigree/{root}", headers=headers)
    assert response.status_code == 200, response.text
    assert b"Clutchling" in response.content
    trace = response.headers["x-request-id"]
    settled(exporters, trace)

    media_spans = spans_of(exporters["media"], trace)
    animal_spans = spans_of(exporters["animal"], trace)
    core_spans = spans_of(exporters["core"], trace)
    render = server_span(media_spans, "GET /render/pedigree/{animal_id}")
    assert render.parent is None  # the trace starts at the render
    lineage = server_span(animal_spans, "GET /lineage/{animal_id}")
    assert called_from(lineage, media_spans)
    jwks = [s for s in core_spans if s.kind == SpanKind.SERVER and "jwks" in s.name]
    assert {called_from(s, media_spans) for s in jwks} == {True, False}
    assert any(called_from(s, animal_spans) for s in jwks)  # animal verified the token too
    statements = [s for s in animal_spans if any(k.startswith("db.") for k in s.attributes or {})]
    assert statements, "repti-animal's lineage query is not in the trace"
