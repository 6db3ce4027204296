"""The plausible-date bound rule by rule, without an app: its two ends, the leap day ten years
on, the day a date-time falls on in UTC, the marker types and the refusal's field."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest

from reptidex.domain import plausible_dates
from reptidex.domain.errors import InvalidInput
from reptidex.domain.plausible_dates import (
    PlausibleDate,
    PlausibleDateTime,
    check_plausible,
    implausible,
    latest,
)

TODAY = dt.date(2026, 12, 7)
REFUSAL = "not a plausible date: use one from 1900-01-01 to 2036-12-07"


def test_the_latest_day_is_ten_years_on() -> None:
    assert latest(TODAY) == dt.date(2036, 12, 7)
    assert latest(dt.date(2024, 3, 1)) == dt.date(2034, 3, 1)


def test_a_leap_day_ten_years_on_is_the_28th() -> None:
    assert latest(dt.date(2028, 2, 29)) == dt.date(2038, 2, 28)


def test_both_ends_are_included_and_one_day_past_is_not() -> None:
    assert implausible(dt.date(1900, 1, 1), today=TODAY) is None
    assert implausible(dt.date(2036, 12, 7), today=TODAY) is None
    assert implausible(dt.date(1899, 12, 31), today=TODAY) == REFUSAL
    assert implausible(dt.date(2036, 12, 8), today=TODAY) == REFUSAL


def test_a_date_time_counts_by_its_day_in_utc() -> None:
    east = dt.timezone(dt.timedelta(hours=5))
    west = dt.timezone(dt.timedelta(hours=-5))
    # 2036-12-08 01:00 at +05:00 is still 2036-12-07 in UTC
    assert implausible(dt.datetime(2036, 12, 8, 1, 0, tzinfo=east), today=TODAY) is None
    # 2036-12-07 22:00 at -05:00 is already 2036-12-08 in UTC
    assert implausible(dt.datetime(2036, 12, 7, 22, 0, tzinfo=west), today=TODAY) == REFUSAL
    # 1900-01-01 01:00 at +05:00 is still 1899 in UTC
    assert implausible(dt.datetime(1900, 1, 1, 1, 0, tzinfo=east), today=TODAY) == REFUSAL
    # a naive date-time counts by its own day
    assert implausible(dt.datetime(2036, 12, 7, 23, 59), today=TODAY) is None
    assert implausible(dt.datetime(1900, 1, 1, 0, 0), today=TODAY) is None
    assert implausible(dt.datetime(1899, 12, 31, 23, 59), today=TODAY) == REFUSAL


class NoOffset(dt.tzinfo):
    """A zone that gives no offset: its date-times are naive in all but name."""

    def utcoffset(self, _: dt.datetime | None) -> None:
        return None

    def dst(self, _: dt.datetime | None) -> None:
        return None

    def tzname(self, _: dt.datetime | None) -> str:
        return "floating"


def test_a_zone_without_an_offset_counts_as_naive() -> None:
    # taken as UTC it would still be 2036-12-07; as a naive (local) time it is 2036-12-08
    floating = dt.datetime(2036, 12, 8, 0, 30, tzinfo=NoOffset())
    assert implausible(floating, today=TODAY) == REFUSAL
    assert implausible(dt.datetime(2036, 12, 7, 23, 30, tzinfo=NoOffset()), today=TODAY) is None


def test_without_today_the_bound_is_ten_years_after_today_in_utc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FixedClock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> FixedClock:
            assert tz is dt.UTC
            return cls(2026, 12, 7, 23, 30, tzinfo=dt.UTC)

    monkeypatch.setattr("reptidex.domain.plausible_dates.dt.datetime", FixedClock)
    assert plausible_dates._utc_today() == dt.date(2026, 12, 7)
    monkeypatch.undo()
    ahead = dt.datetime.now(dt.UTC).date()
    last = latest(ahead)
    assert implausible(last) is None
    assert implausible(last + dt.timedelta(days=1)) == (
        f"not a plausible date: use one from 1900-01-01 to {last.isoformat()}"
    )


def test_check_plausible_names_the_field() -> None:
    check_plausible(dt.date(2020, 5, 1), "hatch_date", today=TODAY)
    # the bound is the given day's, not the clock's
    check_plausible(dt.date(2100, 1, 1), "hatch_date", today=dt.date(2095, 1, 1))
    with pytest.raises(InvalidInput) as refused:
        check_plausible(dt.date(1, 1, 1), "hatch_date", today=TODAY)
    assert str(refused.value) == f"hatch_date: {REFUSAL}"
    assert refused.value.field_errors == {"hatch_date": REFUSAL}


def test_the_marker_types_admit_exactly_the_standard_value() -> None:
    assert isinstance(dt.date(2024, 5, 1), PlausibleDate)
    assert not isinstance(dt.datetime(2024, 5, 1, 10, 0), PlausibleDate)
    assert not isinstance("2024-05-01", PlausibleDate)
    assert isinstance(dt.datetime(2024, 5, 1, 10, 0), PlausibleDateTime)
    assert not isinstance(dt.date(2024, 5, 1), PlausibleDateTime)


@pytest.fixture
def far_east_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone at UTC+14, where local and UTC days differ most."""
    monkeypatch.setenv("TZ", "Etc/GMT-14")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("far_east_machine")
def test_the_machines_zone_changes_no_day() -> None:
    # a naive date-time is its own day, not the machine's local time taken to UTC
    assert implausible(dt.datetime(2036, 12, 8, 0, 30), today=TODAY) == REFUSAL
    assert implausible(dt.datetime(1900, 1, 1, 0, 30), today=TODAY) is None
    # an aware one is its day in UTC, not in the machine's zone
    assert implausible(dt.datetime(2036, 12, 7, 22, 0, tzinfo=dt.UTC), today=TODAY) is None
    # a zone without an offset is naive too: its own day
    assert implausible(dt.datetime(2036, 12, 8, 0, 30, tzinfo=NoOffset()), today=TODAY) == REFUSAL
