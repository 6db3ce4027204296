"""A least-recently-used cache of encoded answers, bounded by the bytes it holds."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class SizedCache:
    """Encoded answers by key, forgetting the least recently used beyond ``max_bytes`` in all;
    an answer larger than ``max_entry_bytes`` is not kept at all (it would evict the rest).

    >>> cache = SizedCache(max_bytes=10, max_entry_bytes=6)
    >>> cache.put("a", b"12345"); cache.put("b", b"12345"); cache.put("c", b"1234567")
    >>> cache.get("a"), cache.get("c"), cache.size
    (b'12345', None, 10)
    >>> cache.put("d", b"xy"); cache.get("b"), cache.size
    (None, 7)
    """

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes if max_entry_bytes is None else max_entry_bytes
        self.size = 0
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> bytes | None:
        """The answer kept for ``key``, marked as recently used."""
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: Hashable, value: bytes) -> None:
        """Keep ``value`` unless it is too large, forgetting the least recently used."""
        if len(value) > self.max_entry_bytes:
            return
        previous = self._items.pop(key, None)
        if previous is not None:
            self.size -= len(previous)
        self._items[key] = value
        self.size += len(value)
        while self.size > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self.size -= len(dropped)
