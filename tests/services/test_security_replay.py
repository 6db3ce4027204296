"""The reported attacks, replayed against every operation of every service, generated from each
service's own OpenAPI document (issue #17, "Hardening"): a route added later is attacked like
the others without a change here.

1. A NUL character in each string field of each JSON body (and in a key), in each string query
   parameter and each free-text path parameter, sent with a token every guard admits: the
   kernel's input guard answers 400 problem+json naming the part at fault, before any handler.
2. JSON nested deeper than ``MAX_JSON_DEPTH`` on each JSON-body operation: 400.
3. Forged access tokens (``alg: none``, HMAC keyed with a public key, a made-up or missing
   ``kid``, a key core never published, expired, not yet valid, another audience or issuer,
   not an access token, tampered claims, a stolen signature) on each operation that documents
   a token (required or optional) or reads the caller: 401 problem+json.
4. No token on each operation that documents one as required: 401 problem+json; on each that
   documents one as optional (``security`` with ``{}``), anything but 401.
5. A NUL character in each uploaded file (``multipart/form-data``, which the input guard leaves
   alone) and in each text part of the form: 400 naming the file (a route that decodes the
   upload as text) or another 4xx (a route of binary files, listed below).

Each service runs on SQLite with core's real key ring (repti-core) or one published test key
(the others), and with an operations token set, as in production (repti-ops' monitoring is
open to anyone without one). Nothing is sent that a guard or the input guard lets through, so
one app per service serves all the parts. Exceptions are listed with their reasons
(``DOCUMENTED_BUT_OPEN``, ``BINARY_UPLOADS``); an entry whose operation is gone fails. Attacks
of the same kind pinned elsewhere: a non-ASCII signed-URL signature on media delivery
(``media/test_media_files_api.py``, 401) and ``X-Forwarded-For`` believed only from trusted
proxies (``core/test_identity_trusted_proxies.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar
from litestar.testing import TestClient
from security_replay_kit import (
    NUL_KEY,
    NUL_TEXT,
    OneKey,
    Operation,
    Signer,
    Tally,
    admitting_tokens,
    forged_tokens,
    operations,
    placed,
    settings_in,
    token_readers,
)

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.wiring import CoreComponents
from reptidex.services.kernel.app import components_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.input_guard import MAX_JSON_DEPTH
from reptidex.services.registry import APP_FACTORIES

pytestmark = pytest.mark.slow  # about 25 s for the six services

DOCUMENTED_BUT_OPEN: dict[str, dict[str, str]] = {}
"""Operations whose document asks for a bearer token yet which answer without one, by
service, with why (``"METHOD /path": "reason"``). None now: a public route declares no
``security`` (repti-commerce's provider list and payment webhooks sit in a controller without
one), and one that takes a token when sent declares it optional (``OPTIONAL_BEARER``: core's
``GET /config/features``, media's ``GET /media/{file_id}`` and ``/info``), which the replay
attacks with forged tokens and sends no token without expecting 401. An entry whose operation
no longer documents a token as required fails the test."""

BINARY_UPLOADS: dict[str, dict[str, str]] = {
    "media": {"POST /upload": "images, in which a NUL byte is data; a CSV is not an image"},
}
"""Upload operations whose files are binary, by service, with what they take."""

_UNSET: Any = object()
CLIENT_ERRORS = tuple(range(400, 500))


@dataclass
class Replay:
    """One service, served in-process, with its operations and tokens."""

    name: str
    client: TestClient[Litestar]
    operations: list[Operation]
    sign: Signer
    readers: set[str]
    admitting: list[str] = field(default_factory=list)
    admitted: dict[str, str] = field(default_factory=dict)

    def send(
        self,
        operation: Operation,
        token: str | None,
        *,
        path: str | None = None,
        query: dict[str, str] | None = None,
        body: Any = _UNSET,
        content: str | None = None,
        form: tuple[dict[str, str], dict[str, Any]] | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        if content is not None:
            headers["Content-Type"] = "application/json"
        json_body = operation.body() if body is _UNSET else body  # None: it takes no JSON
        url = path or operation.url()
        params = query if query is not None else operation.query()
        if form is not None:
            data, files = form
            return self.client.request(
                operation.method, url, params=params, headers=headers, data=data, files=files
            )
        return self.client.request(
            operation.method,
            url,
            params=params,
            headers=headers,
            content=content,
            json=json_body if content is None else None,
        )

    def as_admitted(self, operation: Operation, **request: Any) -> httpx.Response:
        """Send with the first token the operation's guards admit (found at its first
        request: the all-powerful user, else a service's token)."""
        known = self.admitted.get(operation.label)
        if known is not None:
            return self.send(operation, known, **request)
        response: httpx.Response | None = None
        for token in self.admitting:
            response = self.send(operation, token, **request)
            if response.status_code not in (401, 403):
                self.admitted[operation.label] = token
                break
        assert response is not None
        return response


@pytest.fixture(scope="module", params=SERVICE_NAMES)
def replay(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replay]:
    name: str = request.param
    settings = settings_in(tmp_path_factory.mktemp(name))
    upgrade(name, settings.database_url(name))
    factory: Callable[..., Litestar] = APP_FACTORIES[name]
    test_key = Signer("replay-test-key", Ed25519PrivateKey.generate())
    if name == "core":
        app = factory(settings)  # verifies against its own key ring
    else:
        keys = OneKey(test_key.kid, test_key.key.public_key())
        app = factory(settings, authenticator=Authenticator(keys))
    with TestClient(app, raise_server_exceptions=False) as client:
        sign = test_key
        if name == "core":
            ring = components_of(app, CoreComponents).identity.keys
            signing = client.blocking_portal.call(ring.signing_key)
            sign = Signer(signing.kid, signing.private_key)
        document = client.get("/schema/openapi.json").json()
        service = Replay(name, client, operations(document), sign, token_readers(app))
        service.admitting = admitting_tokens(sign)
        yield service


def _nul_refused(part: str) -> Callable[[str], bool]:
    return lambda detail: "NUL" in detail and part in detail


def test_a_nul_character_in_any_text_field_is_refused(replay: Replay) -> None:
    tally = Tally()
    places = 0
    for operation in replay.operations:
        body = operation.body()
        body_places = operation.body_text_places()
        query_names = operation.text_query()
        path_names = operation.text_path()
        places += len(body_places) + len(query_names) + len(path_names)
        where = f"{replay.name}: {operation.label}"
        if operation.json_schema is not None:
            keyed = {**body, NUL_KEY: "v"} if isinstance(body, dict) else {NUL_KEY: body}
            response = replay.as_admitted(operation, body=keyed)
            tally.check(f"{where} body key", response, 400, _nul_refused("JSON body"))
            for place in body_places:
                response = replay.as_admitted(operation, body=placed(body, place, NUL_TEXT))
                label = "/".join(str(step) for step in place) or "(the body)"
                tally.check(f"{where} body {label}", response, 400, _nul_refused("JSON body"))
        for name in query_names:
            response = replay.as_admitted(operation, query=operation.query(**{name: NUL_TEXT}))
            tally.check(f"{where} query {name}", response, 400, _nul_refused("query string"))
        for name in path_names:
            response = replay.as_admitted(operation, path=operation.url(**{name: "x%00y"}))
            tally.check(f"{where} path {name}", response, 400, _nul_refused("path"))
    assert places > 0
    assert tally.sent >= places, f"{replay.name}: {tally.sent} requests for {places} fields"
    tally.verdict()


TAKES_UPLOADS = {"animal", "commerce", "media"}
"""The services with a ``multipart/form-data`` operation (the others have nothing to replay)."""


def test_a_nul_character_in_an_uploaded_form_is_refused(replay: Replay) -> None:
    """The input guard leaves ``multipart/form-data`` alone (a file may hold any byte): a
    handler that decodes an uploaded file as text refuses a NUL in it (400 naming the file)
    before reading it, and a text part with a NUL is refused too (4xx). A route that takes
    binary files is listed in ``BINARY_UPLOADS``: text is not what it takes (4xx)."""
    tally = Tally()
    uploads = [o for o in replay.operations if o.form_schema is not None]
    listed = set(BINARY_UPLOADS.get(replay.name, {}))
    assert listed <= {o.label for o in uploads}, f"listed as binary but gone: {listed}"
    assert bool(uploads) == (replay.name in TAKES_UPLOADS), f"{replay.name}: uploads changed"
    for operation in uploads:
        where = f"{replay.name}: {operation.label}"
        data, files = operation.form()
        nul_files = {
            name: (filename, b"name,notes\nA\x00nn,calm\n", kind)
            for name, (filename, _, kind) in files.items()
        }
        response = replay.as_admitted(operation, form=(data, nul_files))
        if operation.label in BINARY_UPLOADS.get(replay.name, {}):
            tally.check(f"{where} file", response, CLIENT_ERRORS)
        else:
            tally.check(f"{where} file", response, 400, _nul_refused("file"))
        for name in operation.form_texts():
            response = replay.as_admitted(operation, form=operation.form(**{name: NUL_TEXT}))
            tally.check(f"{where} form {name}", response, CLIENT_ERRORS)
    assert tally.sent >= len(uploads)
    tally.verdict()


def test_json_nested_too_deep_is_refused(replay: Replay) -> None:
    tally = Tally()
    taking_json = [o for o in replay.operations if o.json_schema is not None]
    too_deep = MAX_JSON_DEPTH + 1
    for operation in taking_json:
        where = f"{replay.name}: {operation.label}"
        nested: Any = 1
        for _ in range(too_deep - 1):
            nested = [nested]
        body = operation.body()
        inside = placed(body, next(iter(operation.body_text_places()), ("deep",)), nested)
        documents = {
            f"lists {too_deep} deep": "[" * too_deep + "]" * too_deep,
            f"objects {too_deep} deep": '{"a":' * too_deep + "1" + "}" * too_deep,
            "inside a plausible body": None,
            "100000 deep": "[" * 100_000 + "]" * 100_000,
        }
        for label, text in documents.items():
            if text is None:
                response = replay.as_admitted(operation, body=inside)
            else:
                response = replay.as_admitted(operation, content=text)
            if label.startswith("100000"):  # a body-size limit may refuse it first
                tally.check(f"{where} {label}", response, (400, 413))
            else:
                tally.check(f"{where} {label}", response, 400, "nested more than")
    assert taking_json, f"{replay.name} takes no JSON body at all"
    assert tally.sent == 4 * len(taking_json)
    tally.verdict()


def _needs_token(replay: Replay, operation: Operation) -> bool:
    open_by_design = DOCUMENTED_BUT_OPEN.get(replay.name, {})
    return operation.security == "required" and operation.label not in open_by_design


def test_forged_tokens_are_refused(replay: Replay) -> None:
    tally = Tally()
    forged = forged_tokens(replay.sign)
    targets = [
        o
        for o in replay.operations
        if _needs_token(replay, o) or o.security == "optional" or o.label in replay.readers
    ]
    for operation in targets:
        for kind, token in forged.items():
            response = replay.send(operation, token)
            tally.check(f"{replay.name}: {operation.label} ({kind})", response, 401)
    assert targets, f"{replay.name} has no operation that reads a token"
    assert tally.sent == len(targets) * len(forged)
    tally.verdict()


def test_a_request_without_a_token_is_refused_where_one_is_needed(replay: Replay) -> None:
    tally = Tally()
    targets = [o for o in replay.operations if _needs_token(replay, o)]
    for operation in targets:
        response = replay.send(operation, None)
        tally.check(f"{replay.name}: {operation.label}", response, 401)
    assert targets, f"{replay.name} has no operation that needs a token"
    listed = DOCUMENTED_BUT_OPEN.get(replay.name, {})
    documented = {o.label for o in replay.operations if o.security == "required"}
    assert set(listed) <= documented, f"listed as open but gone: {set(listed) - documented}"
    tally.verdict()


def test_a_request_without_a_token_is_answered_where_one_is_optional(replay: Replay) -> None:
    """An operation whose ``security`` admits ``{}`` lets an anonymous caller in: whatever it
    answers (the public answer, or 404 for what the caller may not see), not 401."""
    optional = [o for o in replay.operations if o.security == "optional"]
    refused = [
        f"{o.label}: {response.status_code} {response.text[:160]}"
        for o in optional
        if (response := replay.send(o, None)).status_code == 401
    ]
    assert not refused, f"{replay.name}: documented optional but refused without a token"
