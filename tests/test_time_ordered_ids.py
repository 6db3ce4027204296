"""Time-ordered ids (UUID version 7): version and variant bits, the time they carry, order
across milliseconds, and the reproducible form."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reptidex.domain.time_ordered_ids import milliseconds_of, time_ordered_id

times = st.integers(0, (1 << 48) - 1).map(lambda ms: ms * 1_000_000)
randoms = st.integers(0, (1 << 74) - 1)


@given(times, randoms)
def test_an_id_is_version_7_of_rfc_9562_and_carries_its_millisecond(now: int, bits: int) -> None:
    ident = time_ordered_id(now, bits)
    assert (ident.version, ident.variant) == (7, uuid.RFC_4122)
    assert milliseconds_of(ident) == now // 1_000_000
    assert time_ordered_id(now, bits) == ident


@given(times, times, randoms, randoms)
def test_ids_of_later_milliseconds_sort_later(a: int, b: int, x: int, y: int) -> None:
    if a // 1_000_000 < b // 1_000_000:
        assert time_ordered_id(a, x) < time_ordered_id(b, y)


@given(times, randoms, randoms)
def test_every_random_bit_is_kept(now: int, x: int, y: int) -> None:
    assert (time_ordered_id(now, x) == time_ordered_id(now, y)) == (x == y)


def test_random_bits_must_fit() -> None:
    with pytest.raises(ValueError, match="74 bits"):
        time_ordered_id(0, 1 << 74)
    with pytest.raises(ValueError, match="74 bits"):
        time_ordered_id(0, -1)
    assert time_ordered_id().version == 7
