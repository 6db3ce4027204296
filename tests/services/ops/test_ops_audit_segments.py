"""A chain verified in consecutive segments, each on its own and joined, reaches exactly the
verdict of one pass over the whole chain, whatever was tampered with and however it is cut."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from reptidex.domain.audit import GENESIS, AuditRecord, Break, ChainPoint
from reptidex.domain.audit.chain import (
    CanonicalRecord,
    ChainLink,
    canonical,
    canonical_of,
    content_hash,
)
from reptidex.domain.audit.verification import (
    Segment,
    Verdict,
    join,
    split,
    verify_segment,
    verify_trail,
)

WHEN = dt.datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)


class MemoryTrail:
    """A stored trail in memory: links by seq, where the chain starts and the head."""

    def __init__(self, links: list[ChainLink], start: ChainPoint, head: ChainPoint) -> None:
        self.links = sorted(links, key=lambda link: link.seq)
        self.reads: list[tuple[int, int | None]] = []
        self._start = start
        self._head = head

    async def start(self) -> ChainPoint:
        return self._start

    async def head(self) -> ChainPoint:
        return self._head

    async def count(self) -> int:
        return len(self.links)

    async def batch(
        self, after_seq: int, size: int, until_seq: int | None = None
    ) -> list[ChainLink]:
        assert isinstance(size, int), size
        assert size >= 1, size
        self.reads.append((after_seq, until_seq))
        kept = [
            link
            for link in self.links
            if link.seq > after_seq and (until_seq is None or link.seq <= until_seq)
        ]
        return kept[:size]


def _record(n: int) -> AuditRecord:
    return AuditRecord(
        id=uuid.UUID(int=n + 1),
        occurred_at=WHEN + dt.timedelta(seconds=n),
        service="animal",
        organisation_id=uuid.UUID(int=99),
        resource_kind="animal",
        resource_id=f"a{n}",
        action="updated",
        before={"name": f"Old {n}", "tags": {"z": 1, "a": [n]}},
        after={"name": f"New {n}"},
    )


def _chain(length: int) -> list[ChainLink]:
    links, previous = [], GENESIS
    for seq in range(1, length + 1):
        content = canonical_of(_record(seq), seq, previous)
        previous = content_hash(content)
        links.append(ChainLink(content, previous))
    return links


def _rehashed(content: CanonicalRecord) -> ChainLink:
    return ChainLink(content, content_hash(content))


def _tamper(links: list[ChainLink], kind: str, where: int) -> list[ChainLink]:
    """``links`` after one tampering at position ``where`` (modulo their number)."""
    if not links:
        return links
    i = where % len(links)
    link = links[i]
    replace = msgspec.structs.replace
    match kind:
        case "edit":  # content changed, hash left as it was
            return [
                *links[:i],
                ChainLink(replace(link.content, action="forged"), link.hash),
                *links[i + 1 :],
            ]
        case "relink":  # content and hash rewritten, pointing at a forged previous record
            forged = _rehashed(replace(link.content, previous_hash="f" * 64))
            return [*links[:i], forged, *links[i + 1 :]]
        case "delete":
            return [*links[:i], *links[i + 1 :]]
        case "renumber":  # moved far ahead, rehashed
            moved = _rehashed(replace(link.content, seq=link.seq + 1000))
            return [*links[:i], *links[i + 1 :], moved]
        case "append":  # a forged record after the head
            last = links[-1]
            extra = canonical_of(_record(5000), last.seq + 1, last.hash)
            return [*links, ChainLink(extra, content_hash(extra))]
    raise AssertionError(kind)


async def _segmented(trail: MemoryTrail, parts: int, batch: int) -> Verdict:
    start, head = await trail.start(), await trail.head()
    verdicts = [
        await verify_segment(trail, segment, batch=batch) for segment in split(start, head, parts)
    ]
    return join(start, verdicts, head)


TAMPERING = st.lists(
    st.tuples(
        st.sampled_from(["edit", "relink", "delete", "renumber", "append"]),
        st.integers(0, 100),
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(
    length=st.integers(0, 40),
    expired=st.integers(0, 10),
    tampering=TAMPERING,
    parts=st.integers(1, 7),
    batch=st.integers(1, 9),
)
def test_segments_joined_find_what_one_pass_finds(
    length: int, expired: int, tampering: list[tuple[str, int]], parts: int, batch: int
) -> None:
    links = _chain(length)
    expired = min(expired, length)
    start = START if expired == 0 else ChainPoint(expired, links[expired - 1].hash)
    head = START if length == 0 else ChainPoint(length, links[-1].hash)
    kept = links[expired:]
    for kind, where in tampering:
        kept = _tamper(kept, kind, where)
    trail = MemoryTrail(kept, start, head)

    one_pass = asyncio.run(verify_trail(trail, batch=batch))
    assert asyncio.run(_segmented(trail, parts, batch)) == one_pass
    if kept == links[expired:]:
        assert one_pass == Verdict(length - expired, None, head)
    elif tampering and all(kind != "append" for kind, _ in tampering):
        assert one_pass.broken is not None


START = ChainPoint(0, GENESIS)


def test_a_break_where_two_segments_meet_is_named() -> None:
    links = _chain(9)
    forged = _rehashed(msgspec.structs.replace(links[6].content, previous_hash="e" * 64))
    links[6] = forged  # record 7, the first of the third segment
    trail = MemoryTrail(links, START, ChainPoint(9, links[-1].hash))
    verdict = asyncio.run(_segmented(trail, 3, 2))
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.checked) == (7, 6)
    assert verdict.broken.record_id == str(uuid.UUID(int=8))
    assert verdict.broken.reason == "its previous hash is not the hash of the record before it"
    assert verdict.last == ChainPoint(6, links[5].hash)


def test_split_covers_the_chain_once() -> None:
    segments = split(ChainPoint(10, "c"), ChainPoint(110, "h"), 4)
    assert segments == [Segment(10, 35), Segment(35, 60), Segment(60, 85), Segment(85, None)]
    assert split(ChainPoint(3, "c"), ChainPoint(3, "c"), 4) == [Segment(3, None)]
    assert split(ChainPoint(0, "g"), ChainPoint(2, "h"), 8) == [Segment(0, 1), Segment(1, None)]
    assert split(ChainPoint(0, "g"), ChainPoint(9, "h"), 2) == [Segment(0, 4), Segment(4, None)]
    assert split(ChainPoint(0, "g"), ChainPoint(9, "h"), 1) == [Segment(0, None)]
    assert split(ChainPoint(0, "g"), ChainPoint(9, "h"), 0) == [Segment(0, None)]


def test_the_canonical_form_is_the_hashed_one() -> None:
    record = _record(1)
    content = canonical_of(record, 4, "a" * 64)
    assert canonical(record, 4, "a" * 64) == msgspec.json.encode(
        msgspec.json.decode(canonical(record, 4, "a" * 64)), order="sorted"
    )
    assert content.occurred_at == "2026-03-01T12:00:01.123456Z"
    assert content.id == "00000000-0000-0000-0000-000000000002"
    assert canonical(record, 4, "a" * 64).startswith(b'{"action":"updated","actor_id":null,')


def test_one_pass_reads_in_batches_and_tells_its_progress() -> None:
    links = _chain(5)
    trail = MemoryTrail(links, START, ChainPoint(5, links[-1].hash))
    told: list[tuple[int, int]] = []
    verdict = asyncio.run(verify_trail(trail, batch=2, progress=lambda *at: told.append(at)))
    assert verdict == Verdict(5, None, ChainPoint(5, links[-1].hash))
    assert told == [(2, 5), (4, 5), (5, 5)]
    assert trail.reads == [(0, None), (2, None), (4, None), (5, None)]


def test_a_segment_reads_its_own_records_and_tells_its_progress() -> None:
    links = _chain(9)
    trail = MemoryTrail(links, START, ChainPoint(9, links[-1].hash))
    told: list[int] = []
    verdict = asyncio.run(verify_segment(trail, Segment(3, 7), batch=3, progress=told.append))
    assert (verdict.checked, verdict.broken) == (4, None)
    assert verdict.last == ChainPoint(7, links[6].hash)
    assert verdict.entry is not None
    assert (verdict.entry.seq, verdict.entry.previous_hash) == (4, links[2].hash)
    assert told == [3, 4]
    assert trail.reads == [(3, 7), (6, 7), (7, 7)]


def test_records_missing_at_the_end_leave_the_head_ahead() -> None:
    links = _chain(7)
    trail = MemoryTrail(links[:5], START, ChainPoint(7, links[-1].hash))
    verdict = asyncio.run(_segmented(trail, 2, 2))
    assert verdict == Verdict(
        5,
        Break(6, "(missing)", "the chain ends at record 5 but its head names record 7"),
        ChainPoint(5, links[4].hash),
    )
    assert asyncio.run(verify_trail(trail, batch=2)) == verdict
