"""The log redaction rule by rule, with exact output: each secret-looking pattern and its edges,
values after a secret's name, mappings and sequences, the depth limit and the log processor."""

from __future__ import annotations

from typing import Any

import pytest

from reptidex.services.kernel.redaction import (
    HIDDEN,
    redact,
    redact_event,
    redact_text,
    value_is_set,
)

ARGON2_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # bearer and basic credentials of eight characters or more, in any case
        ("Authorization: Bearer abcdefgh", "Authorization: Bearer <hidden>"),
        ("header BASIC dXNlcjpwYXNz rest", "header BASIC <hidden> rest"),
        ("auth bearer a.b_c~d+e/f=g-h tail", "auth bearer <hidden> tail"),
        ("auth Bearer abcdefg", "auth Bearer abcdefg"),
        ("xBearer abcdefghij", "xBearer abcdefghij"),
        ("Bearer\tabcdefghij", "Bearer <hidden>"),
        # a JWT: three segments, the first two of five characters or more
        ("jwt eyJhbGciO.eyJzdWIi.sig-_x tail", "jwt <hidden> tail"),
        ("jwt eyJhbGci.eyJzdWIi. tail", "jwt <hidden> tail"),
        ("jwt eyJhbGci.eyJzd.x", "jwt <hidden>"),
        ("jwt eyJhbGc.eyJzdWIi.x", "jwt eyJhbGc.eyJzdWIi.x"),
        ("jwt eyJhbGci.eyJz.x", "jwt eyJhbGci.eyJz.x"),
        ("xeyJhbGciOi.eyJzdWIiOi.sig", "xeyJhbGciOi.eyJzdWIiOi.sig"),
        # an Argon2 hash, whole: parameters, salt and digest
        (f"hash {ARGON2_HASH} mismatch", "hash <hidden> mismatch"),
        (f"('{ARGON2_HASH}', 1)", "('<hidden>', 1)"),
        (f'"{ARGON2_HASH}",x', '"<hidden>",x'),
        ("h=$argon2i$v=19$m=1,t=2,p=1$s$d, next", "h=<hidden>, next"),
        ("h $argon2d$v=19$abc)", "h <hidden>)"),
        ("h $argon2$v=19$abc", "h $argon2$v=19$abc"),
        # a URL's password
        (
            "dsn postgresql+asyncpg://app:hunter2@db:5432/x",
            "dsn postgresql+asyncpg://app:***@db:5432/x",
        ),
        ("redis://:pw@h:6379/0", "redis://:***@h:6379/0"),
        ("'s3://key:se-cret@bucket'", "'s3://key:***@bucket'"),
        ("http://user@host/path:x@y", "http://user@host/path:x@y"),
        ("http://host:8080/a@b", "http://host:8080/a@b"),
        ("Http://u:p@h", "Http://u:p@h"),
        # Stripe keys and webhook secrets
        ("k sk_live_abcdef1 x", "k <hidden> x"),
        ("k rk_abcdef x", "k <hidden> x"),
        ("k whsec_abcdef x", "k <hidden> x"),
        ("k sk_test_abcdef x", "k <hidden> x"),
        ("k sk_test_abc12 x", "k sk_test_abc12 x"),
        ("k sk_abcde x", "k sk_abcde x"),
        ("k pk_live_abcdefgh x", "k pk_live_abcdefgh x"),
        ("k xsk_abcdefg x", "k xsk_abcdefg x"),
    ],
)
def test_secret_looking_text_is_masked(text: str, shown: str) -> None:
    assert redact_text(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "password=hunter2, token: abc; {'api_key': 'k-123'} email=a@b",
            "password=<hidden>, token: <hidden>; {'api_key': '<hidden>'} email=a@b",
        ),
        ("password = hunter2&secret:'x' user=ann", "password = <hidden>&secret:'x' user=ann"),
        ("token=a token=b user=c", "token=<hidden> token=<hidden> user=c"),
        ("my-token:  v1 2", "my-token:  <hidden> 2"),
        ("'password' : 'x'", "'password' : '<hidden>'"),
        ("1password=x", "1password=x"),
        ("password=", "password="),
        ("password= ", "password= "),
        ("password=<hidden> token=Bearer", "password=<hidden> token=Bearer"),
        ("token=Basic", "token=Basic"),
        ("password=<hidden> token=t", "password=<hidden> token=<hidden>"),
        ("password=, token=t", "password=, token=<hidden>"),
        ("token=bearer", "token=<hidden>"),
        ("secret=password=x", "secret=<hidden>"),
        ("user=ann secret=s3 end", "user=ann secret=<hidden> end"),
    ],
)
def test_the_value_after_a_secrets_name_is_hidden(text: str, shown: str) -> None:
    assert redact_text(text) == shown


def test_a_value_hidden_by_its_name_is_set_unless_empty() -> None:
    assert [value_is_set(v) for v in (None, "", False, 0)] == [False, False, False, False]
    shown: tuple[object, ...] = ("x", True, 1, [], "0")
    assert [value_is_set(v) for v in shown] == [True, True, True, True, True]


def test_mappings_and_sequences_are_redacted_through() -> None:
    value = {
        "user": "ann",
        "password": "hunter2",
        "api_key": None,
        "token": "",
        "refresh_token": False,
        "dsn": "redis://:pw@h:6379/0",
        3: "password=x",
        "items": ["sk_live_abcdef1", ("token=t", 5), {"secret": "s"}],
    }
    assert redact(value) == {
        "user": "ann",
        "password": HIDDEN,
        "api_key": None,
        "token": "",
        "refresh_token": False,
        "dsn": "redis://:***@h:6379/0",
        3: "password=<hidden>",
        "items": [HIDDEN, ("token=<hidden>", 5), {"secret": HIDDEN}],
    }
    assert type(redact(["a"])) is list
    assert type(redact(("a",))) is tuple
    assert redact(7) == 7


def _nested(depth: int, inner: str) -> Any:
    value: Any = inner
    for _ in range(depth):
        value = [value]
    return value


def test_redaction_stops_past_twenty_levels() -> None:
    assert redact(_nested(20, "password=x")) == _nested(20, "password=<hidden>")
    assert redact(_nested(21, "password=x")) == _nested(21, "password=x")
    assert redact({"a": _nested(19, "password=x")}) == {"a": _nested(19, "password=<hidden>")}
    assert redact({"a": _nested(20, "password=x")}) == {"a": _nested(20, "password=x")}


def test_the_log_processor_hides_secret_fields_and_masks_the_rest() -> None:
    event: dict[str, Any] = {
        "event": "login failed: password=hunter2",
        "password": "hunter2",
        "token": None,
        "headers": {"authorization": "Bearer abcdefghij", "accept": "text/html"},
        "attempt": 2,
    }
    assert redact_event(None, "info", event) is event
    assert event == {
        "event": "login failed: password=<hidden>",
        "password": HIDDEN,
        "token": None,
        "headers": {"authorization": HIDDEN, "accept": "text/html"},
        "attempt": 2,
    }
