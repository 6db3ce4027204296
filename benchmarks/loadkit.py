"""What the HTTP benchmarks share: a scratch PostgreSQL database with the service's non-owner
role, servers on uvicorn in subprocesses (a service, a bare Litestar baseline), a small
HTTP/1.1 load generator on asyncio streams and the figures it measures.

The load generator is cheaper than a full client, so that more of the shared cores go to the
servers; a latency includes queueing at the server, as a user would see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import signal
import socket
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Response, route

DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
"""The PostgreSQL server's maintenance database (``TEST_POSTGRES_URL`` overrides it)."""


# --- the database -----------------------------------------------------------------------


def dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as asyncpg takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def run_sql(url: str, *statements: str) -> None:
    """Run ``statements`` on a connection of their own."""
    import asyncpg

    connection = await asyncpg.connect(dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@dataclass(frozen=True, slots=True)
class ScratchDatabase:
    """A database made for one run: its owner's URL and the service's login role's."""

    name: str
    owner_url: str
    app_url: str


@contextlib.asynccontextmanager
async def scratch_database(service: str) -> AsyncIterator[ScratchDatabase]:
    """A fresh database migrated for ``service`` and a login role in ``reptidex_<service>_app``
    (not the tables' owner: row-level security applies to it, as in production); both are
    dropped afterwards."""
    from reptidex.adapters.sql.migrations import upgrade

    admin = os.environ.get("TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)
    name = f"reptidex_bench_{uuid.uuid4().hex[:10]}"
    role = f"bench_{uuid.uuid4().hex[:10]}"
    owner_url = f"{admin.rsplit('/', 1)[0]}/{name}"
    host = owner_url.split("@", 1)[1]
    await run_sql(admin, f'CREATE DATABASE "{name}"')
    try:
        await asyncio.to_thread(upgrade, service, owner_url)
        await run_sql(
            owner_url,
            f"CREATE ROLE {role} LOGIN PASSWORD 'bench' NOSUPERUSER NOBYPASSRLS",
            f"GRANT reptidex_{service}_app TO {role}",
        )
        yield ScratchDatabase(name, owner_url, f"postgresql+asyncpg://{role}:bench@{host}")
    finally:
        await run_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await run_sql(admin, f"DROP ROLE IF EXISTS {role}")


# --- the servers ------------------------------------------------------------------------


def serve_app(app: Any, port: int, profile: str | None = None) -> None:
    """Serve ``app`` on ``port`` until SIGTERM, on the platform's own server class (its
    start-up settles the heap), binding with SO_REUSEPORT as ``reptidex serve --workers``
    does; ``profile``: write a cProfile to ``<profile>.<pid>``."""
    import uvicorn

    from reptidex.services.runner import PlatformServer
    from reptidex.services.workers import shared_port_socket

    sock = shared_port_socket("127.0.0.1", port)
    server = PlatformServer(uvicorn.Config(app, log_level="warning", access_log=False))
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    if not profile:
        server.run(sockets=[sock])
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        server.run(sockets=[sock])
    finally:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{os.getpid()}")


def baseline_app(body: bytes) -> Litestar:
    """A bare Litestar app whose one endpoint, ``GET`` or ``POST /fixed``, returns ``body`` as
    JSON: the baseline a service's throughput is compared with."""

    @route("/fixed", http_method=["GET", "POST"], status_code=200, sync_to_thread=False)
    def fixed_json() -> Response[bytes]:
        return Response(body, media_type="application/json")

    return Litestar([fixed_json], logging_config=None)


async def start_server(
    script: str, argv: Sequence[str], verbose: bool
) -> asyncio.subprocess.Process:
    """``script`` run with ``argv`` in a subprocess of this Python (its errors shown only
    when ``verbose``)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        script,
        *argv,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=None if verbose else asyncio.subprocess.DEVNULL,
    )


async def stop_servers(servers: Sequence[asyncio.subprocess.Process]) -> None:
    """Stop the servers (SIGTERM, then SIGKILL after 10 s)."""
    for server in servers:
        if server.returncode is None:
            server.terminate()
    for server in servers:
        try:
            await asyncio.wait_for(server.wait(), 10)
        except TimeoutError:
            server.kill()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def wait_for(port: int, path: str, within: float = 60.0) -> None:
    """Return once ``GET path`` on ``port`` answers; raise if it does not ``within`` seconds."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        try:
            await fetch(port, request("GET", path))
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not start")


# --- the load ---------------------------------------------------------------------------


@dataclass
class Workload:
    """One kind of request: its name, port and how to make the next request's bytes."""

    name: str
    port: int
    requests: list[bytes]
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    fresh: bool = False
    """Each request once, in order (no request repeats), rather than drawn at random."""
    taken: int = 0
    until: int | None = None
    """A fresh workload's last request (exclusive) in the current round (``None``: all)."""

    def share(self, rounds: int) -> None:
        """Give the next round of a fresh workload its share of the requests left, so that
        every round measures it (one round would otherwise send them all)."""
        left = len(self.requests) - self.taken
        self.until = self.taken + -(-left // max(1, rounds))

    def next_request(self, rng: random.Random) -> bytes | None:
        """The bytes of the next request (``None``: a fresh workload has sent its round's)."""
        if not self.fresh:
            return rng.choice(self.requests)
        if self.taken >= (len(self.requests) if self.until is None else self.until):
            return None
        self.taken += 1
        return self.requests[self.taken - 1]

    def figures(self) -> dict[str, Any]:
        """Requests, errors, requests per second and latency percentiles (ms) so far."""
        return {
            "requests": len(self.latencies),
            "errors": self.errors,
            "per_second": round(len(self.latencies) / self.seconds, 1),
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 2),
            "p95_ms": round(percentile(self.latencies, 95) * 1000, 2),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2),
        }


def request(method: str, path: str, body: bytes = b"", token: str | None = None) -> bytes:
    """The bytes of one keep-alive HTTP/1.1 request."""
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    if body or method == "POST":
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader, into: bytearray | None = None) -> int:
    """Read one response; its body goes to ``into`` when given (and is dropped otherwise)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    sink = bytearray() if into is None else into
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            sink += (await reader.readexactly(size + 2))[:-2]
            if size == 0:
                break
    elif length:
        sink += await reader.readexactly(length)
    return status


async def fetch(port: int, payload: bytes) -> tuple[int, bytes]:
    """Send one request on a connection of its own; its status and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = bytearray()
    try:
        writer.write(payload)
        await writer.drain()
        status = await read_response(reader, body)
    finally:
        writer.close()
    return status, bytes(body)


async def drive(
    work: Workload,
    clients: int,
    seconds: float,
    rng: random.Random,
    *,
    requests: int | None = None,
) -> None:
    """Keep ``clients`` connections busy for ``seconds`` (or until ``requests`` have been sent
    in all); record each request's latency."""
    deadline = time.perf_counter() + seconds
    left = math.inf if requests is None else requests

    async def client() -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection("127.0.0.1", work.port)
        try:
            while left > 0 and time.perf_counter() < deadline:
                payload = work.next_request(rng)
                if payload is None:
                    break
                left -= 1
                started = time.perf_counter()
                writer.write(payload)
                await writer.drain()
                status = await read_response(reader)
                work.latencies.append(time.perf_counter() - started)
                if status >= 400:
                    work.errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    work.seconds += time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def table(rows: dict[str, dict[str, Any]], width: int = 36) -> list[str]:
    """The lines of a table of workloads' figures (as :meth:`Workload.figures` gives)."""
    lines = [
        f"{'workload':{width}} {'requests':>9} {'errors':>6} {'req/s':>9} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8}"
    ]
    for name, row in rows.items():
        lines.append(
            f"{name:{width}} {row['requests']:>9} {row['errors']:>6} {row['per_second']:>9} "
            f"{row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}"
        )
    return lines


def verdict(ok: bool) -> str:
    """How a target reads in a report."""
    return "met" if ok else "NOT met"


# --- tokens -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BenchKeys:
    """A signing key made for one run: its private key (the benchmark signs tokens) and its
    public key as base64 text (handed to the servers it starts)."""

    private_key: Any
    public_text: str


def bench_keys() -> BenchKeys:
    """A fresh Ed25519 key pair, as repti-core's signing key would be."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private_key = Ed25519PrivateKey.generate()
    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return BenchKeys(private_key, base64.b64encode(raw).decode())


def bench_authenticator(public_text: str) -> Any:
    """A service's authenticator that trusts only the run's key (kid ``bench``)."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from reptidex.services.kernel.auth import Authenticator

    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_text))

    class OneKey:
        async def public_key(
            self, kid: str, issued_at: float | None = None
        ) -> Ed25519PublicKey | None:
            return key if kid == "bench" else None

    return Authenticator(OneKey())


def bench_token(private_key: Any, organisation: uuid.UUID, role: str) -> str:
    """An hour's access token of a new user with ``role`` in ``organisation``, signed as
    repti-core does with the run's key."""
    import time as clock

    import jwt

    from reptidex.adapters.identity.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE

    now = int(clock.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
        "org": str(organisation),
        "role": role,
    }
    return jwt.encode(
        claims, private_key, algorithm=ALGORITHM, headers={"kid": "bench", "typ": TOKEN_TYPE}
    )


async def redis_reachable(redis_url: str) -> bool:
    """Whether a Redis server answers at ``redis_url``."""
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    client = aioredis.from_url(redis_url)
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def repeating(
    action: Callable[[], Awaitable[int]], interval: float
) -> AsyncIterator[list[int]]:
    """Run ``action`` every ``interval`` seconds while the block runs (a change during a
    workload); yields a list whose one item sums what the runs returned."""
    done = [0]

    async def repeat() -> None:
        while True:
            done[0] += await action()
            await asyncio.sleep(interval)

    task = asyncio.create_task(repeat())
    try:
        yield done
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
