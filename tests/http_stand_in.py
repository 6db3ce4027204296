"""The base of the local stand-ins for payment providers' HTTP APIs (Stripe's marketplace
calls, PayPal): a threaded HTTP server on a free local port whose ``route`` answers each
request, recording every request it receives."""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Recorded:
    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


class ApiError(Exception):
    """A refusal: the status and the provider's error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status, self.body = status, body


class StandIn(ABC):
    """A threaded HTTP server whose ``route`` answers each request (``None``: no body)."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    body = outer.decode(raw, headers)
                except ApiError as exc:
                    outer.requests.append(Recorded(method, self.path, {}, headers))
                    self._answer(exc.status, exc.body)
                    return
                outer.requests.append(Recorded(method, self.path, body, headers))
                answer: dict[str, Any] | None
                try:
                    with outer.lock:
                        status, answer = outer.route(method, self.path, body, headers)
                except ApiError as exc:
                    status, answer = exc.status, exc.body
                self._answer(status, answer)

            def _answer(self, status: int, answer: dict[str, Any] | None) -> None:
                self.send_response(status)
                if answer is None:
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(answer).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @abstractmethod
    def decode(self, raw: str, headers: dict[str, str]) -> dict[str, Any]:
        """The request body as the provider reads it (:class:`ApiError` if it cannot)."""

    @abstractmethod
    def route(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any] | None]:
        """The provider's answer: status and JSON body (``None`` for none)."""

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
