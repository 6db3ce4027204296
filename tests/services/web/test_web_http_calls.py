"""repti-web's HTTP adapter: files go to a service as a multipart form."""

from __future__ import annotations

import httpx

from reptidex.services.web.http_calls import HttpServiceCalls


async def test_files_are_sent_as_a_multipart_form_with_its_fields() -> None:
    seen: list[httpx.Request] = []

    def media(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "f1"})

    calls = HttpServiceCalls(
        {"media": "http://media.test"}, timeout=5, transport=httpx.MockTransport(media)
    )
    try:
        answer = await calls.call(
            "POST", "media", "/upload", token="t",
            files={"file": ("ball.png", b"\x89PNG-bytes", "image/png")},
            form={"animal_id": "a1"},
        )  # fmt: skip
    finally:
        await calls.aclose()
    assert answer.json() == {"id": "f1"}
    sent = seen[0]
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert sent.headers["authorization"] == "Bearer t"
    body = sent.content
    assert b'name="file"; filename="ball.png"' in body
    assert b"\x89PNG-bytes" in body
    assert b'name="animal_id"\r\n\r\na1' in body
