"""Issue 5's acceptance, as a new user tries it: `reptidex up` as a real process, HTTP only.

Register, verify with the token from the local mail outbox, log in, create an organisation, read
``/auth/me`` and ``/config/features``; use core's token on repti-animal; see it refused when
expired, tampered, signed by an unknown key, ``alg: none`` or HS256 with the public key. Then bad
input to every core endpoint that takes a body (4xx problem+json, never 5xx), and a bounded
schemathesis fuzz of core's OpenAPI.

The platform runs with 10-second access tokens and no clock-skew leeway, so "expired" is real.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from openapi_fuzz import fuzz_operation
from platform_process import REPTIDEX, clean_environment, free_port_block, running_platform

TOKEN_TTL = 10
PASSWORD = "basking-under-the-heat-lamp"
EMAIL = "new.keeper@example.org"
PROBLEM_JSON = "application/problem+json"
BILLING_OFF = (
    "/billing/checkout",
    "/billing/ad-credits/checkout",
    "/billing/portal",
    "/billing/cancel",
    "/billing/webhooks",
)
"""Without Stripe keys these answer 503 problem+json ("billing is not configured"), by design."""

pytestmark = pytest.mark.slow


@dataclass
class Platform:
    """The running `reptidex up` and what the journey learnt."""

    base: int
    data_dir: Path
    process: subprocess.Popen[str]
    environ: dict[str, str]
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def core(self) -> str:
        return f"http://127.0.0.1:{self.base}"

    @property
    def animal(self) -> str:
        return f"http://127.0.0.1:{self.base + 1}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    tmp_path = tmp_path_factory.mktemp("core-acceptance")
    environ = clean_environment(
        tmp_path / "data",
        {
            "REPTIDEX_LOG_LEVEL": "WARNING",
            "REPTIDEX_ACCESS_TOKEN_TTL": str(TOKEN_TTL),
            "REPTIDEX_TOKEN_LEEWAY": "0",
        },
    )
    base = free_port_block()
    with running_platform(base, environ, tmp_path / "platform.log") as process:
        yield Platform(base=base, data_dir=tmp_path / "data", process=process, environ=environ)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mail_token(data_dir: Path, kind: str, to: str, *, within: float = 10.0) -> str:
    """The token of the newest ``kind`` mail to ``to`` in the local mail outbox folder."""
    folder = data_dir / "mail-outbox"
    deadline = time.monotonic() + within
    while True:
        for path in sorted(folder.glob(f"*-{kind}-*.eml"), reverse=True):
            text = path.read_text("utf-8")
            if re.search(rf"^To: {re.escape(to)}$", text, re.MULTILINE):
                match = re.search(r"^Token: (\S+)$", text, re.MULTILINE)
                assert match, text
                return match.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no {kind} mail to {to} in {folder}")
        time.sleep(0.1)


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    assert body["title"]
    return body


def assert_refused(platform: Platform, token: str, why: str) -> None:
    """``token`` gets 401 problem+json from core and from repti-animal."""
    for url in (f"{platform.core}/auth/me", f"{platform.animal}/animals/"):
        response = httpx.get(url, headers=bearer(token), timeout=10)
        body = assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer"), response.headers
        assert why in body["detail"], body


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_new_user_gets_in_and_core_tokens_work_everywhere(platform: Platform) -> None:
    core = httpx.Client(base_url=platform.core, timeout=15)
    response = core.post(
        "/auth/register",
        json={"email": " New.Keeper@Example.ORG ", "password": PASSWORD, "display_name": "Nia"},
    )
    assert response.status_code == 202, response.text

    response = core.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert_problem(response, 403)  # not verified yet

    token = mail_token(platform.data_dir, "verify_email", EMAIL)
    response = core.post("/auth/verify-email", json={"token": token})
    assert response.status_code == 200, response.text
    assert response.json()["email_verified"] is True

    response = core.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200, response.text
    login = response.json()
    assert login["token_type"] == "Bearer"
    assert 0 < login["expires_in"] <= TOKEN_TTL
    first_access = login["access_token"]
    issued = time.time()

    response = core.post("/orgs/", json={"name": "Scales & Tails"}, headers=bearer(first_access))
    assert response.status_code == 201, response.text
    organisation = response.json()
    assert organisation["role"] == "owner"

    response = core.post(
        "/auth/switch-organisation",
        json={"organisation_id": organisation["id"]},
        headers=bearer(first_access),
    )
    assert response.status_code == 200, response.text
    access = response.json()["access_token"]

    response = core.get("/auth/me", headers=bearer(access))
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["email"] == EMAIL
    assert me["display_name"] == "Nia"
    assert me["organisation_id"] == organisation["id"]
    assert me["role"] == "owner"
    assert [o["name"] for o in me["organisations"]] == ["Scales & Tails"]

    response = core.get("/config/features", headers=bearer(access))
    assert response.status_code == 200, response.text
    features = response.json()
    assert features["plan"] == "free"
    assert isinstance(features["features"], dict)
    assert features["entitlements"]["max_animals"] == 25

    # Core's token on another service: repti-animal verifies it locally from core's JWKS.
    animal = httpx.Client(base_url=platform.animal, timeout=15)
    response = animal.get("/animals/", headers=bearer(access))
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 0
    assert_problem(animal.get("/animals/"), 401)
    # A token without an active organisation is known but may not read a collection.
    assert_problem(animal.get("/animals/", headers=bearer(first_access)), 403)

    header_b64, payload_b64, signature_b64 = access.split(".")
    header = json.loads(_unb64(header_b64))
    claims = json.loads(_unb64(payload_b64))
    assert header["alg"] == "EdDSA"
    assert header["kid"]

    # Tampered: another organisation in the claims, the original signature.
    forged = dict(claims, org=str(uuid.uuid4()), role="owner")
    tampered = f"{header_b64}.{_b64(json.dumps(forged).encode())}.{signature_b64}"
    assert_refused(platform, tampered, "signature")

    # A key core never published, with core's kid and with a kid of its own.
    stranger = Ed25519PrivateKey.generate()
    for kid, why in ((header["kid"], "signature"), ("not-a-core-key", "unknown key")):
        foreign = jwt.encode(claims, stranger, algorithm="EdDSA", headers={**header, "kid": kid})
        assert_refused(platform, foreign, why)

    # alg: none, with and without a signature part.
    none_header = _b64(json.dumps({**header, "alg": "none"}).encode())
    for unsigned in (
        f"{none_header}.{payload_b64}.",
        f"{none_header}.{payload_b64}.{signature_b64}",
    ):
        assert_refused(platform, unsigned, "EdDSA")

    # Algorithm confusion: HS256 keyed with core's published public key.
    jwks = core.get("/.well-known/jwks.json").json()
    public = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
    signing_input = f"{_b64(json.dumps({**header, 'alg': 'HS256'}).encode())}.{payload_b64}"
    mac = hmac.new(_unb64(public["x"]), signing_input.encode(), hashlib.sha256).digest()
    assert_refused(platform, f"{signing_input}.{_b64(mac)}", "EdDSA")

    # Garbage and the wrong scheme.
    assert_refused(platform, "not-a-jwt", "malformed")
    response = core.get("/auth/me", headers={"Authorization": f"Basic {access}"})
    assert_problem(response, 401)

    # Expired: the first token outlives its 10 s (no leeway in this platform) and is refused by
    # both services, while a refreshed one works.
    time.sleep(max(0.0, issued + TOKEN_TTL + 1.5 - time.time()))
    assert_refused(platform, first_access, "expired")
    response = core.post("/auth/refresh", json={"refresh_token": login["refresh_token"]})
    assert response.status_code == 200, response.text
    renewed = response.json()
    assert renewed["organisation_id"] == organisation["id"]
    assert animal.get("/animals/", headers=bearer(renewed["access_token"])).status_code == 200

    platform.state.update(
        organisation_id=organisation["id"],
        user_id=me["id"],
        refresh_token=renewed["refresh_token"],
    )


def test_an_operator_makes_a_platform_admin_who_manages_flags(platform: Platform) -> None:
    if "user_id" not in platform.state:
        pytest.fail("the new-user journey above failed first; this step depends on it")
    core = httpx.Client(base_url=platform.core, timeout=15)
    tokens = core.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
    response = core.post(
        "/config/flags/", json={"key": "e2e-flag"}, headers=bearer(tokens["access_token"])
    )
    assert_problem(response, 403)

    grant = subprocess.run(
        [*REPTIDEX, "admin", "grant", EMAIL.upper()],
        env=platform.environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert grant.returncode == 0, grant.stderr
    assert f"{EMAIL} is now a platform administrator" in grant.stdout
    # The right reaches the next token (here: a refresh).
    renewed = core.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()
    admin = bearer(renewed["access_token"])
    assert core.get("/auth/me", headers=admin).json()["platform_admin"] is True
    response = core.post(
        "/config/flags/",
        json={"key": "e2e-flag", "description": "from the e2e test"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    response = core.put(
        f"/config/flags/e2e-flag/overrides/user/{platform.state['user_id']}",
        json={"enabled": True},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    # Flag reads are cached; the change cleared the cache at once.
    features = core.get("/config/features", headers=admin).json()["features"]
    assert features["e2e-flag"] == {"enabled": True, "reason": "user_override"}, features
    platform.state["refresh_token"] = renewed["refresh_token"]


class TokenKeeper:
    """A fresh organisation-scoped access token for the user of the journey (refreshing)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.refresh_token: str = platform.state["refresh_token"]
        self.access_token = ""
        self.issued = 0.0

    def headers(self) -> dict[str, str]:
        if time.monotonic() - self.issued > TOKEN_TTL / 2:
            response = httpx.post(
                f"{self.platform.core}/auth/refresh",
                json={"refresh_token": self.refresh_token},
                timeout=15,
            )
            assert response.status_code == 200, response.text
            body = response.json()
            self.refresh_token = body["refresh_token"]
            self.access_token = body["access_token"]
            self.issued = time.monotonic()
        return bearer(self.access_token)


@pytest.fixture(scope="module")
def keeper(platform: Platform) -> TokenKeeper:
    if "refresh_token" not in platform.state:
        pytest.fail("the new-user journey above failed first; this step depends on it")
    return TokenKeeper(platform)


@pytest.fixture(scope="module")
def openapi(platform: Platform) -> dict[str, Any]:
    response = httpx.get(f"{platform.core}/schema/openapi.json", timeout=15)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    if "oneOf" in schema or "anyOf" in schema:
        options = [
            _resolve(document, option)
            for option in schema.get("oneOf", schema.get("anyOf", []))
            if option.get("type") != "null"
        ]
        if len(options) == 1:
            return options[0]
    return schema


def _wrong_value(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return {
        "string": 12345,
        "integer": "not a number",
        "number": "not a number",
        "boolean": "perhaps",
        "array": "not a list",
        "object": "not an object",
    }.get(kind or "", [["nested"]])


def _body_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("post", "put", "patch") and "requestBody" in operation:
                found.append((method.upper(), path, operation))
    return sorted(found, key=lambda found: (found[1], found[0]))


def _fill_path(path: str, platform: Platform) -> str:
    values = {
        "organisation_id": platform.state["organisation_id"],
        "user_id": platform.state["user_id"],
        "key": "e2e-flag",
        "token": "no-such-invitation",
        "subject_kind": "user",
        "subject_id": platform.state["user_id"],
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), uuid.uuid4())), path)


def test_bad_input_to_every_core_endpoint_is_a_clear_4xx(
    platform: Platform, keeper: TokenKeeper, openapi: dict[str, Any]
) -> None:
    operations = _body_operations(openapi)
    assert len(operations) >= 20, [f"{m} {p}" for m, p, _ in operations]
    checked = 0
    for method, path, operation in operations:
        url = platform.core + _fill_path(path, platform)
        content = operation.get("requestBody", {}).get("content", {})
        schema = _resolve(openapi, content.get("application/json", {}).get("schema", {}))
        properties = {
            name: _resolve(openapi, prop) for name, prop in schema.get("properties", {}).items()
        }
        wrong_types = {name: _wrong_value(prop) for name, prop in properties.items()}
        attempts: list[tuple[str, dict[str, Any]]] = [
            (
                "non-JSON",
                {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
            ),
            ("a JSON list", {"json": []}),
            ("wrong types", {"json": wrong_types or {"unexpected": 1}}),
            ("empty object", {"json": {}}),
        ]
        for label, request in attempts:
            headers = {**keeper.headers(), **request.pop("headers", {})}
            response = httpx.request(method, url, headers=headers, timeout=15, **request)
            where = f"{method} {path} with {label}: {response.status_code} {response.text[:300]}"
            if path.startswith(BILLING_OFF) and response.status_code == 503:
                assert_problem(response, 503)
                continue
            assert response.status_code < 500, where
            if label == "empty object" and not schema.get("required"):
                continue  # every field is optional: {} may be a valid request
            assert 400 <= response.status_code < 500, where
            assert response.headers["content-type"].startswith(PROBLEM_JSON), where
            checked += 1
    assert checked >= 3 * len(operations)


def _billing_off(case: Any, response: Any) -> bool:
    return bool(case.path.startswith(BILLING_OFF) and response.status_code == 503)


def test_fuzzed_requests_never_get_a_server_error(platform: Platform, keeper: TokenKeeper) -> None:
    """A bounded schemathesis run over core's OpenAPI: valid and invalid requests alike."""
    schema = schemathesis.openapi.from_url(f"{platform.core}/schema/openapi.json")
    failures: list[str] = []
    operations = calls = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the schema's own fault, not the server's
        operation = result.ok()
        if "operations" in (operation.tags or []):
            continue  # liveness, readiness and metrics take no input
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            calls += fuzz_operation(
                operation,
                mode,
                keeper.headers,
                failures,
                max_examples=8,
                timeout=15,
                expected=_billing_off,
            )
    assert operations >= 25
    # up to 8 cases per mode; fewer only where the inputs leave fewer cases to draw
    assert calls >= 12 * operations
    assert not failures, "\n".join(failures)
