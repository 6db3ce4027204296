"""Tracing as an operator meets it: `reptidex up` as a real process with
``REPTIDEX_OTLP_ENDPOINT`` pointing at a local OTLP/HTTP receiver, a breeder's journey over
HTTP, and the receiver finding one trace across several services."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from test_core_acceptance import PASSWORD, mail_token

from platform_process import clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    trace_id: str
    name: str


@dataclass
class Receiver:
    """What an OTLP/HTTP traces endpoint was sent, decoded."""

    spans: list[ReceivedSpan] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, body: bytes) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        found = []
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            service = attributes.get("service.name", "")
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    found.append(ReceivedSpan(service, span.trace_id.hex(), span.name))
        with self.lock:
            self.spans.extend(found)

    def services_of(self, trace_id: str) -> set[str]:
        with self.lock:
            return {span.service for span in self.spans if span.trace_id == trace_id}

    def names_of(self, trace_id: str) -> set[tuple[str, str]]:
        with self.lock:
            return {(s.service, s.name) for s in self.spans if s.trace_id == trace_id}


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    received = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if self.path != "/v1/traces" or self.headers.get("Content-Encoding"):
                self.send_response(400)
                self.end_headers()
                return
            received.take(body)
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    finally:
        server.shutdown()
        server.server_close()


def test_a_breeders_journey_is_traced_across_services(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    received, endpoint = receiver
    data_dir = tmp_path / "data"
    environ = clean_environment(
        data_dir, {"REPTIDEX_LOG_LEVEL": "WARNING", "REPTIDEX_OTLP_ENDPOINT": endpoint}
    )
    base = free_port_block()
    with running_platform(base, environ, tmp_path / "platform.log"):
        core = httpx.Client(base_url=f"http://127.0.0.1:{base}", timeout=15)
        animal = httpx.Client(base_url=f"http://127.0.0.1:{base + 1}", timeout=15)
        email = f"keeper-{uuid.uuid4().hex[:6]}@example.org"
        registered = core.post("/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 202
        token = mail_token(data_dir, "verify_email", email)
        assert core.post("/auth/verify-email", json={"token": token}).status_code == 200
        access = core.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {access['access_token']}"}
        organisation = core.post("/orgs/", json={"name": "Scales & Tails"}, headers=headers)
        assert organisation.status_code == 201, organisation.text
        switched = core.post(
            "/auth/switch-organisation",
            json={"organisation_id": organisation.json()["id"]},
            headers=headers,
        )
        headers = {"Authorization": f"Bearer {switched.json()['access_token']}"}
        created = animal.post(
            "/animals",
            json={"species": "ball_python", "name": "Sunny", "visibility": "public"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        trace_id = created.headers["x-request-id"]
        assert len(trace_id) == 32
        deadline = time.monotonic() + 45  # the batch processor exports every few seconds
        while len(received.services_of(trace_id)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
    services = received.services_of(trace_id)
    assert "repti-animal" in services
    assert len(services) >= 2, received.names_of(trace_id)
    assert ("repti-animal", "POST /animals") in received.names_of(trace_id)
