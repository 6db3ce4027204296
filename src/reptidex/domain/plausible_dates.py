"""Which dates the platform accepts as input: from 1900-01-01 to ten years after today (UTC).

Every date and date-time a caller gives (hatch and birth dates, clutch and log dates, listing
expiries, campaign days, report ranges, ``since``/``until`` filters) is checked against this
one bound before any rule of its own: a year 0001 or 9999 is a typing slip or a probe, never a
reptile's hatch day, and would otherwise reach sorting, ageing and date arithmetic (which
overflow past year 9999). Each context's own rules (a log entry not in the future, a range in
order) apply on top. Request schemas type their date fields :class:`PlausibleDate` or
:class:`PlausibleDateTime`, which the services decode through
:mod:`reptidex.services.kernel.plausible_dates`; spreadsheet imports call
:func:`check_plausible` themselves.
"""

from __future__ import annotations

import datetime as dt

from reptidex.domain.errors import InvalidInput

EARLIEST = dt.date(1900, 1, 1)
"""The earliest date accepted."""

YEARS_AHEAD = 10
"""How many years after today the latest accepted date is."""


def latest(today: dt.date) -> dt.date:
    """The latest date accepted on ``today``.

    >>> latest(dt.date(2026, 12, 7)), latest(dt.date(2028, 2, 29))
    (datetime.date(2036, 12, 7), datetime.date(2038, 2, 28))
    """
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February, ten years on, is not a leap day
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


class _Standard(type):
    """Makes the marker types below admit the standard value they stand for.

    msgspec checks that a custom type's decoded value is an instance of it, and cannot encode
    subclasses of ``date``; with this, the decoder hands on a plain ``date`` / ``datetime``,
    which every encoder, database driver and comparison takes as before."""

    _standard: type

    def __instancecheck__(cls, instance: object) -> bool:
        return type(instance) is cls._standard


class PlausibleDate(dt.date, metaclass=_Standard):
    """A ``date`` input from 1900-01-01 to ten years after today: the type a request schema
    gives a date field; the services' decoder checks the bound and hands a plain date."""

    __slots__ = ()
    _standard = dt.date


class PlausibleDateTime(dt.datetime, metaclass=_Standard):
    """A ``date-time`` input whose day is within the bound (see :class:`PlausibleDate`); the
    decoder hands a plain datetime."""

    __slots__ = ()
    _standard = dt.datetime


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _day_of(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        aware = value.tzinfo is not None and value.utcoffset() is not None
        return (value.astimezone(dt.UTC) if aware else value).date()
    return value


def implausible(value: dt.date, today: dt.date | None = None) -> str | None:
    """Why ``value`` (a date or date-time) is refused, or ``None`` when it is plausible.

    >>> implausible(dt.date(2020, 5, 1), today=dt.date(2026, 1, 1)) is None
    True
    >>> implausible(dt.date(1, 1, 1), today=dt.date(2026, 1, 1))
    'not a plausible date: use one from 1900-01-01 to 2036-01-01'
    >>> implausible(dt.datetime(9999, 12, 31, 23, 0), today=dt.date(2026, 1, 1))
    'not a plausible date: use one from 1900-01-01 to 2036-01-01'
    """
    last = latest(today or _utc_today())
    if EARLIEST <= _day_of(value) <= last:
        return None
    return f"not a plausible date: use one from {EARLIEST.isoformat()} to {last.isoformat()}"


def check_plausible(value: dt.date, field: str, today: dt.date | None = None) -> None:
    """Raise :class:`InvalidInput` naming ``field`` when ``value`` is not plausible.

    >>> check_plausible(dt.date(1899, 12, 31), "hatch_date", today=dt.date(2026, 1, 1))
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: hatch_date: not a plausible date: use one from 1900-01-01 to 2036-01-01
    """
    reason = implausible(value, today)
    if reason is not None:
        raise InvalidInput(f"{field}: {reason}", field_errors={field: reason})
