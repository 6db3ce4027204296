"""The platform's status (``GET /monitoring/health``'s work): every service's deep health asked
side by side over HTTP, each within the timeout, graded green, amber or red; ops' own in
process; kept for the cache's time and shared by concurrent requests."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from monitoring_testkit import HANG, LEAKED, PEERS, StandIns, stand_ins

from platform_process import free_port
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app as create_core
from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.health import DependencyCheck
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.monitor import (
    GradedService,
    PlatformProbe,
    PlatformStatus,
    StatusBoard,
)
from threaded_server import served

AT = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


async def fine() -> str:
    return "fine"


async def broken() -> str:
    raise ConnectionRefusedError("no database")


@pytest.fixture(scope="module")
def stand() -> Iterator[StandIns]:
    with stand_ins() as served:
        yield served


@pytest.fixture(autouse=True)
def reset(stand: StandIns) -> None:
    stand.modes.update(dict.fromkeys(PEERS, "ok"))
    stand.seen.clear()
    stand.refused.clear()


def probe(
    peers: PeerClient,
    *,
    own: dict[str, DependencyCheck] | None = None,
    timeout: float = 15.0,  # a busy CI machine may take seconds; the hang test sets its own
    slow_ms: float = 10_000.0,  # only the slow test's answers are slow, however busy the machine
    operations_token: str | None = None,
    services: tuple[str, ...] = SERVICE_NAMES,
) -> PlatformProbe:
    checks = own or {"database": fine, "events": fine}
    return PlatformProbe(
        lambda: peers,
        lambda: checks,
        timeout=timeout,
        check_timeout=1.0,
        slow_ms=slow_ms,
        operations_token=operations_token,
        clock=lambda: AT,
        services=services,
    )


def by_service(status: PlatformStatus) -> dict[str, GradedService]:
    return {graded.probe.service: graded for graded in status.services}


async def test_every_service_green_is_a_green_platform(stand: StandIns) -> None:
    status = await probe(stand.peers())()
    assert status.light == "green"
    assert status.checked_at == AT
    services = by_service(status)
    assert list(services) == ["core", "animal", "commerce", "media", "community", "ops"]
    assert {s.light for s in services.values()} == {"green"}
    core = services["core"].probe
    assert [(d.name, d.ok, d.detail) for d in core.dependencies] == [
        ("database", True, "fine"),
        ("redis", True, "fine"),
        ("events", True, "fine"),
    ]
    assert (core.checked_at, core.error) == (AT, None)
    assert core.latency_ms > 0
    assert [d.name for d in services["ops"].probe.dependencies] == ["database", "events"]
    assert {name for name, _ in stand.seen} == set(PEERS)  # each asked over HTTP


async def test_a_failing_database_makes_its_service_and_the_platform_red(
    stand: StandIns,
) -> None:
    stand.modes["animal"] = "database"
    status = await probe(stand.peers())()
    animal = by_service(status)["animal"]
    assert (status.light, animal.light) == ("red", "red")
    failing = [(d.name, d.detail) for d in animal.probe.dependencies if not d.ok]
    assert failing == [("database", "refused")]
    assert {s.light for n, s in by_service(status).items() if n != "animal"} == {"green"}


async def test_another_failing_dependency_is_amber(stand: StandIns) -> None:
    stand.modes["commerce"] = "redis"
    status = await probe(stand.peers())()
    assert (status.light, by_service(status)["commerce"].light) == ("amber", "amber")


async def test_a_slow_answer_is_amber(stand: StandIns) -> None:
    stand.modes["media"] = "slow"  # 0.3 s
    status = await probe(stand.peers(), slow_ms=200)()
    media = by_service(status)["media"]
    assert (status.light, media.light, media.probe.error) == ("amber", "amber", None)
    assert media.probe.latency_ms > 200


async def test_a_hanging_service_is_red_after_the_timeout(stand: StandIns) -> None:
    stand.modes["media"] = "hang"  # holds the request HANG s
    status = await probe(stand.peers(), timeout=0.3)()
    media = by_service(status)["media"].probe
    assert (status.light, by_service(status)["media"].light) == ("red", "red")
    assert media.error == "timeout: no answer within 0.3 s"
    assert media.dependencies == ()
    # cut at the timeout: not before it, and before the stand-in answers
    assert 300 <= media.latency_ms < HANG * 1000


async def test_a_refused_connection_is_red(stand: StandIns) -> None:
    stand.refused.add("community")
    status = await probe(stand.peers())()
    community = by_service(status)["community"]
    assert (status.light, community.light) == ("red", "red")
    assert community.probe.error is not None
    assert community.probe.error.startswith("cannot connect: ")
    assert "refused" in community.probe.error.lower()  # the system's reason


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("500", "bad status: 500 from /health/deep"),
        ("garbage", "bad answer: 200 without a deep health"),
    ],
)
async def test_a_bad_answer_is_red(stand: StandIns, mode: str, error: str) -> None:
    stand.modes["core"] = mode
    status = await probe(stand.peers())()
    core = by_service(status)["core"]
    assert (status.light, core.light) == ("red", "red")
    assert core.probe.error is not None
    assert core.probe.error.startswith(error)


async def test_secrets_in_a_detail_are_masked(stand: StandIns) -> None:
    stand.modes["core"] = "leaky"
    status = await probe(stand.peers())()
    core = by_service(status)["core"].probe
    assert core.error is None
    (redis,) = [d for d in core.dependencies if d.name == "redis"]
    assert redis.detail is not None
    assert "hunter2" not in redis.detail
    assert "app:***@db" in redis.detail
    assert LEAKED not in str(status)


async def test_the_operations_token_goes_with_every_probe(stand: StandIns) -> None:
    await probe(stand.peers(), operations_token="ops-secret-token")()
    assert {headers.get("authorization") for _, headers in stand.seen} == {
        "Bearer ops-secret-token"
    }
    stand.seen.clear()
    await probe(stand.peers())()
    assert {headers.get("authorization") for _, headers in stand.seen} == {None}


async def test_ops_own_checks_run_in_process(stand: StandIns) -> None:
    status = await probe(stand.peers(), own={"database": broken, "events": fine})()
    ops = by_service(status)["ops"]
    assert (status.light, ops.light) == ("red", "red")
    assert [(d.name, d.ok) for d in ops.probe.dependencies] == [
        ("database", False),
        ("events", True),
    ]
    assert "no database" in (ops.probe.dependencies[0].detail or "")
    assert stand.calls("ops") == 0


# -- real services ---------------------------------------------------------------------------


@pytest.mark.parametrize("migrated", [True, False], ids=["migrated", "no-schema"])
async def test_a_real_core_is_green_and_red_without_its_schema(
    make_settings: Callable[..., Settings], migrated: bool
) -> None:
    settings = make_settings()
    if migrated:
        upgrade("core", settings.database_url("core"))
    with served(create_core(settings)) as url:  # over HTTP, as deployed
        peers = PeerClient({"core": url, "animal": f"http://127.0.0.1:{free_port()}"}, 5)
        status = by_service(await probe(peers, services=("core", "animal", "ops"))())
        await peers.aclose()
    (database,) = [d for d in status["core"].probe.dependencies if d.name == "database"]
    if migrated:
        assert (status["core"].light, database.ok) == ("green", True)
    else:
        assert (status["core"].light, database.ok) == ("red", False)
        assert "schema at no revision" in (database.detail or "")
    assert status["animal"].light == "red"  # no app behind it: refused


# -- the cache -------------------------------------------------------------------------------


class CountingProbe:
    """A probe that counts its runs and, when ``gate`` is set, waits for it."""

    def __init__(self) -> None:
        self.runs = 0
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> PlatformStatus:
        self.runs += 1
        if self.gate is not None:
            await self.gate.wait()
        return PlatformStatus("green", AT, ())


async def test_two_requests_within_the_ttl_probe_once() -> None:
    now = [100.0]
    counting = CountingProbe()
    board = StatusBoard(counting, 5.0, clock=lambda: now[0])
    first = await board.current()
    now[0] += 4.9
    assert await board.current() is first
    assert counting.runs == 1
    now[0] += 0.2  # past the TTL
    assert await board.current() is not first
    assert counting.runs == 2


async def test_a_zero_ttl_probes_every_time() -> None:
    counting = CountingProbe()
    board = StatusBoard(counting, 0.0)
    await board.current()
    await board.current()
    assert counting.runs == 2


async def test_concurrent_requests_share_one_probe() -> None:
    counting = CountingProbe()
    counting.gate = asyncio.Event()
    board = StatusBoard(counting, 5.0)
    waiting = [asyncio.create_task(board.current()) for _ in range(5)]
    await asyncio.sleep(0.01)
    waiting[0].cancel()  # a caller that leaves does not cancel the others' probe
    counting.gate.set()
    results = await asyncio.gather(*waiting[1:])
    assert counting.runs == 1
    assert all(result is results[0] for result in results)
