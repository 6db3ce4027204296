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
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from reptidex.domain.audit.record import AuditRecord

GENESIS = "0" * 64
"""The ``previous_hash`` of the first record of a trail."""

_encoder = msgspec.json.Encoder(order="sorted")


class CanonicalRecord(msgspec.Struct, frozen=True):
    """A record's content as its hash covers it: every field in its canonical JSON form (ids
    as text, the instant as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, ``before``/``after`` as stored).

    A verification builds it straight from the stored columns (:func:`canonical_of` is for a
    record in hand), and :func:`content_hash` hashes it."""

    seq: int
    previous_hash: str
    id: str
    occurred_at: str
    service: str
    actor_id: str | None
    organisation_id: str | None
    request_id: str | None
    resource_kind: str
    resource_id: str
    action: str
    before: Any
    after: Any
    withheld: Any


def instant_text(value: dt.datetime) -> str:
    """The canonical text of an instant: UTC, to the microsecond.

    >>> instant_text(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    '2026-01-02T03:04:05.000000Z'
    """
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: Any) -> Any:
    # the stored form of a JSON column: what the database gives back
    return msgspec.json.decode(_encoder.encode(value))


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def canonical_of(record: AuditRecord, seq: int, previous_hash: str) -> CanonicalRecord:
    """``record``'s content at position ``seq`` after ``previous_hash``."""
    return CanonicalRecord(
        seq=seq,
        previous_hash=previous_hash,
        id=str(record.id),
        occurred_at=instant_text(record.occurred_at),
        service=record.service,
        actor_id=_text(record.actor_id),
        organisation_id=_text(record.organisation_id),
        request_id=record.request_id,
        resource_kind=record.resource_kind,
        resource_id=record.resource_id,
        action=record.action,
        before=_json(record.before),
        after=_json(record.after),
        withheld=list(record.withheld),
    )


def canonical(record: AuditRecord, seq: int, previous_hash: str) -> bytes:
    """The bytes that are hashed for ``record`` at position ``seq`` after ``previous_hash``.

    >>> record = AuditRecord(id=uuid.UUID(int=1), occurred_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    ...     service="animal", resource_kind="animal", resource_id="a1", action="created",
    ...     after={"name": "Pip"})
    >>> canonical(record, 1, GENESIS)[:59]
    b'{"action":"created","actor_id":null,"after":{"name":"Pip"},'
    """
    return _encoder.encode(canonical_of(record, seq, previous_hash))


def content_hash(content: CanonicalRecord) -> str:
    """The hex SHA-256 of ``content``'s canonical bytes (keys sorted at every level)."""
    return hashlib.sha256(_encoder.encode(content)).hexdigest()


def chain_hash(record: AuditRecord, seq: int, previous_hash: str) -> str:
    """The hex SHA-256 of :func:`canonical`."""
    return content_hash(canonical_of(record, seq, previous_hash))


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


class ChainLink(msgspec.Struct, frozen=True):
    """A stored record as a verification checks it: its content (which names its place and
    the hash before it), its stored hash, and the content hash standing in for a
    pseudonymised record's (see :class:`ChainedRecord`). A verification makes one per record:
    a struct, made several times faster than a frozen dataclass."""

    content: CanonicalRecord
    hash: str
    pseudonymised_hash: str | None = None

    @property
    def seq(self) -> int:
        """Its place in the chain."""
        return self.content.seq


def check_link(previous: ChainPoint, link: ChainLink) -> str | None:
    """Why ``link`` does not follow ``previous`` (``None`` when it does)."""
    content = link.content
    if content.seq != previous.seq + 1:
        return f"expected record {previous.seq + 1} here (records are missing or reordered)"
    if content.previous_hash != previous.hash:
        return "its previous hash is not the hash of the record before it"
    digest = content_hash(content)
    if digest != link.hash and digest != link.pseudonymised_hash:
        return "its content does not match its hash (it was changed)"
    return None


def verify_chain(links: Iterable[ChainLink], start: ChainPoint = START) -> Break | ChainPoint:
    """Walk ``links`` (in sequence order) from ``start``: the first :class:`Break`, or the
    :class:`ChainPoint` of the last record when the chain holds."""
    point = start
    for link in links:
        reason = check_link(point, link)
        if reason is not None:
            return Break(link.seq, link.content.id, reason)
        point = ChainPoint(link.seq, link.hash)
    return point
