"""Snippets: a short piece of a document around its first matched word, with the matched
words marked (``<mark>``) and everything else escaped as HTML."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Set

SNIPPET_CHARS = 200
"""About how long a snippet is."""

_TOKEN = re.compile(r"[^\W_]+")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def highlight(text: str, matched: Set[str], *, size: int = SNIPPET_CHARS) -> str:
    """A piece of ``text`` of about ``size`` characters, starting a little before the first
    word in ``matched`` (folded words), those words wrapped in ``<mark>``, the rest escaped.

    >>> highlight("A <b>Pastel</b> het Clown female", {"pastel", "clown"})
    'A &lt;b&gt;<mark>Pastel</mark>&lt;/b&gt; het <mark>Clown</mark> female'
    """
    tokens = list(_TOKEN.finditer(text))
    first = next((t.start() for t in tokens if _fold(t.group()) in matched), 0)
    start = max(0, first - size // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    parts: list[str] = ["…"] if start else []
    at = start
    for token in tokens:
        if token.start() < start or token.end() > end:
            continue
        if _fold(token.group()) in matched:
            parts.append(html.escape(text[at : token.start()]))
            parts.append(f"<mark>{html.escape(token.group())}</mark>")
            at = token.end()
    parts.append(html.escape(text[at:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)
