"""The rules of access tokens, without a database or a service: the JWK of a key, what the
signer writes, and each refusal of the verifier with its message.

The key ring: ``test_identity_key_ring.py``; the JWKS cache: ``test_identity_jwks_cache.py``;
expiry and leeway: ``test_identity_token_times.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from identity_keys_testkit import NOW, START, TTL, MemoryKeys, Ticker, WallClock, key_ring, raw

from reptidex.adapters.identity.tokens import (
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    TOKEN_TYPE,
    InvalidToken,
    JwtSigner,
    TokenVerifier,
    public_jwk,
    public_key_from_jwk,
)
from reptidex.domain.identity.model import Role
from reptidex.domain.identity.tokens import AccessClaims

# --- JWK encoding -------------------------------------------------------------------------

# RFC 8037, appendix A.1 (the key) and A.3 (its RFC 7638 thumbprint)
RFC_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def _rfc_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(RFC_D + "="))


def test_a_public_jwk_is_the_rfc_8037_key_with_its_rfc_7638_thumbprint_as_kid() -> None:
    assert public_jwk(_rfc_key().public_key()) == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC_X,
        "kid": RFC_KID,
        "alg": "EdDSA",
        "use": "sig",
    }


def test_a_jwk_is_read_back_to_its_key() -> None:
    key = _rfc_key().public_key()
    read = public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": RFC_X})  # "use" optional
    assert read is not None
    assert raw(read) == raw(key)
    again = public_key_from_jwk(public_jwk(key))
    assert again is not None
    assert raw(again) == raw(key)


@pytest.mark.parametrize(
    "change",
    [
        {"kty": "EC"},
        {"crv": "X25519"},
        {"use": "enc"},
        {"x": RFC_X[:-1]},  # 31 and a half bytes
        {"x": RFC_X[:-3]},  # 30 bytes: padded right, but no Ed25519 key
        {"x": RFC_X + "AA"},  # 33 bytes
        {"x": RFC_X[:20] + " " + RFC_X[20:]},
        {"x": RFC_X[:20] + "\r\n" + RFC_X[20:]},  # a lenient decoder would skip the break
        {"x": RFC_X[:20] + "  " + RFC_X[20:]},
        {"x": RFC_X[:-1] + "!"},
        {"x": None},
    ],
)
def test_anything_but_an_ed25519_signing_key_is_not_a_key(change: dict[str, Any]) -> None:
    jwk: dict[str, Any] = {"kty": "OKP", "crv": "Ed25519", "x": RFC_X, "use": "sig"} | change
    assert public_key_from_jwk(jwk) is None


def test_a_jwk_without_x_is_not_a_key() -> None:
    assert public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "use": "sig"}) is None


# --- signing --------------------------------------------------------------------------------


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    payload = jwt.decode(token, options={"verify_signature": False})
    return jwt.get_unverified_header(token), payload


async def test_a_token_carries_every_claim_and_names_its_key() -> None:
    store = MemoryKeys()
    ring = key_ring(store, WallClock())
    organisation, session = uuid.uuid4(), uuid.uuid4()
    claims = AccessClaims(
        subject="user-1",
        issued_at=START + dt.timedelta(seconds=0.9),  # whole seconds, rounded down
        expires_at=START + TTL,
        token_id="token-1",
        organisation_id=organisation,
        role=Role.ADMIN,
        session_id=session,
        platform_admin=True,
    )
    token = await JwtSigner(ring).sign(claims)
    key = await ring.signing_key()
    header, payload = _unverified(token)
    assert header == {"alg": "EdDSA", "kid": key.kid, "typ": "at+jwt"}
    assert payload == {
        "iss": "reptidex-core",
        "aud": "reptidex",
        "sub": "user-1",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 900,
        "jti": "token-1",
        "org": str(organisation),
        "role": "admin",
        "sid": str(session),
        "platform_admin": True,
    }
    jwt.decode(
        token,
        key.private_key.public_key(),
        algorithms=["EdDSA"],
        audience="reptidex",
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )


async def test_a_token_leaves_out_the_claims_it_does_not_have() -> None:
    ring = key_ring(MemoryKeys(), WallClock())
    signer = JwtSigner(ring, issuer="elsewhere", audience="others")
    assert (signer.issuer, signer.audience) == ("elsewhere", "others")
    token = await signer.sign(
        AccessClaims(subject="s", issued_at=START, expires_at=START + TTL, token_id="t")
    )
    assert _unverified(token)[1] == {
        "iss": "elsewhere",
        "aud": "others",
        "sub": "s",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 900,
        "jti": "t",
    }


async def test_what_the_signer_signs_the_verifier_reads_back() -> None:
    ring = key_ring(MemoryKeys(), WallClock())
    claims = AccessClaims(
        subject=str(uuid.uuid4()),
        issued_at=START,
        expires_at=START + TTL,
        token_id="t",
        organisation_id=uuid.uuid4(),
        role=Role.VIEWER,
        session_id=uuid.uuid4(),
        platform_admin=True,
    )
    token = await JwtSigner(ring).sign(claims)
    assert await TokenVerifier(ring, clock=Ticker(NOW)).verify(token) == claims


# --- verification ---------------------------------------------------------------------------

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
KID = "k"


class OneKey:
    """A key source holding one public key under ``KID``; it notes the kids asked for."""

    def __init__(self, key: Ed25519PublicKey = PUBLIC) -> None:
        self.key = key
        self.asked: list[object] = []
        self.issued: list[float | None] = []

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        self.asked.append(kid)
        self.issued.append(issued_at)
        return self.key if kid == KID else None


def _claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "subject",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 900,
        "jti": "token-id",
    }
    for name, value in changes.items():
        if value is ...:
            claims.pop(name)
        else:
            claims[name] = value
    return claims


def _token(
    *, key: Ed25519PrivateKey = KEY, header: dict[str, Any] | None = None, **claims: Any
) -> str:
    """A token signed with ``key``; a claim given as ``...`` is left out."""
    headers = {"kid": KID, "typ": TOKEN_TYPE} | (header or {})
    return jwt.encode(_claims(**claims), key, algorithm=ALGORITHM, headers=headers)


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


async def _verify(token: str, keys: OneKey | None = None, **options: Any) -> AccessClaims:
    options.setdefault("clock", Ticker(NOW))
    return await TokenVerifier(keys or OneKey(), **options).verify(token)


async def _refusal(token: str, **options: Any) -> str:
    with pytest.raises(InvalidToken) as refused:
        await _verify(token, **options)
    return str(refused.value)


async def test_the_key_source_is_told_when_the_token_says_it_was_signed() -> None:
    """Unverified, only so that a copy of the keys can tell a key newer than itself from an
    unknown one; a token without a readable ``iat`` tells nothing."""
    keys = OneKey()
    await _verify(_token(iat=NOW - 5), keys)
    await _refusal(_token(iat="soon"), keys=keys)
    await _refusal(_token(iat=...), keys=keys)
    assert keys.issued == [float(NOW - 5), None, None]


async def test_a_valid_token_gives_all_its_claims() -> None:
    organisation, session = uuid.uuid4(), uuid.uuid4()
    token = _token(org=str(organisation), role="owner", sid=str(session), platform_admin=True)
    assert await _verify(token) == AccessClaims(
        subject="subject",
        issued_at=START,
        expires_at=START + TTL,
        token_id="token-id",
        organisation_id=organisation,
        role=Role.OWNER,
        session_id=session,
        platform_admin=True,
    )


async def test_a_token_with_only_the_required_claims_is_valid() -> None:
    keys = OneKey()
    claims = await _verify(_token(nbf=...), keys)
    assert claims == AccessClaims(
        subject="subject", issued_at=START, expires_at=START + TTL, token_id="token-id"
    )
    assert claims.issued_at.tzinfo is dt.UTC
    assert keys.asked == [KID]


@pytest.mark.parametrize("flag", ["true", 1, "yes"])
async def test_platform_admin_is_only_the_json_true(flag: object) -> None:
    assert not (await _verify(_token(platform_admin=flag))).platform_admin


async def test_times_are_read_in_whole_seconds() -> None:
    claims = await _verify(_token(iat=NOW + 0.9, exp=NOW + 900.9))
    assert (claims.issued_at, claims.expires_at) == (START, START + TTL)


async def test_the_times_are_judged_by_the_injected_clock_alone() -> None:
    """Long expired by the machine's clock, and issued (iat) later than the injected one."""
    token = _token(iat=2_500, nbf=1_000, exp=2_000)
    assert (await _verify(token, clock=Ticker(1_500), leeway=0)).issued_at.year == 1970
    assert await _refusal(_token(), clock=Ticker(1_500), leeway=0) == (
        "the token is not valid: The token is not yet valid (nbf)"
    )
    assert await _refusal(_token(), clock=Ticker(NOW + 900), leeway=0) == "the token has expired"


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c", "a.b"])
async def test_a_malformed_token_is_refused(token: str) -> None:
    assert await _refusal(token) == "the token is malformed"


@pytest.mark.parametrize("kid", [None, 7])
async def test_a_kid_that_is_no_string_makes_a_malformed_token(kid: object) -> None:
    token = _unsigned({"alg": ALGORITHM, "typ": TOKEN_TYPE, "kid": kid}, _claims())
    assert await _refusal(token) == "the token is malformed"


async def test_only_eddsa_is_accepted() -> None:
    symmetric = jwt.encode(
        _claims(), "a shared secret of thirty-two bytes", algorithm="HS256", headers={"kid": KID}
    )
    unsigned = _unsigned({"alg": "none", "typ": TOKEN_TYPE, "kid": KID}, _claims())
    no_alg = _unsigned({"typ": TOKEN_TYPE, "kid": KID}, _claims())
    for token in (symmetric, unsigned, no_alg):
        assert await _refusal(token) == "tokens must be signed with EdDSA"


@pytest.mark.parametrize("typ", ["JWT", "", "AT+JWT"])
async def test_only_an_access_token_is_accepted(typ: str) -> None:
    assert await _refusal(_token(header={"typ": typ})) == "this is not an access token"


async def test_a_token_must_name_its_key() -> None:
    keys = OneKey()
    nameless = jwt.encode(_claims(), KEY, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE})
    for token in (nameless, _token(header={"kid": ""})):
        with pytest.raises(InvalidToken, match=r"^the token names no signing key$"):
            await _verify(token, keys)
    assert keys.asked == []


async def test_a_token_of_an_unknown_key_is_refused() -> None:
    keys = OneKey()
    with pytest.raises(InvalidToken, match=r"^the token is signed by an unknown key$"):
        await _verify(_token(header={"kid": "other"}), keys)
    assert keys.asked == ["other"]


async def test_a_token_signed_by_another_key_or_altered_is_refused() -> None:
    forged = _token(key=Ed25519PrivateKey.generate())
    assert await _refusal(forged) == "the token's signature is not valid"
    header, _, signature = _token().split(".")
    altered = _unsigned({}, _claims(sub="someone else")).split(".")[1]
    assert await _refusal(f"{header}.{altered}.{signature}") == (
        "the token's signature is not valid"
    )


async def test_the_issuer_and_audience_must_match() -> None:
    assert await _refusal(_token(iss="someone")) == "the token is not valid: Invalid issuer"
    assert await _refusal(_token(aud="others")) == "the token is not valid: Audience doesn't match"
    token = _token(iss="elsewhere", aud="others")
    assert (await _verify(token, issuer="elsewhere", audience="others")).subject == "subject"
    verifier = TokenVerifier(OneKey(), issuer="elsewhere", audience="others")
    assert (verifier.issuer, verifier.audience) == ("elsewhere", "others")


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "jti", "iss", "aud"])
async def test_a_token_missing_a_required_claim_is_refused(claim: str) -> None:
    missing: dict[str, Any] = {claim: ...}
    assert await _refusal(_token(**missing)) == (
        f'the token is not valid: Token is missing the "{claim}" claim'
    )


async def test_the_subject_and_token_id_must_be_strings() -> None:
    assert await _refusal(_token(sub=7)) == "the token is not valid: Subject must be a string"
    assert await _refusal(_token(jti=7)) == "the token is not valid: JWT ID must be a string"


async def test_the_exact_refusals_of_time() -> None:
    assert await _refusal(_token(nbf=NOW + 31)) == (
        "the token is not valid: The token is not yet valid (nbf)"
    )
    assert await _refusal(_token(), clock=Ticker(NOW + 930)) == "the token has expired"


@pytest.mark.parametrize(
    ("claim", "name"), [("exp", "Expiration Time"), ("nbf", "Not Before"), ("iat", "Issued At")]
)
@pytest.mark.parametrize("value", ["soon", [NOW], float("inf")])
async def test_a_time_that_is_no_whole_number_is_refused(claim: str, name: str, value: Any) -> None:
    changed: dict[str, Any] = {claim: value}
    assert await _refusal(_token(**changed)) == (
        f"the token is not valid: {name} claim ({claim}) must be an integer."
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 10**20},  # valid for ever, but no date
        {"exp": 253_402_300_800},  # the year 10000
        {"iat": 10**20},
        {"iat": -(10**20)},
        {"iat": -62_135_596_801},  # the year 0
    ],
)
async def test_a_time_out_of_a_dates_range_is_refused(claims: dict[str, Any]) -> None:
    assert await _refusal(_token(**claims)) == "the token's claims are malformed"


@pytest.mark.parametrize(
    "claims", [{"org": "not-a-uuid"}, {"org": 12}, {"sid": "x"}, {"role": "king"}]
)
async def test_malformed_claims_are_refused(claims: dict[str, Any]) -> None:
    assert await _refusal(_token(**claims)) == "the token's claims are malformed"
