"""A webhook subscription, its sealed signing secret, and its deliveries."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

SECRET_PURPOSE = "webhook-signing-secret"  # noqa: S105 (a label, not a secret)


@dataclass(frozen=True, slots=True)
class SealedSecret:
    """A signing secret as stored: its ciphertext, the key that sealed it, its version."""

    ciphertext: bytes
    key: str
    version: int


def secret_context(
    organisation_id: uuid.UUID, webhook_id: uuid.UUID, version: int
) -> dict[str, str]:
    """The encryption context of a webhook's signing secret: a ciphertext decrypts only for
    the webhook, organisation and version it was sealed for.

    >>> secret_context(uuid.UUID(int=1), uuid.UUID(int=2), 3)["version"]
    '3'
    """
    return {
        "purpose": SECRET_PURPOSE,
        "organisation_id": str(organisation_id),
        "webhook_id": str(webhook_id),
        "version": str(version),
    }


def origin_of(url: str) -> str:
    """The scheme, host and port of ``url``: what the audit trail and events name (paths and
    queries can carry a receiver's credentials, and audit records are never changed).

    >>> origin_of("https://hooks.example.com:8443/T0/B1/secret?x=1")
    'https://hooks.example.com:8443'
    """
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


@dataclass(slots=True)
class Webhook:
    """An organisation's subscription of ``url`` to ``event_kinds``.

    After a rotation the ``previous_secret`` still signs deliveries (beside the new one) until
    ``previous_secret_expires_at``."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    url: str
    event_kinds: tuple[str, ...]
    description: str
    created_at: dt.datetime
    secret: SealedSecret
    previous_secret: SealedSecret | None = None
    previous_secret_expires_at: dt.datetime | None = None

    def secrets_at(self, now: dt.datetime) -> list[SealedSecret]:
        """The secrets that sign a delivery sent at ``now``, newest first."""
        if (
            self.previous_secret is None
            or self.previous_secret_expires_at is None
            or self.previous_secret_expires_at <= now
        ):
            return [self.secret]
        return [self.secret, self.previous_secret]


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    """Given up after the last attempt (it can be redelivered by hand)."""


@dataclass(slots=True)
class Delivery:
    """One event for one webhook: its body (as sent, every attempt the same) and the outcome
    of its last attempt."""

    id: uuid.UUID
    webhook_id: uuid.UUID
    organisation_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    body: bytes
    created_at: dt.datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    last_attempt_at: dt.datetime | None = None
    last_status_code: int | None = None
    last_response_ms: int | None = None
    last_error: str | None = None
    delivered_at: dt.datetime | None = None
    redelivery_of: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one attempt got: the receiver's status and how long it took, or why there was no
    answer (timed out, refused, unreachable)."""

    status_code: int | None = None
    response_ms: int | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        """A 2xx answer."""
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How a delivery that fails is tried again: after ``first`` seconds, doubling up to
    ``longest``, given up after ``attempts`` attempts in all."""

    first: float = 30.0
    longest: float = 6 * 3600.0
    attempts: int = 12

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait after the ``attempts``-th failed attempt.

        >>> [DeliveryPolicy(first=30, longest=100).delay(n).seconds for n in (1, 2, 3, 4)]
        [30, 60, 100, 100]
        """
        return dt.timedelta(seconds=min(self.longest, self.first * 2 ** (attempts - 1)))
