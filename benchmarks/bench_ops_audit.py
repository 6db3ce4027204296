"""Benchmark of repti-ops' audit trail: ingest from the event bus, chain verification and
filtered reads, against the issue's targets.

Run ``python benchmarks/bench_ops_audit.py`` (``--quick`` for a small smoke run,
``--records N`` for another trail size). It needs a PostgreSQL server
(``TEST_POSTGRES_URL``, default ``postgresql+asyncpg://postgres@127.0.0.1/postgres``); it
creates a scratch database and a login role and drops both afterwards.

What it does:

1. Migrates the scratch database for repti-ops and copies a chained trail of ``--records``
   records into it (1,000,000; 20,000 with ``--quick``), printing its progress: 2,000
   organisations of very different sizes over a year, the changes of every service (animals
   most), each record with the before/after of a few fields, chained by the domain's own
   hash (:func:`~reptidex.domain.audit.chain_hash`), so the trail verifies.
2. **Verify.** Runs ``reptidex audit verify`` on it as an operator would, timed end to end
   (start-up included), against the target (1,000,000 records in under 10 s); the baseline is
   reading the same rows alone (``SELECT`` of every column through asyncpg, no hashing).
3. **Read.** Starts repti-ops on uvicorn (as its non-owner role under row-level security)
   and a baseline (a bare Litestar app returning the bytes of one page), and drives
   ``GET /audit/logs?since=..&until=..`` (an organisation owner's token: the organisation's
   records in a month) with ``--clients`` concurrent clients (32) on ``--workers`` processes
   sharing the port (1): requests per second and latency percentiles, against the target (p95
   under 50 ms).
4. **Ingest.** Publishes ``--ingest`` audit events (20,000; 2,000 with ``--quick``) on the
   in-process event bus of a repti-ops app on the same database and times until the chain's
   head reaches the last: records appended per second, against the target (5,000/s); the
   baseline is the same number of bare inserts of the rows in one transaction each.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from loadkit import (
    Workload,
    baseline_app,
    bench_authenticator,
    bench_keys,
    bench_token,
    drive,
    dsn,
    fetch,
    free_port,
    redis_reachable,
    request,
    scratch_database,
    serve_app,
    start_server,
    stop_servers,
    table,
    verdict,
    wait_for,
)

BASELINE = "baseline (fixed JSON)"
LOGS = "organisation, one month (owner)"
TARGET_VERIFY_SECONDS = 10.0
TARGET_VERIFY_RECORDS = 1_000_000
TARGET_P95_MS = 50.0
TARGET_INGEST = 5_000.0
CHUNK = 20_000
"""Records copied at a time (and between two progress lines)."""
ORGANISATIONS = 2_000
SERVICES = {"animal": 0.55, "commerce": 0.2, "core": 0.1, "media": 0.1, "ops": 0.05}
KINDS = {
    "animal": ["animal", "breeding_pair", "clutch", "husbandry_log", "transfer_offer"],
    "commerce": ["listing", "order", "payment", "supply"],
    "core": ["user", "organisation", "membership", "invitation"],
    "media": ["file", "render", "embed"],
    "ops": ["webhook", "privacy_request"],
}
ACTIONS = ["created", "updated", "updated", "updated", "deleted"]


def progress(message: str) -> None:
    """A progress line (on stderr: stdout is the report)."""
    print(message, file=sys.stderr, flush=True)


# --- the servers (run in subprocesses) --------------------------------------------------


def serve(kind: str, port: int, database_url: str, data_dir: str, public_key: str) -> None:
    """Run one server until killed: ``ops`` (the service, tokens verified with the
    benchmark's key) or ``baseline`` (the bytes of ``<data_dir>/baseline.json``)."""
    if kind == "baseline":
        serve_app(baseline_app(Path(data_dir, "baseline.json").read_bytes()), port)
        return
    from reptidex.services.kernel.logging import configure_logging
    from reptidex.services.ops.app import create_app

    configure_logging("WARNING", "json")
    app = create_app(
        _settings(database_url, data_dir), authenticator=bench_authenticator(public_key)
    )
    serve_app(app, port, os.environ.get("BENCH_PROFILE"))


def _settings(database_url: str, data_dir: str) -> Any:
    from reptidex.services.kernel.settings import load_settings

    return load_settings(
        {
            "REPTIDEX_DATA_DIR": data_dir,
            "REPTIDEX_OPS_DATABASE_URL": database_url,
            "REPTIDEX_LOG_LEVEL": "WARNING",
        }
    )


# --- the data ---------------------------------------------------------------------------


class Trail:
    """Makes the records of a realistic trail, in chain order."""

    def __init__(self, seed: int, count: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.organisations = [
            uuid.UUID(int=self.rng.getrandbits(128)) for _ in range(ORGANISATIONS)
        ]
        # a few large breeders, many small ones
        self.weights = [1.0 / (rank + 1) ** 0.9 for rank in range(ORGANISATIONS)]
        self.members = {o: [uuid.uuid4() for _ in range(3)] for o in self.organisations}
        self.start = now - dt.timedelta(days=365)
        self.step = dt.timedelta(days=365) / max(1, count)
        self.count = 0

    def record(self) -> Any:
        """The next record."""
        from reptidex.domain.audit import AuditRecord
        from reptidex.domain.time_ordered_ids import time_ordered_id

        rng = self.rng
        service = rng.choices(list(SERVICES), list(SERVICES.values()))[0]
        organisation = rng.choices(self.organisations, self.weights)[0]
        action = rng.choice(ACTIONS)
        fields = {"name": f"Animal {rng.randrange(10**6)}", "price": rng.randrange(10**6)}
        changed = {"morph": rng.choice(["Pastel", "Clown", "Pastel Clown", "Banana"])}
        before = {} if action == "created" else {**changed, "notes": "was"}
        after = {} if action == "deleted" else {**fields, **changed}
        self.count += 1
        occurred = self.start + self.step * self.count
        return AuditRecord(
            # time-ordered, as the platform makes them (``domain/time_ordered_ids.py``)
            id=time_ordered_id(int(occurred.timestamp() * 1e9), rng.getrandbits(74)),
            occurred_at=occurred,
            service=service,
            actor_id=rng.choice(self.members[organisation]),
            organisation_id=organisation,
            request_id=uuid.UUID(int=rng.getrandbits(128)).hex,
            resource_kind=rng.choice(KINDS[service]),
            resource_id=str(uuid.UUID(int=rng.getrandbits(128))),
            action=action,
            before=before,
            after=after,
        )


def _row(seq: int, record: Any, previous: str, digest: str, stored: dt.datetime) -> tuple[Any, ...]:
    return (
        record.id,
        stored,
        stored,
        seq,
        record.occurred_at,
        record.service,
        record.actor_id,
        record.organisation_id,
        record.request_id,
        record.resource_kind,
        record.resource_id,
        record.action,
        json.dumps(record.before),
        json.dumps(record.after),
        json.dumps(record.withheld),
        previous,
        digest,
    )


COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "seq",
    "occurred_at",
    "service",
    "actor_id",
    "organisation_id",
    "request_id",
    "resource_kind",
    "resource_id",
    "action",
    "before",
    "after",
    "withheld",
    "previous_hash",
    "hash",
]


async def fill(url: str, trail: Trail, count: int) -> None:
    """Copy ``count`` chained records into ``audit_record`` and move the chain's head to the
    last, printing the progress."""
    import asyncpg

    from reptidex.domain.audit import chain_hash
    from reptidex.domain.audit.chain import GENESIS

    connection = await asyncpg.connect(dsn(url))
    try:
        started = time.perf_counter()
        previous, seq = GENESIS, 0
        stored = dt.datetime.now(dt.UTC)
        while seq < count:
            batch = []
            for _ in range(min(CHUNK, count - seq)):
                seq += 1
                record = trail.record()
                digest = chain_hash(record, seq, previous)
                batch.append(_row(seq, record, previous, digest, stored))
                previous = digest
            await connection.copy_records_to_table("audit_record", records=batch, columns=COLUMNS)
            progress(f"  records: {seq:,} of {count:,} ({time.perf_counter() - started:.1f} s)")
        await connection.execute(
            "UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE chain = 'audit'", seq, previous
        )
        await connection.execute("VACUUM ANALYZE audit_record")
    finally:
        await connection.close()


# --- verify -------------------------------------------------------------------------------


def verify_seconds(owner_url: str) -> tuple[float, str]:
    """``reptidex audit verify`` on the trail, timed end to end; its last line."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("reptidex")),
            "audit",
            "verify",
            "--database-url",
            owner_url,
        ],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("REPTIDEX_")},
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"audit verify failed: {done.stderr[-2000:]}")
    return seconds, done.stdout.strip().splitlines()[-1]


async def read_seconds(owner_url: str) -> float:
    """Reading every record's columns alone (the verification's floor)."""
    import asyncpg

    connection = await asyncpg.connect(dsn(owner_url))
    try:
        started = time.perf_counter()
        async with connection.transaction():
            async for _ in connection.cursor(
                "SELECT * FROM audit_record ORDER BY seq", prefetch=5000
            ):
                pass
        return time.perf_counter() - started
    finally:
        await connection.close()


# --- ingest -------------------------------------------------------------------------------


async def ingest_per_second(app_url: str, data_dir: str, trail: Trail, count: int) -> float:
    """Publish ``count`` audit events on the in-process bus of a repti-ops app, 32 at a time,
    and time until each is appended (the bus awaits its consumers): records per second."""
    from reptidex.domain.audit import audit_event
    from reptidex.services.kernel.app import kernel_of
    from reptidex.services.ops.app import create_app

    events = [audit_event(trail.record()) for _ in range(count)]
    app = create_app(_settings(app_url, data_dir))
    async with app.lifespan():  # its workers and event subscriptions, on this loop
        bus = kernel_of(app).events.bus
        queue = iter(events)

        async def publisher() -> None:
            for event in queue:
                await bus.publish(event)

        started = time.perf_counter()
        await asyncio.gather(*(publisher() for _ in range(32)))
        return count / (time.perf_counter() - started)


async def bus_ingest_per_second(
    app_url: str, redis_url: str, trail: Trail, count: int, read_count: int
) -> float:
    """Records per second repti-ops' audit consumer appends from ``count`` audit events
    waiting on a Redis Streams bus, read ``read_count`` at a time (each read handed to it at
    once, as the platform's bus does with ``REPTIDEX_EVENT_READ_COUNT``)."""
    from reptidex.adapters.events import RedisStreamBus
    from reptidex.adapters.sql.engine import create_engine
    from reptidex.adapters.sql.ops.audit_ingest import AuditIngest
    from reptidex.domain.audit import AUDIT_EVENT, audit_event

    prefix = f"bench-audit:{uuid.uuid4().hex[:8]}"
    engine = create_engine(app_url, pool_size=4)
    ingest = AuditIngest(engine, "ops:audit")
    handled, done = [0], asyncio.Event()

    class Counted:
        any_order = True

        async def __call__(self, event: Any) -> None:
            await ingest(event)
            handled[0] += 1
            if handled[0] == count:
                done.set()

    bus = RedisStreamBus.from_url(redis_url, prefix=prefix, batch_size=read_count, block=0.05)
    try:
        for _ in range(count):
            await bus.publish(audit_event(trail.record()))
        bus.subscribe("ops", AUDIT_EVENT, Counted())
        started = time.perf_counter()
        await bus.start()
        await asyncio.wait_for(done.wait(), timeout=600)
        return count / (time.perf_counter() - started)
    finally:
        await bus.close(grace=1.0)
        client = RedisStreamBus.from_url(redis_url).redis
        keys = [key async for key in client.scan_iter(f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await engine.dispose()


async def insert_per_second(owner_url: str, trail: Trail, count: int) -> float:
    """The baseline: ``count`` rows of the same shape inserted one per transaction, 32 at a
    time, into a table of the same columns without the chain (no head to lock)."""
    import asyncpg

    pool = await asyncpg.create_pool(dsn(owner_url), min_size=32, max_size=32)
    try:
        await pool.execute("CREATE TABLE bench_insert (LIKE audit_record INCLUDING ALL)")
        stored = dt.datetime.now(dt.UTC)
        rows = [_row(seq, trail.record(), "0" * 64, "0" * 64, stored) for seq in range(count)]
        queue = iter(rows)
        placeholders = ", ".join(f"${n}" for n in range(1, len(COLUMNS) + 1))
        statement = f"INSERT INTO bench_insert ({', '.join(COLUMNS)}) VALUES ({placeholders})"

        async def inserter() -> None:
            async with pool.acquire() as connection:
                for row in queue:
                    async with connection.transaction():
                        await connection.execute(statement, *row)

        started = time.perf_counter()
        await asyncio.gather(*(inserter() for _ in range(32)))
        return count / (time.perf_counter() - started)
    finally:
        await pool.close()


# --- reads --------------------------------------------------------------------------------


def _month(trail: Trail, rng: random.Random) -> str:
    since = trail.start + dt.timedelta(days=rng.randrange(330))
    until = since + dt.timedelta(days=30)
    return f"since={since:%Y-%m-%dT%H:%M:%SZ}&until={until:%Y-%m-%dT%H:%M:%SZ}"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, measure, tear down; return the figures."""
    rng = random.Random(args.seed)
    now = dt.datetime.now(dt.UTC)
    trail = Trail(args.seed, args.records, now)
    servers: list[asyncio.subprocess.Process] = []
    progress(f"repti-ops audit benchmark: a scratch database, {args.records:,} records")
    async with scratch_database("ops") as database:
        try:
            started = time.perf_counter()
            await fill(database.owner_url, trail, args.records)
            fill_seconds = time.perf_counter() - started
            progress("verifying the chain (reptidex audit verify)")
            verify, verified = await asyncio.to_thread(verify_seconds, database.owner_url)
            read_alone = await read_seconds(database.owner_url)

            data_dir = os.path.join("/tmp", database.name)
            os.makedirs(data_dir, exist_ok=True)
            keys = bench_keys()
            public_key = keys.public_text
            # the organisation of median size among those with records
            organisation = trail.organisations[ORGANISATIONS // 20]
            token = bench_token(keys.private_key, organisation, "owner")
            ports = {"ops": free_port(), "baseline": free_port()}

            async def start(kind: str) -> None:
                argv = ["--serve", kind, "--port", str(ports[kind]), "--public-key", public_key]
                argv += ["--database-url", database.app_url, "--data-dir", data_dir]
                servers.append(await start_server(__file__, argv, args.verbose))

            for _ in range(args.workers):  # processes sharing the port, as serve --workers
                await start("ops")
            await wait_for(ports["ops"], "/health")
            path = f"/audit/logs?{_month(trail, rng)}"
            status, page = await fetch(ports["ops"], request("GET", path, token=token))
            if status != 200:
                raise RuntimeError(f"the trail answered {status}: {page[:500]!r}")
            await asyncio.to_thread(Path(data_dir, "baseline.json").write_bytes, page)
            await start("baseline")
            await wait_for(ports["baseline"], "/fixed")
            workloads = [
                Workload(BASELINE, ports["baseline"], [request("GET", "/fixed")]),
                Workload(
                    LOGS,
                    ports["ops"],
                    [
                        request("GET", f"/audit/logs?{_month(trail, rng)}", token=token)
                        for _ in range(200)
                    ],
                ),
            ]
            progress("warming up")
            for work in workloads:
                await drive(Workload(work.name, work.port, work.requests), args.clients, 1.0, rng)
            for done in range(args.rounds):
                progress(f"reads: round {done + 1} of {args.rounds}")
                for work in workloads:
                    await drive(
                        work, args.clients, float("inf"), rng, requests=args.requests // args.rounds
                    )
            await stop_servers(servers)
            progress(f"ingest: {args.ingest:,} records through the event bus")
            ingest = await ingest_per_second(database.app_url, data_dir, trail, args.ingest)
            bus_ingest = None
            if await redis_reachable(args.redis_url):
                progress(f"ingest: {args.ingest:,} records waiting on Redis Streams")
                bus_ingest = await bus_ingest_per_second(
                    database.app_url, args.redis_url, trail, args.ingest, args.read_count
                )
            else:
                progress(f"no Redis at {args.redis_url}: the Redis Streams figure is left out")
            inserts = await insert_per_second(database.owner_url, trail, args.ingest)
        finally:
            await stop_servers(servers)
    return {
        "records": args.records,
        "fill_seconds": round(fill_seconds, 2),
        "verify_seconds": round(verify, 2),
        "verified": verified,
        "read_alone_seconds": round(read_alone, 2),
        "organisation_records": json.loads(page)["total"],
        "clients": args.clients,
        "workers": args.workers,
        "workloads": {w.name: w.figures() for w in workloads},
        "ingest_per_second": round(ingest, 1),
        "bus_ingest_per_second": None if bus_ingest is None else round(bus_ingest, 1),
        "read_count": args.read_count,
        "insert_per_second": round(inserts, 1),
        "ingested": args.ingest,
    }


def report(figures: dict[str, Any]) -> str:
    """The figures, their ratios to the baselines and the targets."""
    rows = figures["workloads"]
    logs, baseline = rows[LOGS], rows[BASELINE]
    records = figures["records"]
    # the verification's target scales with the trail (10 s per million records)
    verify_target = TARGET_VERIFY_SECONDS * records / TARGET_VERIFY_RECORDS
    return "\n".join(
        [
            f"repti-ops audit benchmark: {records:,} records (copied in "
            f"{figures['fill_seconds']} s); an organisation's month holds about "
            f"{figures['organisation_records']:,}",
            "",
            f"verify: {figures['verify_seconds']} s end to end ({figures['verified']}); "
            f"reading the rows alone {figures['read_alone_seconds']} s "
            f"({figures['verify_seconds'] / max(figures['read_alone_seconds'], 1e-9):.1f}x); "
            f"target {verify_target:.1f} s ({verdict(figures['verify_seconds'] < verify_target)})",
            "",
            *table(rows),
            f"GET /audit/logs at {figures['clients']} clients, {figures['workers']} server "
            f"process(es): "
            f"{logs['per_second'] / baseline['per_second']:.2f} of the baseline's throughput; "
            f"p95 {logs['p95_ms']} ms, target {TARGET_P95_MS:.0f} ms "
            f"({verdict(logs['p95_ms'] < TARGET_P95_MS)})",
            "",
            f"ingest: {figures['ingest_per_second']:,} records/s through the in-process bus "
            f"(32 publishers, {figures['ingested']:,}); bare inserts one per transaction "
            f"{figures['insert_per_second']:,}/s "
            f"({figures['ingest_per_second'] / figures['insert_per_second']:.2f} of them); target "
            f"{TARGET_INGEST:,.0f}/s ({verdict(figures['ingest_per_second'] >= TARGET_INGEST)})",
            _bus_line(figures),
        ]
    )


def _bus_line(figures: dict[str, Any]) -> str:
    rate = figures["bus_ingest_per_second"]
    if rate is None:
        return "ingest through Redis Streams: not measured (no Redis server)"
    return (
        f"ingest: {rate:,} records/s from Redis Streams (a backlog read "
        f"{figures['read_count']} at a time); "
        f"{rate / figures['insert_per_second']:.2f} of the bare inserts; target "
        f"{TARGET_INGEST:,.0f}/s ({verdict(rate >= TARGET_INGEST)})"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, short smoke run")
    parser.add_argument("--records", type=int, help="records in the trail (1,000,000)")
    parser.add_argument("--ingest", type=int, help="records ingested from the bus (20,000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="repti-ops processes serving the reads on one port (1; serve --workers N)",
    )
    parser.add_argument("--requests", type=int, help="reads in all (3,000)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--read-count",
        type=int,
        default=100,
        help="entries per Redis Streams read (100, as REPTIDEX_EVENT_READ_COUNT)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the Redis server of the bus figure (left out when none answers)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="show the servers' errors")
    parser.add_argument("--serve", choices=["ops", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--public-key", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.database_url, args.data_dir, args.public_key)
        return 0
    args.records = args.records or (20_000 if args.quick else 1_000_000)
    args.ingest = args.ingest or (2_000 if args.quick else 20_000)
    args.requests = args.requests or (300 if args.quick else 3_000)
    args.rounds = args.rounds or (1 if args.quick else 3)
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
