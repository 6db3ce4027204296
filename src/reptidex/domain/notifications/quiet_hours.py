"""Quiet hours: the local times a user receives nothing on their phone or in their mailbox.

A delivery due inside them waits until they end (it is delayed, never dropped); in-app
notifications are stored at once, since they make no sound.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from reptidex.domain.errors import InvalidInput


def check_time_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; :class:`InvalidInput` when there is no such zone."""
    if name not in _zones():
        raise InvalidInput(
            f"Unknown time zone {name!r}.", field_errors={"time_zone": "an IANA name"}
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone {name!r}.") from exc


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def _inside(local: dt.time, start: dt.time, end: dt.time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the quiet hours span midnight


def quiet_until(
    now: dt.datetime, time_zone: str, start: dt.time | None, end: dt.time | None
) -> dt.datetime | None:
    """When the quiet hours around ``now`` end (UTC), or ``None`` when ``now`` is outside them.

    ``start``/``end`` are local wall-clock times in ``time_zone``; the window may span
    midnight (22:00-07:00). On a day that springs forward an end that does not exist is read
    with the offset before the gap (02:30 in a skipped hour ends at 03:30 on the new clock).

    >>> utc = dt.timezone.utc
    >>> quiet_until(dt.datetime(2026, 7, 1, 21, 30, tzinfo=utc), "Europe/Berlin",
    ...             dt.time(22), dt.time(7))
    datetime.datetime(2026, 7, 2, 5, 0, tzinfo=datetime.timezone.utc)
    >>> quiet_until(dt.datetime(2026, 7, 1, 12, 0, tzinfo=utc), "Europe/Berlin",
    ...             dt.time(22), dt.time(7)) is None
    True
    """
    if start is None or end is None:
        return None
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    if not _inside(local.time().replace(tzinfo=None), start, end):
        return None
    day = local.date()
    if start > end and local.time().replace(tzinfo=None) >= start:
        day += dt.timedelta(days=1)  # after the evening start: the quiet ends tomorrow
    # fold=0: an end in a spring-forward gap is read with the offset before the gap, i.e. as
    # late as the clocks show after it (02:30 that never comes ends at 03:30); never earlier.
    return dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)
