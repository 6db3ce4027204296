"""Webhook signatures: the HMAC-SHA256 of ``<timestamp>.<body>`` in ``sha256=<hex>``, one per
secret in use, and the receiver's check of it within the tolerance."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from reptidex.domain.integrations.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SECRET_PREFIX,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE,
    new_secret,
    signature,
    signature_header,
    signed_headers,
    verify_signature,
)

SECRET, OTHER = "whsec_first", "whsec_second"
BODY = b'{"id":"e1","type":"animal.updated"}'
SENT = 1_767_225_600


def _expected(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_the_signature_is_the_hmac_of_the_timestamp_a_dot_and_the_body() -> None:
    assert signature(SECRET, SENT, BODY) == _expected(SECRET, SENT, BODY)
    assert signature(SECRET, SENT, BODY) != signature(SECRET, SENT + 1, BODY)
    assert signature(SECRET, SENT, BODY) != signature(OTHER, SENT, BODY)
    # the dot separates: timestamp 12 with body "3..." is not timestamp 123 with body "..."
    assert signature(SECRET, 12, b"3x") != signature(SECRET, 123, b"x")


def test_the_header_lists_one_signature_per_secret_newest_first() -> None:
    assert signature_header([SECRET], SENT, BODY) == f"sha256={_expected(SECRET, SENT, BODY)}"
    assert signature_header([SECRET, OTHER], SENT, BODY) == (
        f"sha256={_expected(SECRET, SENT, BODY)}, sha256={_expected(OTHER, SENT, BODY)}"
    )


def test_every_header_of_a_delivery() -> None:
    headers = signed_headers("animal.updated", "d-1", [SECRET], SENT, BODY)
    assert headers == {
        "Content-Type": "application/json",
        "User-Agent": "ReptiDex-Webhooks/1",
        EVENT_HEADER: "animal.updated",
        DELIVERY_HEADER: "d-1",
        TIMESTAMP_HEADER: str(SENT),
        SIGNATURE_HEADER: signature_header([SECRET], SENT, BODY),
    }
    assert (EVENT_HEADER, DELIVERY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER) == (
        "X-ReptiDex-Event",
        "X-ReptiDex-Delivery",
        "X-ReptiDex-Timestamp",
        "X-ReptiDex-Signature",
    )


def test_a_receiver_accepts_the_signature_of_its_secret_within_the_tolerance() -> None:
    header = signature_header([SECRET], SENT, BODY)
    assert TOLERANCE == 300
    for now in (SENT, SENT - 300, SENT + 300, SENT + 299.5):
        assert verify_signature(SECRET, BODY, str(SENT), header, now=now), now
    for now in (SENT - 301, SENT + 300.5, SENT + 10_000):
        assert not verify_signature(SECRET, BODY, str(SENT), header, now=now), now
    assert verify_signature(SECRET, BODY, str(SENT), header, now=SENT + 50, tolerance=50)
    assert not verify_signature(SECRET, BODY, str(SENT), header, now=SENT + 51, tolerance=50)


@pytest.mark.parametrize(
    ("secret", "body", "timestamp"),
    [
        (OTHER, BODY, str(SENT)),  # another secret
        (SECRET, BODY + b" ", str(SENT)),  # a changed body
        (SECRET, BODY, str(SENT + 1)),  # a changed timestamp
    ],
)
def test_anything_changed_fails_the_check(secret: str, body: bytes, timestamp: str) -> None:
    header = signature_header([SECRET], SENT, BODY)
    assert not verify_signature(secret, body, timestamp, header, now=SENT)


@pytest.mark.parametrize("timestamp", ["", "-1", "1.5", " 1767225600", "１２", "²", "abc"])
def test_a_malformed_timestamp_fails_the_check(timestamp: str) -> None:
    header = signature_header([SECRET], SENT, BODY)
    assert not verify_signature(SECRET, BODY, timestamp, header, now=SENT)


def test_any_listed_signature_may_match_during_a_rotation() -> None:
    both = signature_header([OTHER, SECRET], SENT, BODY)
    assert verify_signature(SECRET, BODY, str(SENT), both, now=SENT)
    assert verify_signature(OTHER, BODY, str(SENT), both, now=SENT)
    assert verify_signature(SECRET, BODY, str(SENT), both.replace(", ", ","), now=SENT)
    assert not verify_signature("whsec_third", BODY, str(SENT), both, now=SENT)
    bare = _expected(SECRET, SENT, BODY)  # without the scheme it is not the header's form
    assert not verify_signature(SECRET, BODY, str(SENT), bare, now=SENT)
    assert not verify_signature(SECRET, BODY, str(SENT), f"sha1={bare}", now=SENT)


def test_secrets_are_fresh_and_long() -> None:
    made = {new_secret() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert secret.startswith(SECRET_PREFIX)
        assert len(secret) == len(SECRET_PREFIX) + 43
