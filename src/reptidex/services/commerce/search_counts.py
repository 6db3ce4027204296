"""The totals of marketplace searches that differ only in their price bounds, counted in
memory.

A visitor who narrows a search by price (a slider, a "max price" box) asks the same filters
again and again with new bounds: every page is new, but its ``total`` counts the same
listings. The second time a set of filters is searched (with any bounds), the search cache
reads the price and end of every available listing those filters let through, once, and
counts each later total from them: a binary search for the bounds and a count of the
listings not ended by then. A table serves only while no listing changed since it was read
(the page cache's notices and ticket, :mod:`~reptidex.services.commerce.search_cache`), and
filters matching more than :data:`MAX_ROWS` listings are counted by the database as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from reptidex.domain.commerce.ports import ListingQuery

MAX_ROWS = 20_000
"""The most listings a table holds; broader filters are counted by the database."""
OPEN_ENDED = np.iinfo(np.int64).max
"""The end of a listing without one, in the table's microseconds."""
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def micros(at: dt.datetime) -> int:
    """``at`` in whole microseconds since the epoch (exact: datetimes count microseconds)."""
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclasses.dataclass(frozen=True, slots=True)
class PriceTable:
    """The price and end of every available listing of one set of filters, cheapest first.

    >>> end = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    >>> table = PriceTable.of([(100, None), (200, end), (200, None), (300, None)])
    >>> table.count(None, None, end - dt.timedelta(seconds=1)), table.count(150, 250, end)
    (4, 1)
    """

    prices: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]

    @classmethod
    def of(cls, rows: Sequence[tuple[int, dt.datetime | None]]) -> PriceTable:
        """The table of ``rows`` (price, end), which must be ordered by price."""
        prices = np.fromiter((price for price, _ in rows), dtype=np.int64, count=len(rows))
        ends = np.fromiter(
            (OPEN_ENDED if end is None else micros(end) for _, end in rows),
            dtype=np.int64,
            count=len(rows),
        )
        if len(prices) > 1 and bool(np.any(prices[1:] < prices[:-1])):
            raise ValueError("the rows of a price table must be ordered by price")
        return cls(prices, ends)

    def count(self, low: int | None, high: int | None, now: dt.datetime) -> int:
        """The listings priced from ``low`` to ``high`` (both included; ``None``: unbounded)
        that have not ended at ``now``, as the database counts a search's total."""
        start = 0 if low is None else int(np.searchsorted(self.prices, low, side="left"))
        stop = len(self.prices)
        if high is not None:
            stop = int(np.searchsorted(self.prices, high, side="right"))
        return int(np.count_nonzero(self.ends[start:stop] > micros(now)))

    @property
    def nbytes(self) -> int:
        """The memory its arrays take."""
        return int(self.prices.nbytes + self.ends.nbytes)


def filters_of(query: ListingQuery) -> ListingQuery | None:
    """The key of ``query``'s price table: its filters but the price bounds (time, order and
    page do not matter); ``None`` for a text search, which the database counts."""
    if query.text:
        return None
    return dataclasses.replace(
        query, now=_EPOCH, min_price=None, max_price=None, sort="newest", limit=0, offset=0
    )
