"""Verifying a stored trail: walk its chain from where it begins to the head it names, in one
pass or as consecutive segments checked side by side and joined."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.audit.chain import Break, ChainLink, ChainPoint, verify_chain

Progress = Callable[[int, int], None]
"""Told ``(checked, total)`` after each batch."""


class ChainSource(Protocol):
    """A stored trail, as a verification reads it."""

    async def start(self) -> ChainPoint:
        """Where the kept chain begins (the genesis, or the newest expiry checkpoint)."""

    async def head(self) -> ChainPoint:
        """The last record, as the chain's head names it."""

    async def count(self) -> int:
        """How many records are kept."""

    async def batch(
        self, after_seq: int, size: int, until_seq: int | None = None
    ) -> list[ChainLink]:
        """Up to ``size`` records after ``after_seq`` (and at most ``until_seq``), in chain
        order."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a verification found: the records checked and the first break, if any."""

    checked: int
    broken: Break | None
    last: ChainPoint

    @property
    def intact(self) -> bool:
        """Whether the whole chain holds."""
        return self.broken is None


@dataclass(frozen=True, slots=True)
class Segment:
    """The records after ``after`` up to ``until`` (to the end when ``None``).

    A segment is checked on its own, without the record before it: its first record is taken
    as it reads, and :func:`join` checks that it follows the segment before (or the chain's
    start)."""

    after: int
    until: int | None


@dataclass(frozen=True, slots=True)
class Entry:
    """A segment's first record: its place, its id and the previous hash it names."""

    seq: int
    record_id: str
    previous_hash: str


@dataclass(frozen=True, slots=True)
class SegmentVerdict:
    """One segment's verdict: the records checked before its first break (if any), its last
    good point, and its first record (``None`` when it holds none)."""

    checked: int
    broken: Break | None
    last: ChainPoint | None
    entry: Entry | None


async def verify_segment(
    source: ChainSource,
    segment: Segment,
    *,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> SegmentVerdict:
    """Check the links and hashes of ``segment``'s records, in chain order (``progress`` is
    told the records checked so far after each batch)."""
    entry: Entry | None = None
    point: ChainPoint | None = None
    after = segment.after
    checked = 0
    while links := await source.batch(after, batch, segment.until):
        if point is None:
            first = links[0].content
            entry = Entry(first.seq, first.id, first.previous_hash)
            point = ChainPoint(first.seq - 1, first.previous_hash)
        outcome = verify_chain(links, point)
        if isinstance(outcome, Break):
            good = next(i for i, link in enumerate(links) if link.seq == outcome.seq)
            if good:
                point = ChainPoint(links[good - 1].seq, links[good - 1].hash)
            return SegmentVerdict(checked + good, outcome, point, entry)
        checked += len(links)
        point = outcome
        after = outcome.seq
        if progress is not None:
            progress(checked)
    return SegmentVerdict(checked, None, point, entry)


def split(start: ChainPoint, head: ChainPoint, parts: int) -> list[Segment]:
    """The kept chain from ``start`` cut into ``parts`` consecutive segments of about equal
    size; the last runs to the end (past the head, so that records appended behind the head's
    back are found).

    >>> [(s.after, s.until) for s in split(ChainPoint(0, "g"), ChainPoint(10, "h"), 3)]
    [(0, 3), (3, 6), (6, None)]
    """
    size = max(1, (head.seq - start.seq) // max(1, parts))
    bounds = list(range(start.seq, head.seq, size))[: max(1, parts)] or [start.seq]
    return [
        Segment(after, bounds[i + 1] if i + 1 < len(bounds) else None)
        for i, after in enumerate(bounds)
    ]


def join(start: ChainPoint, verdicts: Sequence[SegmentVerdict], head: ChainPoint) -> Verdict:
    """The trail's verdict from its consecutive segments' (the first begins at ``start``):
    the first break in chain order, within a segment, where two segments meet, or between the
    last record and the head — as one pass over the whole chain finds it."""
    checked = 0
    point = start
    for verdict in verdicts:
        entry = verdict.entry
        if entry is None:
            continue
        reason = None
        if entry.seq != point.seq + 1:
            reason = f"expected record {point.seq + 1} here (records are missing or reordered)"
        elif entry.previous_hash != point.hash:
            reason = "its previous hash is not the hash of the record before it"
        if reason is not None:
            return Verdict(checked, Break(entry.seq, entry.record_id, reason), point)
        checked += verdict.checked
        if verdict.broken is not None:
            return Verdict(checked, verdict.broken, verdict.last or point)
        point = verdict.last or point
    if head != point:
        return Verdict(
            checked,
            Break(
                point.seq + 1,
                "(missing)",
                f"the chain ends at record {point.seq} but its head names record {head.seq}",
            ),
            point,
        )
    return Verdict(checked, None, point)


async def verify_trail(
    source: ChainSource, *, batch: int = 5000, progress: Progress | None = None
) -> Verdict:
    """Check every kept record's link and hash in one pass, then that the chain reaches its
    head (records removed from the end would leave the head ahead of the last record)."""
    total = await source.count()
    start = await source.start()

    def told(checked: int) -> None:
        if progress is not None:
            progress(checked, total)

    verdict = await verify_segment(source, Segment(start.seq, None), batch=batch, progress=told)
    return join(start, [verdict], await source.head())
