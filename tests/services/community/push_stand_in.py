"""A local stand-in for a browser's push service: it holds the browser's side of each
subscription (the P-256 private key and the auth secret), checks each push's VAPID signature
(RFC 8292) against the key it carries and its own origin, decrypts the payload (RFC 8291,
``aes128gcm``) and records it; a subscription it was told is gone answers 410."""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """The browser's side of one subscription."""

    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def keys(self) -> dict[str, str]:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64(point), "auth": b64(self.auth)}


@dataclass
class Push:
    """A push as the browser reads it."""

    token: str
    payload: dict[str, Any]
    headers: dict[str, str]
    vapid_key: str


class PushService:
    """The push service on a free local port."""

    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.gone: set[str] = set()
        self.pushes: list[Push] = []
        self.refusals: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = outer.receive(self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def subscribe(self) -> tuple[str, dict[str, str]]:
        """A new subscription: its endpoint and keys (what ``toJSON()`` gives)."""
        token = uuid.uuid4().hex
        browser = Browser(token, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        self.browsers[token] = browser
        return f"{self.origin}/push/{token}", browser.keys()

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        token = path.removeprefix("/push/")
        if token in self.gone:
            return 410
        browser = self.browsers.get(token)
        if browser is None:
            return 404
        try:
            scheme, _, rest = headers["authorization"].partition(" ")
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
            public = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), unb64(fields["k"])
            )
            claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=self.origin)
            assert scheme == "vapid"
            assert claims["sub"].startswith("mailto:")
            assert headers["content-encoding"] == "aes128gcm"
            assert int(headers["ttl"]) > 0
            plain = http_ece.decrypt(
                body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
            )
        except Exception as exc:  # every refusal is recorded for the test
            self.refusals.append(repr(exc))
            return 400
        self.pushes.append(Push(token, json.loads(plain), headers, fields["k"]))
        return 201

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
