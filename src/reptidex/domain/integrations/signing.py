"""How a webhook delivery is signed, and how a receiver checks it.

Each delivery carries ``X-ReptiDex-Timestamp`` (Unix seconds when it was sent) and
``X-ReptiDex-Signature: sha256=<hex>``, the HMAC-SHA256, keyed with the subscription's signing
secret (its text as UTF-8), of ``<timestamp>.<body>``. While a rotated secret's grace period
lasts, the header lists one signature per secret (``sha256=<new>, sha256=<old>``); a receiver
accepts the delivery when any of them matches. Checking the timestamp against the receiver's
clock (:data:`TOLERANCE`) refuses a replayed delivery.

>>> body = b'{"type":"animal.updated"}'
>>> header = signature_header(["whsec_example"], 1767225600, body)
>>> header
'sha256=4a4d83e682835709450c005c3e413ec962f7f991ff8da8b8e2c4471b56f8c116'
>>> verify_signature("whsec_example", body, "1767225600", header, now=1767225700)
True
>>> verify_signature("whsec_example", body + b" ", "1767225600", header, now=1767225700)
False
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

SCHEME = "sha256"
TOLERANCE = 300
"""Seconds a receiver should accept between a delivery's timestamp and its own clock."""

EVENT_HEADER = "X-ReptiDex-Event"
DELIVERY_HEADER = "X-ReptiDex-Delivery"
TIMESTAMP_HEADER = "X-ReptiDex-Timestamp"
SIGNATURE_HEADER = "X-ReptiDex-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 43 characters of 32 random bytes."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` keyed with ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_in_use: Sequence[str], timestamp: int, body: bytes) -> str:
    """The ``X-ReptiDex-Signature`` value: one ``sha256=<hex>`` per secret, newest first."""
    return ", ".join(f"{SCHEME}={signature(s, timestamp, body)}" for s in secrets_in_use)


def signed_headers(
    event_type: str,
    delivery_id: str,
    secrets_in_use: Sequence[str],
    timestamp: int,
    body: bytes,
) -> dict[str, str]:
    """Every header a delivery is sent with."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "ReptiDex-Webhooks/1",
        EVENT_HEADER: event_type,
        DELIVERY_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(secrets_in_use, timestamp, body),
    }


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str,
    header: str,
    *,
    now: float,
    tolerance: int = TOLERANCE,
) -> bool:
    """Whether a delivery of ``body`` with these ``X-ReptiDex-Timestamp`` and
    ``X-ReptiDex-Signature`` values was signed with ``secret`` no more than ``tolerance``
    seconds from ``now`` (Unix seconds). What a receiver runs on every request."""
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    sent = int(timestamp)
    if abs(now - sent) > tolerance:
        return False
    expected = f"{SCHEME}={signature(secret, sent, body)}"
    return any(
        hmac.compare_digest(candidate.strip().encode(), expected.encode())
        for candidate in header.split(",")
    )
