"""Small HTML tables for notebooks (IPython's ``_repr_html_``): escaped, bounded in rows."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

ROWS = 20
"""The most rows a notebook table of a large result shows."""


def table(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]], total: int) -> str:
    """A titled table of ``rows`` (every cell escaped) and, when ``total`` is larger than the
    rows given, a note of how many are not shown.

    Examples
    --------
    >>> print(table("<Ages>", ["id", "age"], [["a&b", 3]], 5))
    <p>&lt;Ages&gt;</p><table><tr><th>id</th><th>age</th></tr><tr><td>a&amp;b</td><td>3</td></tr></table><p>4 more not shown</p>
    """
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = ""
    shown = 0
    for row in rows:
        body += "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        shown += 1
    more = total - shown
    note = f"<p>{more:,} more not shown</p>" if more > 0 else ""
    return f"<p>{html.escape(title)}</p><table><tr>{head}</tr>{body}</table>{note}"
