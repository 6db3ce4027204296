"""Handles and mentions.

repti-core knows users by id, e-mail address and display name, none of them fit to write in a
post; the forums give each user a *handle* of their choosing: 3 to 30 characters of ``a-z``,
``0-9`` and ``_``, starting with a letter, unique without regard to case. A post mentions a
user by writing ``@handle`` after a space, a line start or punctuation; a handle nobody holds
mentions nobody.
"""

from __future__ import annotations

import re

HANDLE_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{2,29}$"
"""What a handle may be (checked without regard to case; kept in lower case)."""

MAX_MENTIONS = 20
"""At most this many distinct handles of a post are looked up (and notified)."""

_MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z][A-Za-z0-9_]{2,29})\b")


def mentioned_handles(source: str) -> list[str]:
    """The distinct handles ``source`` mentions, lower case, in order of first mention, at most
    :data:`MAX_MENTIONS`.

    >>> mentioned_handles("Thanks @Alice and @bob_99! cc @alice, mail me at x@example.com")
    ['alice', 'bob_99']
    """
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(source):
        seen.setdefault(match.group(1).lower(), None)
        if len(seen) == MAX_MENTIONS:
            break
    return list(seen)


def valid_handle(handle: str) -> bool:
    """Whether ``handle`` may be a handle.

    >>> valid_handle("ball_python_fan"), valid_handle("x"), valid_handle("9lives")
    (True, False, False)
    """
    return re.fullmatch(HANDLE_PATTERN, handle) is not None
