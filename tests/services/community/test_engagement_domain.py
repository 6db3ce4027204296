"""The engagement analytics' rules without a database: queries normalised, the tally bounded,
report ranges checked."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from reptidex.domain.community.analytics.reports import MAX_DAYS, DayRange, check_top
from reptidex.domain.community.analytics.tally import SearchTally, normalise_query
from reptidex.domain.community.analytics.use_cases import keep_searches
from reptidex.domain.errors import InvalidInput

DAY = dt.date(2026, 12, 6)


def test_a_query_is_kept_as_its_words_only() -> None:
    assert normalise_query("  Pastèl   HET-clown! ") == "pastel het clown"
    assert normalise_query("!!!") == ""
    assert len(normalise_query("word " * 100)) <= 100
    assert not normalise_query("word " * 100).endswith(" ")


def test_the_tally_counts_searches_empty_ones_and_showings_per_day() -> None:
    tally, alpha, beta = SearchTally(), uuid.uuid4(), uuid.uuid4()
    assert tally.record(DAY, "Pastel", 3, [alpha, alpha, beta])
    assert tally.record(DAY, "pastel ", 0)
    assert tally.record(DAY + dt.timedelta(days=1), "pastel", 1, [alpha])
    assert not tally.record(DAY, "?!", 0)
    assert (tally.days[DAY].searches, tally.days[DAY].empty, tally.days[DAY].unrecorded) == (
        3, 2, 1,
    )  # fmt: skip
    count = tally.queries[(DAY, "pastel")]
    assert (count.searches, count.empty) == (2, 1)
    assert tally.showings == {
        (DAY, alpha, "pastel"): 1,
        (DAY, beta, "pastel"): 1,
        (DAY + dt.timedelta(days=1), alpha, "pastel"): 1,
    }


def test_the_tally_is_bounded_and_drains() -> None:
    tally = SearchTally(max_queries=2, max_showings=1)
    organisation = uuid.uuid4()
    assert tally.record(DAY, "one", 1, [organisation])
    assert tally.record(DAY, "two", 1, [uuid.uuid4()])
    assert not tally.record(DAY, "three", 1)
    assert tally.record(DAY, "one", 1, [organisation])
    assert len(tally.queries) == 2
    assert tally.showings == {(DAY, organisation, "one"): 2}
    assert tally.days[DAY].searches == 4
    assert tally.days[DAY].unrecorded == 1
    drained = tally.drain()
    assert drained.days[DAY].searches == 4
    assert not tally
    assert not tally.queries
    assert not tally.showings


def test_a_range_defaults_to_the_last_30_days_and_is_bounded() -> None:
    assert DayRange.of(None, None, DAY) == DayRange(DAY - dt.timedelta(days=29), DAY)
    assert DayRange.of(DAY, DAY, DAY).start == dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    assert DayRange.of(DAY, DAY, DAY).end == dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    longest = DayRange.of(DAY - dt.timedelta(days=MAX_DAYS - 1), DAY, DAY)
    assert (longest.last - longest.first).days == MAX_DAYS - 1
    with pytest.raises(InvalidInput):
        DayRange.of(DAY - dt.timedelta(days=MAX_DAYS), DAY, DAY)
    with pytest.raises(InvalidInput):
        DayRange.of(DAY, DAY - dt.timedelta(days=1), DAY)
    with pytest.raises(InvalidInput):
        check_top(0)
    assert check_top(50) == 50


class _FailingStore:
    """A store whose writes fail (the database is away)."""

    async def add(self, tally: SearchTally, *, max_queries_per_day: int) -> None:
        raise ConnectionError("away")


def test_a_failed_write_gives_the_counts_back_within_the_bounds() -> None:
    tally, organisation = SearchTally(max_queries=2), uuid.uuid4()
    tally.record(DAY, "pastel", 0, [organisation])
    tally.record(DAY, "clown", 1)
    with pytest.raises(ConnectionError):
        asyncio.run(keep_searches(_FailingStore(), tally, DAY))  # type: ignore[arg-type]
    assert tally.days[DAY].searches == 2
    assert tally.queries[(DAY, "pastel")].empty == 1
    assert tally.showings == {(DAY, organisation, "pastel"): 1}
    # counted again later, beside new searches: still within the bounds
    newer = SearchTally(max_queries=2)
    newer.record(DAY, "spider", 1)
    newer.absorb(tally)
    assert len(newer.queries) == 2
    assert (newer.days[DAY].searches, newer.days[DAY].unrecorded) == (3, 1)
