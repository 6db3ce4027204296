"""Calls to other services carry the request id of the request being handled."""

from __future__ import annotations

import httpx

from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.request_context import current_request_id


async def test_outgoing_calls_carry_the_current_request_id() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-request-id"))
        return httpx.Response(200, json={"status": "ok"})

    client = PeerClient(
        {"animal": "http://animal.test"}, timeout=1, transport=httpx.MockTransport(handler)
    )
    token = current_request_id.set("req-123")
    try:
        await client.get("animal", "/health")
    finally:
        current_request_id.reset(token)
    await client.get("animal", "/health")  # outside a request: no id is invented
    await client.aclose()
    assert seen == ["req-123", None]
