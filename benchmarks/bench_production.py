"""The platform in its production shape under a breeder's load, and faults under that load.

Two replicas of each of the six services (``reptidex serve`` processes) behind nginx, each on a
fresh PostgreSQL database as a non-owner role, with a Redis server of the run's own
(append-only file). ``--users`` breeders register (verified by mail), set up an organisation,
then breed round after round through nginx: two animals, a pairing, a clutch and its
hatchlings, a hatchling's lineage, its pedigree chart (repti-media) and a genetics prediction.

Measured: p50/p95/p99 and the error rate of the fault-free phase against the seed's SLO
(p95 < 500 ms, errors < 1 %), and the ratio of that p95 to the p95 of ``GET /health`` through
the same nginx measured in the same run (the proxy's and framework's floor). Then, still under
load, one after another: a replica of repti-animal killed (SIGKILL, started again), Redis stopped
and restarted with its data, Redis stopped and restarted without it, PostgreSQL restarted. For
each: requests failed, and seconds from the fault to the first success after the last failure.
At the end every write acknowledged with a 2xx is read back: lost writes must be zero.

Redis faults: the consumers of repti-community are paused (SIGSTOP) before Redis stops, so
events handed to Redis wait unconsumed in its streams; the run counts them, restarts Redis,
resumes the consumers and counts how many of them were then consumed. ``--no-postgres-restart``
skips the restart of the shared PostgreSQL server.

    python benchmarks/bench_production.py [--users 6] [--duration 40] [--gap 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import httpx
import redis

from loadkit import percentile, verdict
from production_shape import (
    Call,
    Ledger,
    ProductionShape,
    lost_writes,
    production_shape,
    run_breeders,
)
from reptidex.domain.events import decode_event

SERVICES = ("core", "animal", "commerce", "media", "community", "ops")
SLO_P95_MS = 500.0
SLO_ERRORS = 0.01
PAUSED = "community"
"""The service whose replicas are paused while Redis goes down, so its events wait in Redis."""


def figures(calls: list[Call]) -> dict[str, Any]:
    """Requests, failures, error rate and latency percentiles (ms) of ``calls``."""
    latencies = [c.seconds for c in calls]
    failed = sum(1 for c in calls if not c.ok)
    return {
        "requests": len(calls),
        "failed": failed,
        "error_rate": failed / len(calls) if calls else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if calls else 0.0,
        "p95_ms": round(percentile(latencies, 95) * 1000, 1) if calls else 0.0,
        "p99_ms": round(percentile(latencies, 99) * 1000, 1) if calls else 0.0,
    }


async def health_floor(shape: ProductionShape, clients: int, seconds: float) -> dict[str, Any]:
    """``GET /health`` of repti-animal through nginx by ``clients`` at once for ``seconds``."""
    calls: list[Call] = []
    until = time.monotonic() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            while time.monotonic() < until:
                started = time.monotonic()
                response = await http.get(shape.url("animal") + "/health")
                calls.append(
                    Call("health", started, time.monotonic() - started, response.status_code, True)
                )

    await asyncio.gather(*(client() for _ in range(clients)))
    return figures(calls)


# --- Redis's streams ------------------------------------------------------------------------


Waiting = set[tuple[str, str]]
"""(consumer group, event id) of events a group has not acknowledged."""


def _events_in_redis(shape: ProductionShape) -> tuple[set[str], Waiting]:
    """The ids of the events in Redis's streams, and which of them each consumer group has not
    yet acknowledged (delivered but pending, or not yet delivered). By event id, not entry id:
    an event the outbox publishes again after a loss of data is a new entry."""
    client = redis.Redis(port=shape.redis_port, decode_responses=True)
    present: set[str] = set()
    waiting: Waiting = set()
    try:
        for stream in client.scan_iter(_type="STREAM"):
            entries: list[tuple[str, dict[str, str]]] = client.xrange(stream) or []  # type: ignore[assignment]
            ids = {
                entry: decode_event(fields["event"]).id.hex
                for entry, fields in entries
                if "event" in fields and "stream" not in fields  # not a dead letter
            }
            present.update(ids.values())
            for group in client.xinfo_groups(stream):
                name = str(group["name"])
                for pending in client.xpending_range(stream, name, "-", "+", 100_000):
                    if pending["message_id"] in ids:
                        waiting.add((name, ids[pending["message_id"]]))
                last = group["last-delivered-id"]
                for entry, _ in client.xrange(stream, f"({last}", "+") or ():
                    if entry in ids:
                        waiting.add((name, ids[entry]))
    finally:
        client.close()
    return present, waiting


def unconsumed(shape: ProductionShape) -> Waiting:
    """Every (group, event) in Redis not yet acknowledged by its group."""
    return _events_in_redis(shape)[1]


def still_unconsumed(shape: ProductionShape, waiting: Waiting) -> int:
    """How many of ``waiting`` are not consumed yet: not in Redis (gone, or not yet published
    again), or in it and not acknowledged by their group."""
    present, now = _events_in_redis(shape)
    return sum(1 for group, event in waiting if event not in present or (group, event) in now)


def present(shape: ProductionShape, waiting: Waiting) -> int:
    """How many of ``waiting``'s events Redis holds."""
    events = _events_in_redis(shape)[0]
    return sum(1 for _, event in waiting if event in events)


# --- the faults ---------------------------------------------------------------------------


@dataclass
class Fault:
    """A fault done at ``at`` (monotonic) and what was learnt doing it."""

    name: str
    at: float
    notes: str = ""


def pause_consumers(shape: ProductionShape, pause: bool) -> None:
    for replica in shape.replicas[PAUSED]:
        assert replica.process is not None
        os.kill(replica.process.pid, signal.SIGSTOP if pause else signal.SIGCONT)


async def redis_fault(shape: ProductionShape, keep_data: bool, down: float) -> str:
    """Pause the consumers, let events wait, stop Redis, start it (with or without its data),
    resume; what happened to the events that were waiting (lost data is published again by
    the outbox: docs/events.md)."""
    pause_consumers(shape, True)
    try:
        await asyncio.sleep(3)  # hatchlings keep coming: their events wait in Redis
        waiting = await asyncio.to_thread(unconsumed, shape)
        await asyncio.to_thread(shape.stop_redis)
        await asyncio.sleep(down)
        await asyncio.to_thread(shape.start_redis, keep_data=keep_data)
        kept = await asyncio.to_thread(present, shape, waiting)
    finally:
        pause_consumers(shape, False)
    deadline = time.monotonic() + 45
    left = len(waiting)
    while time.monotonic() < deadline:
        left = await asyncio.to_thread(still_unconsumed, shape, waiting)
        if left == 0:
            break
        await asyncio.sleep(1)
    gone = len(waiting) - kept
    return (
        f"{len(waiting)} events unconsumed in Redis at the stop; {kept} still in Redis after "
        f"the restart"
        + (f" ({gone} gone with its data, for the outbox to publish again)" if gone else "")
        + f"; {len(waiting) - left} of {len(waiting)} consumed within 45 s"
    )


def restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )


async def kill_replica(shape: ProductionShape, down: float) -> str:
    replica = shape.kill_replica("animal", 0)
    await asyncio.sleep(down)
    shape.start_replica(replica)
    seconds = await asyncio.to_thread(shape.wait_healthy, [replica])
    return f"repti-animal replica on port {replica.port} killed; healthy again {seconds:.1f} s after its start"


def fault_report(fault: Fault, calls: list[Call], until: float) -> dict[str, Any]:
    """Requests failed between the fault and ``until``, and the seconds from the fault to the
    first success after its last failure."""
    window = [c for c in calls if fault.at <= c.started < until]
    failed = [c for c in window if not c.ok]
    recovered = 0.0
    if failed:
        last = max(c.started for c in failed)
        after = [c.started for c in window if c.ok and c.started > last]
        recovered = (min(after) - fault.at) if after else float("nan")
    return {
        "fault": fault.name,
        "requests": len(window),
        "failed": len(failed),
        "statuses": sorted({c.status for c in failed}),
        "recovered_s": round(recovered, 1),
        "notes": fault.notes,
    }


@dataclass
class Outcome:
    """What one run measured."""

    floor: dict[str, Any]
    ledger: Ledger
    faults: list[Fault]
    planned: int
    steady_until: float
    load_started: float
    load_ended: float
    lost: list[Any]


async def exercise(shape: ProductionShape, args: argparse.Namespace) -> Outcome:
    """The baseline, the fault-free load, the faults under load, and the writes read back."""
    floor = await health_floor(shape, args.users, 5)
    ledger = Ledger()
    faults: list[Fault] = []
    plan: list[tuple[str, Callable[[], Any]]] = [
        ("replica killed", lambda: kill_replica(shape, 3)),
        ("Redis restarted with its data", lambda: redis_fault(shape, True, 5)),
        ("Redis restarted without its data", lambda: redis_fault(shape, False, 5)),
    ]
    if not args.no_postgres_restart:
        plan.append(("PostgreSQL restarted", lambda: asyncio.to_thread(restart_postgres)))
    stop = asyncio.Event()
    load_started = time.monotonic()
    load = asyncio.create_task(run_breeders(shape, ledger, args.users, stop))
    await asyncio.sleep(args.duration)
    for name, action in plan:
        fault = Fault(name, time.monotonic())
        faults.append(fault)
        print(f"fault: {name}", flush=True)
        note = await action()
        fault.notes = note if isinstance(note, str) else ""
        await asyncio.sleep(max(0.0, fault.at + args.gap - time.monotonic()))
    stop.set()
    await load
    load_ended = time.monotonic()
    lost = await lost_writes(shape, ledger.writes)
    return Outcome(
        floor, ledger, faults, len(plan), load_started + args.duration, load_started,
        load_ended, lost,
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="reptidex-production-") as workdir:
        started = time.monotonic()
        with production_shape(Path(workdir), SERVICES, replicas=args.replicas) as shape:
            print(
                f"production shape: {args.replicas} replicas x {len(SERVICES)} services behind "
                f"nginx, PostgreSQL, Redis on {shape.redis_port}; up in "
                f"{time.monotonic() - started:.0f} s",
                flush=True,
            )
            outcome = asyncio.run(exercise(shape, args))
            errors = (shape.workdir / "nginx" / "error.log").read_text(errors="replace")
    upstream = [line for line in errors.splitlines() if "upstream" in line]
    ledger, faults, floor, lost = outcome.ledger, outcome.faults, outcome.floor, outcome.lost
    steady_until, load_started, load_ended = (
        outcome.steady_until, outcome.load_started, outcome.load_ended,
    )  # fmt: skip
    writes = ledger.writes
    calls = ledger.calls
    steady = [c for c in calls if c.started < steady_until]
    journey = figures(steady)
    print()
    print(
        f"{args.users} breeders; fault-free phase {args.duration:.0f} s, then "
        f"{outcome.planned} faults {args.gap:.0f} s apart; load {load_ended - load_started:.0f} s"
    )
    print(f"{'step':14} {'requests':>9} {'failed':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for step in dict.fromkeys(c.step for c in steady):
        row = figures([c for c in steady if c.step == step])
        print(
            f"{step:14} {row['requests']:>9} {row['failed']:>7} {row['p50_ms']:>8} "
            f"{row['p95_ms']:>8} {row['p99_ms']:>8}"
        )
    print(
        f"{'all':14} {journey['requests']:>9} {journey['failed']:>7} {journey['p50_ms']:>8} "
        f"{journey['p95_ms']:>8} {journey['p99_ms']:>8}"
    )
    per_second = journey["requests"] / args.duration
    print(f"throughput {per_second:.1f} requests/s through nginx")
    print(
        f"SLO p95 < {SLO_P95_MS:.0f} ms: {journey['p95_ms']} ms, {verdict(journey['p95_ms'] < SLO_P95_MS)}; "
        f"errors < {SLO_ERRORS:.0%}: {journey['error_rate']:.2%}, "
        f"{verdict(journey['error_rate'] < SLO_ERRORS)}"
    )
    ratio = journey["p95_ms"] / floor["p95_ms"] if floor["p95_ms"] else float("nan")
    print(
        f"baseline GET /health through nginx ({args.users} clients): p95 {floor['p95_ms']} ms; "
        f"journey p95 / baseline p95 = {ratio:.1f}x"
    )
    print()
    bounds = [f.at for f in faults[1:]] + [load_ended]
    for fault, until in zip(faults, bounds, strict=True):
        row = fault_report(fault, calls, until)
        print(
            f"{row['fault']:34} requests {row['requests']:>5}  failed {row['failed']:>4} "
            f"{row['statuses'] or ''}  recovered after {row['recovered_s']} s"
        )
        if row["notes"]:
            print(f"{'':34} {row['notes']}")
    everything = figures(calls)
    print(
        f"whole run: {everything['requests']} requests, {everything['failed']} failed "
        f"({everything['error_rate']:.2%}), p95 {everything['p95_ms']} ms, p99 "
        f"{everything['p99_ms']} ms"
    )
    failures = Counter(f"{c.step} {c.status or 'no answer'}" for c in calls if not c.ok)
    print("failed requests by step and status:", dict(failures) or "none")
    for detail in list(dict.fromkeys(c.detail for c in calls if not c.ok))[:6]:
        print(f"  e.g. {detail}")
    print(f"nginx's error log on its upstreams: {len(upstream)} lines")
    for line in upstream[:8]:
        print(f"  {line[:300]}")
    print(f"writes acknowledged: {len(writes)}; lost: {len(lost)}")
    return 1 if lost else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=6, help="breeders at once (default 6)")
    parser.add_argument(
        "--duration", type=float, default=40, help="seconds of fault-free load (default 40)"
    )
    parser.add_argument(
        "--gap", type=float, default=20, help="seconds from one fault to the next (default 20)"
    )
    parser.add_argument("--replicas", type=int, default=2, help="replicas per service")
    parser.add_argument(
        "--no-postgres-restart",
        action="store_true",
        help="leave the shared PostgreSQL server alone",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short smoke run (2 users, 10 s, 12 s apart, PostgreSQL left alone)",
    )
    args = parser.parse_args()
    if args.quick:
        args.users, args.duration, args.gap = 2, 10.0, 12.0
        args.no_postgres_restart = True
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
