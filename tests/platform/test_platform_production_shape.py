"""The production shape (two replicas of each service behind nginx, PostgreSQL, Redis): a
breeder's journey through the proxy keeps every acknowledged write while a replica is killed,
and once the proxy has noticed, no request fails. Correctness only; the timings under load
are benchmarks/bench_production.py's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from production_shape import (
    Breeder,
    JourneyFailed,
    Ledger,
    lost_writes,
    nginx_binary,
    production_shape,
)

pytestmark = pytest.mark.slow


def test_a_killed_replica_loses_no_acknowledged_write(tmp_path: Path, postgres_server: str) -> None:
    binary = nginx_binary()
    if binary is None:
        pytest.fail("nginx is not installed (apt-get install nginx; .ci/run installs it)")
    # two replicas of the service whose replica is killed; one of its peers, to stay short
    replicas = {"core": 1, "animal": 2, "media": 1}
    with production_shape(
        tmp_path, ("core", "animal", "media"), replicas=replicas, nginx=binary
    ) as shape:
        ledger = Ledger()

        async def journey() -> tuple[int, list[str]]:
            breeder = Breeder(shape, ledger, 1)
            try:
                await breeder.register()
                await breeder.breed(1)
                # a crash: one animal replica killed mid-journey; nginx's retry of a refused
                # connection sends every later request to the other replica
                shape.kill_replica("animal", 0)
                failures = []
                for season in range(2, 5):
                    try:
                        await breeder.breed(season)
                    except JourneyFailed as exc:
                        failures.append(str(exc))
                checked = len(ledger.calls)
                shape.start_replica(shape.replicas["animal"][0])
                await asyncio.to_thread(shape.wait_healthy, shape.replicas["animal"])
                for season in range(5, 7):
                    await breeder.breed(season)
                return checked, failures
            finally:
                await breeder.close()

        after_kill, failures = asyncio.run(journey())
        assert failures == [], failures
        assert [c for c in ledger.calls if c.status >= 500 or c.status == 0] == []
        assert after_kill < len(ledger.calls)
        writes = ledger.writes
        assert {w.kind for w in writes} == {"animal", "pair", "clutch"}
        assert len(writes) == 6 * 6  # per round: 2 + 2 hatchlings, a pair, a clutch
        assert asyncio.run(lost_writes(shape, writes)) == []
