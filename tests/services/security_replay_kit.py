"""What ``test_security_replay.py`` replays, generated from a service's own OpenAPI document: the
operations, a plausible body and parameters for each, every place a string can go, tokens that
pass every guard and tokens forged in each way an attacker would try.

Nothing here knows a route: a route added later is found in the document like the others.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from litestar import Litestar
from litestar.routes import HTTPRoute

from reptidex.adapters.identity.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE
from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.settings import Settings, load_settings

PROBLEM_JSON = "application/problem+json"
NUL_TEXT = "x\u0000y"
NUL_KEY = "k\u0000"
METHODS = ("get", "put", "post", "patch", "delete")
SKIPPED_PATHS = ("/health", "/metrics")
"""Probes and scrapes (the operators' guard, proven in test_kernel_operations_access.py); the
process's recent errors (``/health/errors``) are an operation like any other."""

Path_ = tuple[str | int, ...]
"""Where a value sits in a JSON document: keys and list indexes from the top."""


def settings_in(folder: Path) -> Settings:
    """Settings as the ``make_settings`` fixture builds them (SQLite, a private data folder),
    for a fixture that outlives one test; with an operations token, as in production, so
    that what operators may read without one (repti-ops' monitoring) asks for a token too."""
    return load_settings(
        {
            "REPTIDEX_DATA_DIR": str(folder / "data"),
            "REPTIDEX_LOG_FORMAT": "json",
            "REPTIDEX_DATABASE_OWNER_ALLOWED": "true",
            "REPTIDEX_OPERATIONS_TOKEN": secrets.token_urlsafe(24),
        }
    )


# --- JSON schema --------------------------------------------------------------------------


@dataclass(frozen=True)
class Schemas:
    """The ``components`` of one OpenAPI document, to follow ``$ref``."""

    document: Mapping[str, Any]

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def options(self, schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The alternatives of a ``oneOf``/``anyOf`` (its ``null`` last), else the schema."""
        schema = self.resolve(schema)
        choices = schema.get("oneOf") or schema.get("anyOf")
        if not choices:
            return [schema]
        resolved = [self.resolve(choice) for choice in choices]
        return sorted(resolved, key=lambda choice: choice.get("type") == "null")

    def types(self, schema: Mapping[str, Any]) -> list[str]:
        kind = schema.get("type")
        if kind is None:
            if "properties" in schema:
                return ["object"]
            if "items" in schema:
                return ["array"]
            enum = [value for value in schema.get("enum", ()) if value is not None]
            return ["string"] if enum and isinstance(enum[0], str) else []
        kinds = [kind] if isinstance(kind, str) else list(kind)
        return sorted(kinds, key=lambda k: k == "null")

    def takes_text(self, schema: Mapping[str, Any]) -> bool:
        """Whether a string is one of the values ``schema`` describes."""
        return any("string" in self.types(option) for option in self.options(schema))

    def example(self, schema: Mapping[str, Any], depth: int = 0) -> Any:
        """A small value of ``schema``: its example or first enum value when it has one,
        required properties only, the fewest items allowed. It need not pass validation:
        what is replayed is refused before validation runs."""
        option = self.options(schema)[0]
        for candidate in (schema, option):
            examples = [e for e in candidate.get("examples", ()) if e is not None]
            if examples:
                return examples[0]
            enum = [e for e in candidate.get("enum", ()) if e is not None]
            if enum:
                return enum[0]
            if "const" in candidate:
                return candidate["const"]
        kinds = self.types(option) or ["object"]
        kind = kinds[0]
        if kind == "object":
            if depth > 8:
                return {}
            properties = option.get("properties", {})
            return {
                name: self.example(properties[name], depth + 1)
                for name in option.get("required", ())
                if name in properties
            }
        if kind == "array":
            count = int(option.get("minItems", 0))
            return [self.example(option.get("items", {}), depth + 1) for _ in range(count)]
        if kind == "string":
            return _text_of(option.get("format") or schema.get("format"), option, schema)
        if kind == "integer":
            return int(option.get("minimum", 1))
        if kind == "number":
            return float(option.get("minimum", 1))
        if kind == "boolean":
            return False
        return None

    def text_places(self, schema: Mapping[str, Any]) -> list[Path_]:
        """Every place in a document of ``schema`` where a string goes: properties, list
        items (the first), values of a free-form mapping; each path once."""
        found: dict[Path_, None] = {}
        self._walk(schema, (), found, ())
        return list(found)

    def _walk(
        self,
        schema: Mapping[str, Any],
        where: Path_,
        found: dict[Path_, None],
        seen: tuple[str, ...],
    ) -> None:
        reference = schema.get("$ref")
        if isinstance(reference, str):
            if reference in seen:
                return  # a recursive schema: its places were found the first time
            seen = (*seen, reference)
        for option in self.options(schema):
            if "string" in self.types(option) or (option is not schema and self.takes_text(schema)):
                found.setdefault(where, None)
            for name, child in option.get("properties", {}).items():
                self._walk(child, (*where, name), found, seen)
            extra = option.get("additionalProperties")
            if isinstance(extra, Mapping):
                self._walk(extra, (*where, "key"), found, seen)
            items = option.get("items")
            if isinstance(items, Mapping):
                self._walk(items, (*where, 0), found, seen)


def _text_of(fmt: str | None, *schemas: Mapping[str, Any]) -> str:
    texts = {
        "uuid": str(uuid.uuid4()),
        "date": "2024-05-01",
        "date-time": "2024-05-01T12:00:00Z",
        "time": "12:00:00",
        "email": "replay@example.org",
        "uri": "https://example.org/replay",
        "url": "https://example.org/replay",
        "duration": "P1D",
    }
    if fmt in texts:
        return texts[fmt]
    length = max(int(s.get("minLength", 1)) for s in schemas)
    return "a" * length


def placed(document: Any, where: Path_, value: Any) -> Any:
    """A copy of ``document`` with ``value`` at ``where``, making the containers on the way."""
    if not where:
        return value
    step, rest = where[0], where[1:]
    if isinstance(step, int):
        items = list(document) if isinstance(document, list) else []
        if not items:
            items.append(None)
        items[0] = placed(items[0], rest, value)
        return items
    mapping = dict(document) if isinstance(document, dict) else {}
    mapping[step] = placed(mapping.get(step), rest, value)
    return mapping


# --- operations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One operation of a service's OpenAPI document."""

    method: str
    path: str
    spec: Mapping[str, Any]
    schemas: Schemas

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def security(self) -> str:
        """``required`` (a token is documented as needed), ``optional`` (one alternative is
        no token), or ``none``."""
        requirements = self.spec.get("security") or []
        if not requirements:
            return "none"
        return "optional" if {} in requirements else "required"

    @property
    def json_schema(self) -> Mapping[str, Any] | None:
        """The schema of the JSON body it takes, if it takes one."""
        content = self.spec.get("requestBody", {}).get("content", {})
        for media_type, entry in content.items():
            if media_type == "application/json" or media_type.endswith("+json"):
                return entry.get("schema", {})  # type: ignore[no-any-return]
        return None

    @property
    def form_schema(self) -> Mapping[str, Any] | None:
        """The (resolved) schema of the ``multipart/form-data`` body it takes, if any."""
        content = self.spec.get("requestBody", {}).get("content", {})
        entry = content.get("multipart/form-data")
        return None if entry is None else self.schemas.resolve(entry.get("schema", {}))

    def form(self, **texts: str) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
        """A form for :attr:`form_schema`: its required text parts (and ``texts``), and a
        small CSV file in each file part (text: what an upload route decodes and stores)."""
        schema = self.form_schema or {}
        data: dict[str, str] = {}
        files: dict[str, tuple[str, bytes, str]] = {}
        required = set(schema.get("required", ()))
        for name, child in schema.get("properties", {}).items():
            if _is_file(self.schemas.resolve(child)):
                files[name] = ("replay.csv", b"name,notes\nAnn,calm\n", "text/csv")
            elif name in required:
                data[name] = _query_text(self.schemas.example(child))
        data.update(texts)
        return data, files

    def form_texts(self) -> list[str]:
        """The text parts of its form."""
        schema = self.form_schema or {}
        return [
            name
            for name, child in schema.get("properties", {}).items()
            if not _is_file(self.schemas.resolve(child)) and self.schemas.takes_text(child)
        ]

    def parameters(self, where: str) -> list[Mapping[str, Any]]:
        return [p for p in self.spec.get("parameters", ()) if p.get("in") == where]

    def body(self) -> Any:
        schema = self.json_schema
        return None if schema is None else self.schemas.example(schema)

    def body_text_places(self) -> list[Path_]:
        schema = self.json_schema
        return [] if schema is None else self.schemas.text_places(schema)

    def text_query(self) -> list[str]:
        """The query parameters a string can be sent in."""
        return [p["name"] for p in self.parameters("query") if self.schemas.takes_text(p["schema"])]

    def text_path(self) -> list[str]:
        """The path parameters any text fits (a NUL among it reaches the handler's route)."""
        return [
            p["name"]
            for p in self.parameters("path")
            if self.schemas.types(self.schemas.resolve(p.get("schema", {}))) == ["string"]
            and not self.schemas.resolve(p["schema"]).get("format")
            and not self.schemas.resolve(p["schema"]).get("enum")
        ]

    def url(self, **values: str) -> str:
        """The path with every parameter filled: ``values`` as given (``%00`` stays an
        escape), the others with plausible values."""

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return values[name]
            for parameter in self.parameters("path"):
                if parameter["name"] == name:
                    return str(self.schemas.example(parameter.get("schema", {})))
            return "a"

        return re.sub(r"{([^}:]+)(?::[^}]*)?}", fill, self.path)

    def query(self, **values: str) -> dict[str, str]:
        """The required query parameters with plausible values, and ``values``."""
        query = {
            p["name"]: _query_text(self.schemas.example(p.get("schema", {})))
            for p in self.parameters("query")
            if p.get("required")
        }
        query.update(values)
        return query


def _is_file(schema: Mapping[str, Any]) -> bool:
    return schema.get("format") == "binary" or "contentMediaType" in schema


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def operations(document: Mapping[str, Any]) -> list[Operation]:
    """Every operation of ``document`` but the probes' and the scrapes'."""
    schemas = Schemas(document)
    return [
        Operation(method.upper(), path, spec, schemas)
        for path, item in document.get("paths", {}).items()
        if not (path.startswith(SKIPPED_PATHS) and path != "/health/errors")
        for method, spec in item.items()
        if method in METHODS
    ]


# --- tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """Signs access tokens as core does (``core_tokens.signed_token``'s claims): with ``key``
    under ``kid``; core's own key for repti-core, :class:`OneKey`'s for the others."""

    kid: str
    key: Ed25519PrivateKey

    def __call__(self, headers: Mapping[str, str] | None = None, **claims: Any) -> str:
        now = int(dt.datetime.now(dt.UTC).timestamp())
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + 86_400,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        header = {"kid": self.kid, "typ": TOKEN_TYPE, **(headers or {})}
        return jwt.encode(payload, self.key, algorithm=ALGORITHM, headers=header)


@dataclass(frozen=True)
class OneKey:
    """The key source of a service's ``Authenticator``: one published key, as if fetched
    from core's JWKS (``core_tokens.StaticKeys`` with a key the replay signs with)."""

    kid: str
    key: Ed25519PublicKey

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        return self.key if kid == self.kid else None


def everything_claims() -> dict[str, Any]:
    """A user who passes every user guard: the owner of an organisation, in a session, and
    a platform administrator."""
    return {
        "org": str(uuid.uuid4()),
        "role": "owner",
        "sid": str(uuid.uuid4()),
        "platform_admin": True,
    }


def admitting_tokens(sign: Signer) -> list[str]:
    """Tokens to try in turn until a guard admits one: the all-powerful user, then a
    service token of each service (for the routes only services may call)."""
    return [sign(**everything_claims())] + [sign(sub=f"service:{s}") for s in SERVICE_NAMES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(value: Mapping[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def forged_tokens(sign: Signer) -> dict[str, str]:
    """Tokens a verifier must refuse, each for the powerful user of
    :func:`everything_claims`, by what is wrong with them."""
    claims = everything_claims()
    genuine = sign(**claims)
    kid = jwt.get_unverified_header(genuine)["kid"]
    payload = jwt.decode(genuine, options={"verify_signature": False})
    stranger = Ed25519PrivateKey.generate()
    public = stranger.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    now = int(dt.datetime.now(dt.UTC).timestamp())
    header, body, _ = genuine.split(".")
    viewer = sign(**{**claims, "role": "viewer", "platform_admin": False})
    viewer_header, _, viewer_signature = viewer.split(".")
    return {
        "alg none": ".".join(
            [_segment({"alg": "none", "typ": TOKEN_TYPE, "kid": kid}), _segment(payload), ""]
        ),
        "alg none, no signature part": ".".join(
            [_segment({"alg": "none", "typ": TOKEN_TYPE, "kid": kid}), _segment(payload)]
        ),
        "HS256 keyed with a public key": jwt.encode(
            payload, _b64(public), algorithm="HS256", headers={"kid": kid, "typ": TOKEN_TYPE}
        ),
        "a made-up kid": Signer("made-up-" + uuid.uuid4().hex, stranger)(**claims),
        "no kid": jwt.encode(payload, stranger, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE}),
        "a key core never published, under core's kid": Signer(kid, stranger)(**claims),
        "expired an hour ago": sign(**claims, iat=now - 7200, nbf=now - 7200, exp=now - 3600),
        "not valid for an hour yet": sign(**claims, nbf=now + 3600),
        "for another audience": sign(**claims, aud="repti-animal"),
        "from another issuer": sign(**claims, iss="https://issuer.example.org"),
        "not an access token (typ JWT)": sign(headers={"typ": "JWT"}, **claims),
        "a viewer's claims made an owner's": ".".join(
            [viewer_header, _segment({**payload, "jti": uuid.uuid4().hex}), viewer_signature]
        ),
        "signature stripped": f"{header}.{_segment(payload)}.",
        "signature of another token": f"{header}.{body}.{viewer_signature}",
        "not a JWT": "not-a-jwt",
    }


# --- results ------------------------------------------------------------------------------


@dataclass
class Tally:
    """What was sent and what was answered wrongly, for one service and one kind of attack."""

    sent: int = 0
    failures: list[str] = field(default_factory=list)

    def check(
        self,
        where: str,
        response: httpx.Response,
        status: int | tuple[int, ...],
        detail: str | Callable[[str], bool] | None = None,
    ) -> None:
        """Count a response that must be a ``status`` problem (one of them, if several) whose
        ``detail`` holds the text ``detail``, or passes it."""
        self.sent += 1
        content_type = response.headers.get("content-type", "")
        document: Any = None
        if content_type.startswith(PROBLEM_JSON):
            with contextlib.suppress(ValueError):
                document = response.json()
        problem = isinstance(document, dict)
        text = str(document.get("detail", "")) if problem else ""
        named = detail in text if isinstance(detail, str) else detail is None or detail(text)
        statuses = (status,) if isinstance(status, int) else status
        if response.status_code not in statuses or not problem or not named:
            body = response.text[:160].replace("\n", " ")
            self.failures.append(f"{where}: {response.status_code} {content_type} {body}")

    def verdict(self) -> None:
        """Fail the test listing every response that was not the refusal due."""
        if self.failures:
            lines = "\n".join(self.failures)
            pytest.fail(f"{len(self.failures)} of {self.sent} not refused:\n{lines}", pytrace=False)


# --- what the routes read -----------------------------------------------------------------

TOKEN_DEPENDENCIES = frozenset({"principal", "optional_principal"})


def token_readers(app: Litestar) -> set[str]:
    """The operations (``METHOD /path`` as the document writes it) whose handler reads the
    caller, directly or through its dependencies: a token they are sent must be valid even
    where none is needed (``OptionalPrincipal``)."""
    found: set[str] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = re.sub(r"{([^}:]+):[^}]*}", r"{\1}", route.path)
        for handler in route.route_handlers:
            dependencies = handler.resolve_dependencies()
            needed: set[str] = set()
            waiting = list(handler.parsed_fn_signature.parameters)
            while waiting:
                name = waiting.pop()
                if name in needed:
                    continue
                needed.add(name)
                if name in dependencies:
                    waiting.extend(dependencies[name].parsed_fn_signature.parameters)
            if needed & TOKEN_DEPENDENCIES:
                found.update(f"{method} {path}" for method in handler.http_methods)
    return found
