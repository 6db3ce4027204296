"""The canonical serialisation every audit hash covers, byte for byte (docs/ops.md): stored
hashes depend on it, so it may never drift."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid

import pytest

from reptidex.domain.audit import GENESIS, AuditRecord, ChainPoint, chain_hash
from reptidex.domain.audit.chain import (
    ChainLink,
    canonical,
    canonical_of,
    check_link,
    content_hash,
    instant_text,
)

RECORD = AuditRecord(
    id=uuid.UUID("6f1c2a4e-0000-4000-8000-00000000000a"),
    occurred_at=dt.datetime(2026, 5, 4, 3, 2, 1, 9, tzinfo=dt.UTC),
    service="animal",
    actor_id=uuid.UUID("6f1c2a4e-0000-4000-8000-00000000000b"),
    organisation_id=uuid.UUID("6F1C2A4E-0000-4000-8000-00000000000C"),
    request_id="req-7",
    resource_kind="animal",
    resource_id="a-9",
    action="updated",
    before={"morph": "Pastel", "genes": {"z": (1, 2), "a": None}},
    after={"morph": "Pastel Clown"},
    withheld=["password_hash"],
)

EXPECTED = (
    b'{"action":"updated",'
    b'"actor_id":"6f1c2a4e-0000-4000-8000-00000000000b",'
    b'"after":{"morph":"Pastel Clown"},'
    b'"before":{"genes":{"a":null,"z":[1,2]},"morph":"Pastel"},'
    b'"id":"6f1c2a4e-0000-4000-8000-00000000000a",'
    b'"occurred_at":"2026-05-04T03:02:01.000009Z",'
    b'"organisation_id":"6f1c2a4e-0000-4000-8000-00000000000c",'
    b'"previous_hash":"' + GENESIS.encode() + b'",'
    b'"request_id":"req-7",'
    b'"resource_id":"a-9",'
    b'"resource_kind":"animal",'
    b'"seq":1,'
    b'"service":"animal",'
    b'"withheld":["password_hash"]}'
)


def test_the_canonical_bytes_of_a_record() -> None:
    assert canonical(RECORD, 1, GENESIS) == EXPECTED
    assert chain_hash(RECORD, 1, GENESIS) == hashlib.sha256(EXPECTED).hexdigest()
    assert content_hash(canonical_of(RECORD, 1, GENESIS)) == hashlib.sha256(EXPECTED).hexdigest()


def test_absent_values_are_null_and_the_place_is_hashed() -> None:
    bare = AuditRecord(
        id=RECORD.id,
        occurred_at=RECORD.occurred_at,
        service="core",
        resource_kind="user",
        resource_id="u-1",
        action="created",
    )
    assert canonical(bare, 7, "ab" * 32) == (
        b'{"action":"created","actor_id":null,"after":{},"before":{},'
        b'"id":"6f1c2a4e-0000-4000-8000-00000000000a",'
        b'"occurred_at":"2026-05-04T03:02:01.000009Z","organisation_id":null,'
        b'"previous_hash":"' + b"ab" * 32 + b'","request_id":null,"resource_id":"u-1",'
        b'"resource_kind":"user","seq":7,"service":"core","withheld":[]}'
    )
    hashes = {
        chain_hash(bare, 7, "ab" * 32),
        chain_hash(bare, 8, "ab" * 32),
        chain_hash(bare, 7, "cd" * 32),
    }
    assert len(hashes) == 3


def test_the_instant_is_utc_whatever_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the process's own zone is not the record's
    time.tzset()
    try:
        two_hours_east = dt.timezone(dt.timedelta(hours=2))
        moment = dt.datetime(2026, 1, 1, 1, 0, 0, tzinfo=two_hours_east)
        assert instant_text(moment) == "2025-12-31T23:00:00.000000Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_each_broken_link_says_why() -> None:
    content = canonical_of(RECORD, 5, "aa" * 32)
    good = ChainLink(content, content_hash(content))
    assert check_link(ChainPoint(4, "aa" * 32), good) is None
    assert check_link(ChainPoint(3, "aa" * 32), good) == (
        "expected record 4 here (records are missing or reordered)"
    )
    assert check_link(ChainPoint(4, "bb" * 32), good) == (
        "its previous hash is not the hash of the record before it"
    )
    changed = ChainLink(content, "cc" * 32)
    assert check_link(ChainPoint(4, "aa" * 32), changed) == (
        "its content does not match its hash (it was changed)"
    )
    pseudonymised = ChainLink(content, "cc" * 32, content_hash(content))
    assert check_link(ChainPoint(4, "aa" * 32), pseudonymised) is None
