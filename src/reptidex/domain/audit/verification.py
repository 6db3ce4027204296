"""Verifying a stored trail: walk its chain from where it begins to the head it names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.audit.chain import Break, ChainedRecord, ChainPoint, verify_chain

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

    async def batch(self, after_seq: int, size: int) -> list[ChainedRecord]:
        """Up to ``size`` records after ``after_seq``, in chain order."""


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


async def verify_trail(
    source: ChainSource, *, batch: int = 5000, progress: Progress | None = None
) -> Verdict:
    """Check every kept record's link and hash, then that the chain reaches its head (records
    removed from the end would leave the head ahead of the last record)."""
    total = await source.count()
    point = await source.start()
    checked = 0
    while True:
        entries = await source.batch(point.seq, batch)
        if not entries:
            break
        outcome = verify_chain(entries, point)
        if isinstance(outcome, Break):
            checked += entries.index(next(e for e in entries if e.seq == outcome.seq))
            return Verdict(checked, outcome, point)
        checked += len(entries)
        point = outcome
        if progress is not None:
            progress(checked, total)
    head = await source.head()
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
