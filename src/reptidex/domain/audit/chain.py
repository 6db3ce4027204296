"""The hash chain that makes the audit trail tamper-evident.

Each stored record has a sequence number (1, 2, …, no gaps) and carries the SHA-256 of its
*canonical serialisation* together with the hash of the record before it::

    hash(n) = SHA-256( canonical(n) )      canonical(n) holds previous_hash = hash(n - 1)

The canonical serialisation is the compact JSON (UTF-8, keys sorted at every level, no spaces)
of an object with exactly these keys: ``seq``, ``previous_hash``, ``id``, ``occurred_at``
(UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``), ``service``, ``actor_id``, ``organisation_id``,
``request_id``, ``resource_kind``, ``resource_id``, ``action``, ``before``, ``after`` and
``withheld``; ids are lower-case hyphenated UUID text, absent values ``null``. The first record
follows :data:`GENESIS`; after an expiry, the first kept record follows the checkpoint's hash.
Changing, removing or reordering any record breaks the chain at that record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from reptidex.domain.audit.record import AuditRecord

GENESIS = "0" * 64
"""The ``previous_hash`` of the first record of a trail."""

_encoder = msgspec.json.Encoder(order="sorted")


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: Any) -> Any:
    # the stored form of a JSON column: what the database gives back
    return msgspec.json.decode(_encoder.encode(value))


def canonical(record: AuditRecord, seq: int, previous_hash: str) -> bytes:
    """The bytes that are hashed for ``record`` at position ``seq`` after ``previous_hash``.

    >>> import uuid
    >>> record = AuditRecord(id=uuid.UUID(int=1), occurred_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    ...     service="animal", resource_kind="animal", resource_id="a1", action="created",
    ...     after={"name": "Pip"})
    >>> canonical(record, 1, GENESIS)[:59]
    b'{"action":"created","actor_id":null,"after":{"name":"Pip"},'
    """
    body = {
        "seq": seq,
        "previous_hash": previous_hash,
        "id": str(record.id),
        "occurred_at": _instant(record.occurred_at),
        "service": record.service,
        "actor_id": None if record.actor_id is None else str(record.actor_id),
        "organisation_id": None if record.organisation_id is None else str(record.organisation_id),
        "request_id": record.request_id,
        "resource_kind": record.resource_kind,
        "resource_id": record.resource_id,
        "action": record.action,
        "before": _json(record.before),
        "after": _json(record.after),
        "withheld": list(record.withheld),
    }
    return _encoder.encode(body)


def chain_hash(record: AuditRecord, seq: int, previous_hash: str) -> str:
    """The hex SHA-256 of :func:`canonical`."""
    return hashlib.sha256(canonical(record, seq, previous_hash)).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainPoint:
    """A position in the chain: a sequence number and the hash of the record there (``0`` and
    :data:`GENESIS` before the first record, or a checkpoint after an expiry)."""

    seq: int
    hash: str


START = ChainPoint(0, GENESIS)


@dataclass(frozen=True, slots=True)
class ChainedRecord:
    """A stored record with its place in the chain.

    ``pseudonymised_hash`` is set when a GDPR erasure pseudonymised the record: the hash of its
    content as it now reads (at the same place, after the same previous hash), which then
    stands in for ``hash`` when its content is checked; ``hash`` still links the chain."""

    seq: int
    record: AuditRecord
    previous_hash: str
    hash: str
    pseudonymised_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Break:
    """The first record at which the chain does not hold, and why."""

    seq: int
    record_id: str
    reason: str

    def __str__(self) -> str:
        return f"record {self.seq} ({self.record_id}): {self.reason}"


def check_link(previous: ChainPoint, entry: ChainedRecord) -> str | None:
    """Why ``entry`` does not follow ``previous`` (``None`` when it does)."""
    if entry.seq != previous.seq + 1:
        return f"expected record {previous.seq + 1} here (records are missing or reordered)"
    if entry.previous_hash != previous.hash:
        return "its previous hash is not the hash of the record before it"
    content = chain_hash(entry.record, entry.seq, entry.previous_hash)
    if content != entry.hash and (
        entry.pseudonymised_hash is None or content != entry.pseudonymised_hash
    ):
        return "its content does not match its hash (it was changed)"
    return None


def verify_chain(entries: Iterable[ChainedRecord], start: ChainPoint = START) -> Break | ChainPoint:
    """Walk ``entries`` (in sequence order) from ``start``: the first :class:`Break`, or the
    :class:`ChainPoint` of the last record when the chain holds."""
    point = start
    for entry in entries:
        reason = check_link(point, entry)
        if reason is not None:
            return Break(entry.seq, str(entry.record.id), reason)
        point = ChainPoint(entry.seq, entry.hash)
    return point
