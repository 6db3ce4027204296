"""Which field names hold secrets: the one rule the log redaction and the audit trail share."""

from __future__ import annotations

import re

_SECRET_NAME = re.compile(
    r"secret|pass(word|wd|phrase)|private_?key|credential|"
    r"(^|[_-])(token|authorization|api_?key|cookie|signature|hash|digest)s?$",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    """Whether a field called ``name`` holds a secret, whatever its value looks like.

    >>> [is_secret_name(n) for n in ("password", "stripe_secret_key", "refresh_token", "email")]
    [True, True, True, False]
    >>> [is_secret_name(n) for n in ("password_hash", "token_digest", "access_token_ttl")]
    [True, True, False]
    """
    return bool(_SECRET_NAME.search(name))
