"""The per-address limit of public endpoints: its window, its limit (0: none), its name keeping
its counters apart, and the 429 it answers with."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import RequestFactory

from reptidex.adapters.rate_limits import MemoryRateLimiter
from reptidex.domain.errors import RateLimited
from reptidex.services.kernel.client_address import ClientAddresses
from reptidex.services.kernel.rate_limits import AddressLimit

ADDRESS = "203.0.113.7"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limit(limit: int, limiter: Any = None, name: str = "genetics", **kw: Any) -> AddressLimit:
    return AddressLimit(name, limit, limiter or MemoryRateLimiter(Clock()), ClientAddresses(), **kw)


def test_the_window_is_a_minute_by_default() -> None:
    assert _limit(5).window == 60


async def test_a_limit_of_one_admits_one_request_per_window() -> None:
    clock = Clock()
    limit = _limit(1, MemoryRateLimiter(clock))
    await limit.check_address(ADDRESS)
    with pytest.raises(RateLimited) as refused:
        await limit.check_address(ADDRESS)
    assert refused.value.retry_after == 60
    assert str(refused.value) == "At most 1 requests per 60 s from one address; try again in 60 s."
    clock.now += 60
    await limit.check_address(ADDRESS)


async def test_a_limit_of_zero_never_refuses() -> None:
    limit = _limit(0)
    for _ in range(1000):
        await limit.check_address(ADDRESS)
    request = RequestFactory().get("/genetics/predict")
    for _ in range(1000):
        await limit.check(request)


async def test_check_counts_the_request_by_its_client_address() -> None:
    limit = _limit(2)
    ours = RequestFactory().get("/genetics/predict")
    await limit.check(ours)
    await limit.check(ours)
    with pytest.raises(RateLimited):
        await limit.check(ours)
    await limit.check_address(ADDRESS)  # another address has its own count


async def test_limits_with_other_names_count_apart_on_one_limiter() -> None:
    limiter = MemoryRateLimiter(Clock())
    genetics, login = _limit(1, limiter, "genetics"), _limit(1, limiter, "login")
    await genetics.check_address(ADDRESS)
    await login.check_address(ADDRESS)
    with pytest.raises(RateLimited):
        await genetics.check_address(ADDRESS)
