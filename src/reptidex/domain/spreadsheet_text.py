"""Text cells a spreadsheet opens safely: a cell that would start a formula (OWASP's CSV
injection) is written with a leading apostrophe, which spreadsheets show as text, and read back
without it.

>>> defused("=HYPERLINK(1)"), defused("Pastel")
("'=HYPERLINK(1)", 'Pastel')
>>> restored(defused("-Rex-")), restored("'plain")
('-Rex-', "'plain")
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""


def defused(text: str) -> str:
    """``text`` as a cell no spreadsheet runs."""
    return "'" + text if text.startswith(FORMULA_START) else text


def restored(text: str) -> str:
    """The text a :func:`defused` cell holds (any other cell as it is)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text
