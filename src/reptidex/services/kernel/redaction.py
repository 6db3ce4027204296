"""Secrets kept out of logs: fields known to hold them are hidden, and text that looks like one
(a bearer token, a JWT, an Argon2 hash, a URL's password, a Stripe key) is masked wherever it
appears, exception messages included.

The log pipeline runs :func:`redact_event` last, after tracebacks are formatted (without their
frames' local variables), so nothing rendered escapes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

from reptidex.domain.secret_names import is_secret_name

HIDDEN = "<hidden>"

__all__ = ["HIDDEN", "is_secret_name", "redact", "redact_event", "redact_text", "value_is_set"]


_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "Bearer <token>" in a header or message
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + HIDDEN),
    # a JWT (three base64url segments, the first a JSON header)
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), HIDDEN),
    # an Argon2 password hash, its parameters (m=...,t=...,p=...), salt and digest
    (re.compile(r"\$argon2(id|i|d)\$(?:[^\s'\",)]|,(?=[a-z]=))+"), HIDDEN),
    # the password of a URL: scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]*:)[^\s@/'\"]+@"), r"\1***@"),
    # Stripe keys and webhook secrets
    (re.compile(r"\b(sk|rk|whsec)_(live_|test_)?[A-Za-z0-9]{6,}"), HIDDEN),
)
"""Text that is a secret wherever it appears."""

_NAME_BEFORE_VALUE = re.compile(r"""\b([A-Za-z][\w-]*)(?:\s*[=:]\s*|'\s*:\s*')""")
_VALUE = re.compile(r"""[^\s,;&'"]+""")


def _hide_named_values(text: str) -> str:
    """``text`` with the value after a secret's name hidden: ``password=hunter2``,
    ``token: abc`` or a dict's ``'api_key': 'k'`` (a bearer value is masked already)."""
    parts: list[str] = []
    position = 0
    for match in _NAME_BEFORE_VALUE.finditer(text):
        if match.start() < position or not is_secret_name(match.group(1)):
            continue
        value = _VALUE.match(text, match.end())
        if value is None or value.group(0) in (HIDDEN, "Bearer", "Basic"):
            continue
        parts.append(text[position : match.end()])
        parts.append(HIDDEN)
        position = value.end()
    parts.append(text[position:])
    return "".join(parts)


def value_is_set(value: Any) -> bool:
    """Whether a secret field holds something to hide (an unset one is shown as unset)."""
    return value not in (None, "", False)


def redact_text(text: str) -> str:
    """``text`` with every secret-looking part masked.

    >>> redact_text("postgresql+asyncpg://app:hunter2@db:5432/repti_core_db")
    'postgresql+asyncpg://app:***@db:5432/repti_core_db'
    >>> redact_text("Authorization: Bearer abcdefgh12345678")
    'Authorization: Bearer <hidden>'
    >>> redact_text("login failed: password=hunter2, {'api_key': 'k-123'}")
    "login failed: password=<hidden>, {'api_key': '<hidden>'}"
    """
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _hide_named_values(text)


def redact(value: Any, *, depth: int = 0) -> Any:
    """``value`` with secrets hidden: strings masked, secret-named mapping keys hidden.

    >>> redact({"user": "ann", "password": "hunter2", "dsn": "redis://:pw@h:6379/0"})
    {'user': 'ann', 'password': '<hidden>', 'dsn': 'redis://:***@h:6379/0'}
    """
    if depth > 20:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: HIDDEN
            if isinstance(key, str) and is_secret_name(key) and value_is_set(item)
            else redact(item, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        items = [redact(item, depth=depth + 1) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def redact_event(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: every field of the line, redacted (see :func:`redact`)."""
    for key, item in list(event.items()):
        if is_secret_name(key) and value_is_set(item):
            event[key] = HIDDEN
        else:
            event[key] = redact(item)
    return event
