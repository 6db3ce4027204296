"""CSV lines for exports a person opens in a spreadsheet: RFC 4180 quoting, CRLF line ends,
and no cell a spreadsheet would run as a formula.

>>> csv_line(["Pastel, het Clown", 19999, None, "=HYPERLINK(1)"])
b'"Pastel, het Clown",19999,,\\'=HYPERLINK(1)\\r\\n'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

import msgspec

from reptidex.domain.spreadsheet_text import defused

_encoder = msgspec.json.Encoder(order="sorted")


def csv_cell(value: object) -> str:
    """A value as a cell: empty for None, JSON for a mapping or list, ISO 8601 for a time;
    text that would start a formula gets a leading apostrophe, which spreadsheets show as text.

    >>> [csv_cell(v) for v in (None, {"b": 1, "a": 2}, "-5", "@SUM(A1)", "Pastel")]
    ['', '{"a":2,"b":1}', "'-5", "'@SUM(A1)", 'Pastel']
    """
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return _encoder.encode(value).decode()
    text = value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)
    return defused(text)


def csv_line(cells: Sequence[object]) -> bytes:
    """One CSV line of ``cells``, UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(c) for c in cells])
    return buffer.getvalue().encode()
