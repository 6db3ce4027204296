"""Conditional and partial responses for stored bytes: ETag, Last-Modified, Range."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(Exception):
    """The requested range lies outside the file (HTTP 416)."""


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes ``start`` to ``end`` inclusive."""

    start: int
    end: int

    @property
    def length(self) -> int:
        """How many bytes."""
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range a ``Range`` header asks for; ``None`` means the whole file.

    A malformed header or a multi-range one is ignored (the whole file is sent, as RFC 9110
    allows); a range beyond the end raises :class:`RangeNotSatisfiable`.

    >>> parse_range("bytes=0-9", 100), parse_range("bytes=90-", 100), parse_range("bytes=-5", 100)
    (ByteRange(start=0, end=9), ByteRange(start=90, end=99), ByteRange(start=95, end=99))
    >>> parse_range("bytes=50-500", 100)
    ByteRange(start=50, end=99)
    >>> parse_range("bytes=0-1,5-6", 100) is None, parse_range("items=1-2", 100) is None
    (True, True)
    >>> parse_range("bytes=100-", 100)
    Traceback (most recent call last):
    ...
    reptidex.services.media.delivery.RangeNotSatisfiable
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = size - 1 if not last else min(int(last), size - 1)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return ByteRange(start, end)


def http_date(moment: dt.datetime) -> str:
    """An HTTP date (``Wed, 25 Nov 2026 12:00:00 GMT``)."""
    return format_datetime(moment.astimezone(dt.UTC).replace(microsecond=0), usegmt=True)


def not_modified(
    etag: str, modified: dt.datetime, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """Whether the client's copy is current (``If-None-Match`` wins over the date)."""
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return modified.replace(microsecond=0) <= since
    return False


def range_applies(etag: str, modified: dt.datetime, if_range: str | None) -> bool:
    """Whether a ``Range`` is honoured given ``If-Range`` (absent, or matching the file)."""
    if not if_range:
        return True
    if if_range.startswith('"') or if_range.startswith("W/"):
        return if_range == etag
    try:
        return modified.replace(microsecond=0) <= parsedate_to_datetime(if_range)
    except (TypeError, ValueError):
        return False
