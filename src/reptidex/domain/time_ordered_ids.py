"""Identifiers that sort by the time they were made: UUID version 7 (RFC 9562, section 5.7).

Events and audit records are appended and looked up by id. A random (version 4) id lands on
a random page of every index that holds it, so on a table larger than the database's buffers
each append reads and dirties a page somewhere in the middle; an id that starts with the time
lands at the end of the index, where the last appends already are. The 48 bits of Unix time in
milliseconds are followed by 74 random bits, so ids made in the same millisecond still differ
(but do not sort among themselves).

>>> first, second = time_ordered_id(), time_ordered_id()
>>> first.version, first.variant == uuid.RFC_4122
(7, True)
>>> milliseconds_of(first) <= milliseconds_of(second)
True
"""

from __future__ import annotations

import secrets
import time
import uuid

_RANDOM_BITS = 74
"""After the time, the version (4 bits) and the variant (2 bits): 12 + 62 random bits."""


def time_ordered_id(now_ns: int | None = None, random_bits: int | None = None) -> uuid.UUID:
    """A new UUID version 7 for the time ``now_ns`` (nanoseconds since the epoch; now by
    default), its 74 random bits from ``random_bits`` (a reproducible id) or the system's
    source of randomness."""
    milliseconds = (time.time_ns() if now_ns is None else now_ns) // 1_000_000
    if random_bits is None:
        random_bits = secrets.randbits(_RANDOM_BITS)
    elif not 0 <= random_bits < 1 << _RANDOM_BITS:
        raise ValueError(f"random_bits must fit in {_RANDOM_BITS} bits")
    value = (milliseconds & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # the version
    value |= (random_bits >> 62) << 64  # 12 random bits
    value |= 0b10 << 62  # the variant
    value |= random_bits & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def milliseconds_of(ident: uuid.UUID) -> int:
    """The Unix time in milliseconds a version 7 id was made at."""
    return ident.int >> 80
